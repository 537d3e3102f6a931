"""Contribution-guide checks beyond InstructLab's schema: word limits, repeats, YAML traps, patterns."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from taxonomy.format.marks import STR_TAG, yaml_path

#: Words allowed in one context (knowledge, or a grounded skill's seed example).
CONTEXT_MAX_WORDS = 500
#: Words allowed in one question and its answer together.
QA_MAX_WORDS = 250
#: Words allowed across all seed example text (contexts, questions, answers) of a skill.
SKILL_MAX_WORDS = 2300

_BOOL_TAG = "tag:yaml.org,2002:bool"
_TRUE_WORDS = frozenset({"yes", "true", "on"})


@dataclass(frozen=True)
class Finding:
    """One guide problem at a key path; ``mark`` is a 1-based (line, col) when known without the path."""

    path: tuple[Any, ...]
    rule: str
    message: str
    fix: str
    mark: tuple[int, int] | None = None


def guide_findings(
    data: Mapping[Any, Any],
    root: Node | None,
    *,
    knowledge: bool,
    documents: Mapping[str, str] | Iterable[str] | None = None,
    plain_booleans: bool = True,
) -> list[Finding]:
    """All guide problems of a leaf's ``data`` (built from ``root``); values of the wrong type are skipped,
    since the schema already reports them. ``plain_booleans`` False (the loader saw none) skips looking
    for boolean traps."""
    findings = list(_word_limits(data, knowledge=knowledge))
    findings.extend(_duplicate_questions(data))
    if root is not None and plain_booleans:
        findings.extend(_boolean_traps(root))
    if knowledge and documents is not None:
        findings.extend(_unmatched_patterns(data, documents))
    return findings


def _words(value: Any) -> int:
    return len(value.split()) if isinstance(value, str) else 0


def _seed_examples(data: Mapping[Any, Any]) -> Iterator[tuple[int, Mapping[Any, Any]]]:
    examples = data.get("seed_examples")
    if isinstance(examples, list):
        for index, example in enumerate(examples):
            if isinstance(example, Mapping):
                yield index, example


def _question_answers(data: Mapping[Any, Any]) -> Iterator[tuple[tuple[Any, ...], Mapping[Any, Any]]]:
    """Each question/answer mapping and its path (nested in knowledge v3, not in skills)."""
    for index, example in _seed_examples(data):
        pairs = example.get("questions_and_answers")
        if isinstance(pairs, list):
            for inner, pair in enumerate(pairs):
                if isinstance(pair, Mapping):
                    yield ("seed_examples", index, "questions_and_answers", inner), pair
        elif "question" in example or "answer" in example:
            yield ("seed_examples", index), example


def _word_limits(data: Mapping[Any, Any], *, knowledge: bool) -> Iterator[Finding]:
    total = 0
    for index, example in _seed_examples(data):
        words = _words(example.get("context"))
        total += words
        if words > CONTEXT_MAX_WORDS:
            yield Finding(
                path=("seed_examples", index, "context"),
                rule="seedbed/context-words",
                message=f"This context has {words} words; the contribution guide allows {CONTEXT_MAX_WORDS}.",
                fix=f"Cut the context to at most {CONTEXT_MAX_WORDS} words, keeping what the questions need.",
            )
    for path, pair in _question_answers(data):
        words = _words(pair.get("question")) + _words(pair.get("answer"))
        total += words
        if words > QA_MAX_WORDS:
            yield Finding(
                path=path,
                rule="seedbed/qa-words",
                message=(
                    f"This question and answer have {words} words together; "
                    f"the contribution guide allows {QA_MAX_WORDS}."
                ),
                fix=f"Shorten the question and answer to at most {QA_MAX_WORDS} words together.",
            )
    if not knowledge and total > SKILL_MAX_WORDS:
        yield Finding(
            path=("seed_examples",),
            rule="seedbed/skill-words",
            message=(
                f"The seed examples have {total} words in all; "
                f"the contribution guide allows {SKILL_MAX_WORDS} for a skill."
            ),
            fix=f"Shorten or drop seed examples until they hold at most {SKILL_MAX_WORDS} words.",
        )


def _duplicate_questions(data: Mapping[Any, Any]) -> Iterator[Finding]:
    seen: dict[str, tuple[Any, ...]] = {}
    for path, pair in _question_answers(data):
        question = pair.get("question")
        if not isinstance(question, str) or not question.strip():
            continue
        normalised = " ".join(question.split()).casefold()
        first = seen.setdefault(normalised, path)
        if first != path:
            yield Finding(
                path=(*path, "question"),
                rule="seedbed/duplicate-question",
                message=f"This question repeats the one at {yaml_path(first)}.",
                fix="Ask something different: repeated questions add no new seed for generation.",
            )


def _boolean_traps(root: Node) -> Iterator[Finding]:
    """Plain yes/no/on/off/true/false values, which YAML 1.1 reads as booleans where qna.yaml wants text."""
    seen: set[int] = set()
    stack: list[tuple[Node, tuple[Any, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key_node, value_node in reversed(node.value):
                key = key_node.value if isinstance(key_node, ScalarNode) and key_node.tag == STR_TAG else "?"
                stack.append((value_node, (*path, key)))
        elif isinstance(node, SequenceNode):
            for index in range(len(node.value) - 1, -1, -1):
                stack.append((node.value[index], (*path, index)))
        elif (
            isinstance(node, ScalarNode)
            and node.tag == _BOOL_TAG
            # PyYAML marks a plain scalar with style None, its C composer with ''
            and not node.style
            and path != ("version",)
        ):
            yield Finding(
                path=path,
                rule="seedbed/yaml-boolean",
                message=(
                    f"'{node.value}' is read as the boolean {node.value.lower() in _TRUE_WORDS}, "
                    "not as text (YAML 1.1)."
                ),
                fix=f'Quote it: "{node.value}".',
                mark=(node.start_mark.line + 1, node.start_mark.column + 1),
            )


def _unmatched_patterns(
    data: Mapping[Any, Any], documents: Mapping[str, str] | Iterable[str]
) -> Iterator[Finding]:
    document = data.get("document")
    patterns = document.get("patterns") if isinstance(document, Mapping) else None
    if not isinstance(patterns, list):
        return
    names = [
        _clean_name(name) for name in (documents.keys() if isinstance(documents, Mapping) else documents)
    ]
    for index, pattern in enumerate(patterns):
        if isinstance(pattern, str) and not any(glob_match(pattern, name) for name in names):
            yield Finding(
                path=("document", "patterns", index),
                rule="seedbed/unmatched-pattern",
                message=f"The pattern '{pattern}' matches none of the {len(names)} documents.",
                fix=(
                    "Correct the pattern (relative to the document repository, e.g. 'docs/*.md') "
                    "or add the document."
                ),
            )


def _clean_name(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return name


def glob_match(pattern: str, name: str) -> bool:
    """Whether ``glob.glob(os.path.join(repo, pattern))``, as InstructLab reads documents, would find the file
    ``name`` (relative to the repository): '*' stays within one directory, '**' is no more than '*', and a
    wildcard does not match a name starting with '.'."""
    if pattern.startswith("/") or pattern.endswith("/"):
        return False  # an absolute pattern leaves the repository; a trailing '/' matches directories only
    pattern_parts = [part for part in pattern.split("/") if part not in ("", ".")]
    name_parts = name.split("/")
    if len(pattern_parts) != len(name_parts) or ".." in pattern_parts:
        return False
    for part, segment in zip(pattern_parts, name_parts):
        if not _has_magic(part):
            if part != segment:
                return False
        elif (segment.startswith(".") and not part.startswith(".")) or not fnmatch.fnmatchcase(segment, part):
            return False
    return True


def _has_magic(part: str) -> bool:
    return any(char in part for char in "*?[")
