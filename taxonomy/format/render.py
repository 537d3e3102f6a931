"""Rendering qna.yaml from structured data: exact round trips, clean under InstructLab's yamllint config."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml

from taxonomy.format.marks import STR_TAG

#: The schema version new leaves are written in.
CURRENT_VERSION = 3

# InstructLab's key order; keys not listed follow in the order given.
_TOP_ORDER = (
    "version",
    "task_description",
    "created_by",
    "domain",
    "document_outline",
    "seed_examples",
    "document",
)
_EXAMPLE_ORDER = ("context", "question", "answer", "questions_and_answers")
_PAIR_ORDER = ("question", "answer")
_DOCUMENT_ORDER = ("repo", "commit", "patterns")

# What only escapes carry faithfully: tabs and controls (yamllint and libyaml disagree on tabs), carriage
# returns and the Unicode line breaks YAML 1.1 rewrites or folds, the byte order mark and lone surrogates.
_NEEDS_ESCAPES = re.compile("[\x00-\x08\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")
# yamllint's trailing-spaces rule sees spaces at the end of a literal block's lines, and its empty-lines rule
# counts the block's empty lines: more than two in a row is a warning.
_BLOCK_LINT_TRAPS = re.compile(r" \n| $|\n\n\n\n")
# Plain scalars PyYAML's YAML 1.1 resolver reads as text but YAML 1.2 parsers (and Go's YAML 1.1 booleans)
# read as numbers or booleans; quoting them keeps the file unambiguous for every tool that reads it.
_AMBIGUOUS_PLAIN = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[yYnN]"
)


class _DoubleQuoted(str):
    """A string that must be written double-quoted (the file's last value, when a literal block would end
    the file with empty lines)."""


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper writing InstructLab's layout: sequences indented under their key, no anchors."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # yamllint accepts either sequence indentation if consistent; InstructLab's files indent them
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    return dumper.represent_scalar(STR_TAG, str(data), style=_style_for(data))


def _represent_double_quoted(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    return dumper.represent_scalar(STR_TAG, str(data), style='"')


def _style_for(text: str) -> str | None:
    """The scalar style for ``text``: a literal block for multi-line text when it round-trips and lints clean,
    double quotes when only escapes can carry it, else PyYAML's choice of plain or single quotes."""
    if _NEEDS_ESCAPES.search(text):
        return '"'
    if "\n" in text:
        # a literal block's first line sets its indentation: leading spaces or breaks would need an indicator
        if text[0] in " \n" or _BLOCK_LINT_TRAPS.search(text):
            return '"'
        return "|"
    if _AMBIGUOUS_PLAIN.fullmatch(text):
        return "'"
    return None  # the emitter picks plain when the text reads back as the same string, else single quotes


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_DoubleQuoted, _represent_double_quoted)


def render_qna(data: Mapping[str, Any]) -> str:
    """qna.yaml text for ``data`` in InstructLab's key order; ``yaml.safe_load`` reads it back as ``data``."""
    ordered = _ordered(data, _TOP_ORDER)
    _quote_last_value(ordered)
    text: str = yaml.dump(
        ordered,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=2**31 - 1,
        indent=2,
    )
    return text


def _ordered(value: Any, order: Sequence[str] = ()) -> Any:
    """``value`` as plain dicts and lists, keys in ``order`` first (recursively for the known keys)."""
    if isinstance(value, Mapping):
        keys = [key for key in order if key in value]
        keys += [key for key in value if key not in order]
        result: dict[Any, Any] = {}
        for key in keys:
            item = value[key]
            if order is _TOP_ORDER and key == "seed_examples":
                result[key] = _ordered_list(item, _EXAMPLE_ORDER)
            elif order is _TOP_ORDER and key == "document":
                result[key] = _ordered(item, _DOCUMENT_ORDER)
            elif order is _EXAMPLE_ORDER and key == "questions_and_answers":
                result[key] = _ordered_list(item, _PAIR_ORDER)
            else:
                result[key] = _ordered(item)
        return result
    if isinstance(value, (list, tuple)):
        return [_ordered(item) for item in value]
    return value


def _ordered_list(value: Any, order: Sequence[str]) -> Any:
    if isinstance(value, (list, tuple)):
        return [_ordered(item, order) for item in value]
    return _ordered(value)


def _quote_last_value(value: Any) -> None:
    """Double-quote the document's last scalar when it is a literal block ending in empty lines: those lines
    would end the file, where yamllint allows none."""
    container: Any = None
    slot: Any = None
    while True:
        if isinstance(value, dict) and value:
            container, slot = value, next(reversed(value))
        elif isinstance(value, list) and value:
            container, slot = value, len(value) - 1
        else:
            break
        value = container[slot]
    if container is not None and type(value) is str and value.endswith("\n\n") and _style_for(value) == "|":
        container[slot] = _DoubleQuoted(value)


def build_skill(
    *, task_description: str, created_by: str, examples: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """A version 3 skill's data from form fields; an example's ``context`` is kept only when non-empty
    (a grounded skill), and keys other than context, question and answer are ignored."""
    seed_examples = []
    for example in examples:
        item: dict[str, Any] = {}
        if example.get("context"):
            item["context"] = example["context"]
        item["question"] = example.get("question", "")
        item["answer"] = example.get("answer", "")
        seed_examples.append(item)
    return {
        "version": CURRENT_VERSION,
        "task_description": task_description,
        "created_by": created_by,
        "seed_examples": seed_examples,
    }


def build_knowledge(
    *,
    created_by: str,
    domain: str,
    document_outline: str,
    examples: Iterable[Mapping[str, Any]],
    repo: str,
    commit: str,
    patterns: Iterable[str],
) -> dict[str, Any]:
    """A version 3 knowledge leaf's data from form fields: each example is a context with its
    questions_and_answers (question, answer); other keys are ignored."""
    seed_examples = [
        {
            "context": example.get("context", ""),
            "questions_and_answers": [
                {"question": pair.get("question", ""), "answer": pair.get("answer", "")}
                for pair in example.get("questions_and_answers", ())
            ],
        }
        for example in examples
    ]
    return {
        "version": CURRENT_VERSION,
        "created_by": created_by,
        "domain": domain,
        "document_outline": document_outline,
        "seed_examples": seed_examples,
        "document": {"repo": repo, "commit": commit, "patterns": list(patterns)},
    }
