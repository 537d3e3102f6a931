"""Parsing qna.yaml text into YAML nodes and Python data as PyYAML's safe_load does, refusing hostile YAML."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from taxonomy.format.limits import MAX_DEPTH, MAX_NODES
from taxonomy.format.messages import Refusal

# libyaml and PyYAML's pure-Python scanner disagree on tabs (inside plain scalars, after indentation) and
# on a block scalar header followed directly by '#'. InstructLab parses with the pure-Python loader, so
# text holding either is parsed the slow way to keep its verdict; fuzzing the corpus found no other case.
# The pattern starts with its literal '#' so the regex engine can skip ahead to it.
_NEEDS_PURE_PYTHON = re.compile(r"\t|#(?<=[|>]#)|#(?<=[|>][-+0-9]#)|#(?<=[|>][-+0-9]{2}#)")
# Inside a flow collection PyYAML ends a plain scalar at '?', libyaml does not (`{question: Why?, ...}`).
# A '?' on the line of a flow collection's start sends the text the slow way too.
_FLOW_QUESTION = re.compile(r"(?:^|[:\-,\[{]\s*)[\[{][^\n]*\?", re.M)

# An anchor or alias token starts after white space or an indicator and has a name of at least one character.
_ANCHOR = re.compile(r"&(?<![^\s\[{,:?\-\ufeff]&)[0-9A-Za-z_-]")
_ALIAS = re.compile(r"\*(?<![^\s\[{,:?\-\ufeff]\*)[0-9A-Za-z_-]")

_SYNTAX_FIX = "Quote strings containing ': ' or starting with '*', '&', '!', '@', '`'; check indentation."
_FIXES_BY_PROBLEM = (
    ("tab", "Replace tab characters with spaces: YAML indents and separates with spaces only."),
    (
        "undefined alias",
        "Quote text that starts with '*', or define the anchor '&name' before using '*name'.",
    ),
    ("single document", "Keep one YAML document per file: remove the extra '---' line and what follows it."),
    (
        "could not find expected ':'",
        "Give this key a ': ' after it, or indent the text that continues it under its key (or use '|').",
    ),
    ("control characters", "Remove the invisible control character; only printable text is allowed."),
    ("special characters", "Remove the invisible control character; only printable text is allowed."),
)


_BOOL_TAG = "tag:yaml.org,2002:bool"


@dataclass(frozen=True)
class Document:
    """A parsed qna.yaml: its composed root node (with line/column marks) and the data built from it.

    ``plain_booleans`` says whether an unquoted scalar was read as a boolean, so callers looking for
    YAML 1.1 boolean traps walk the nodes only when there is one to find.
    """

    root: Node | None
    data: Any
    plain_booleans: bool = False


class _NotingBooleans:
    """Loader mixin noting when a plain scalar is built as a boolean (the only scalars it sees)."""

    plain_booleans = False

    def construct_yaml_bool(self, node: ScalarNode) -> bool:
        if not node.style:  # PyYAML marks a plain scalar with style None, its C composer with ''
            self.plain_booleans = True
        value: bool = super().construct_yaml_bool(node)  # type: ignore[misc]
        return value


class _CLoader(_NotingBooleans, yaml.CSafeLoader):
    """libyaml's parser with PyYAML's safe constructor."""


class _PureLoader(_NotingBooleans, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader, InstructLab's own."""


# SafeConstructor's table maps the tag to its own function, so the override is registered explicitly.
for _loader in (_CLoader, _PureLoader):
    _loader.add_constructor(_BOOL_TAG, _NotingBooleans.construct_yaml_bool)  # type: ignore[type-var]


def load(text: str) -> Document:
    """Parse ``text`` as one YAML document with safe semantics, or raise Refusal saying where and why.

    libyaml parses; where it refuses the text, PyYAML's pure-Python loader, InstructLab's own, has the last
    word, so the verdict, the problem and its position are the ones InstructLab would meet.
    """
    if not _NEEDS_PURE_PYTHON.search(text) and not ("?" in text and _FLOW_QUESTION.search(text)):
        try:
            return _load(text, _CLoader)
        except yaml.YAMLError:
            pass
    try:
        return _load(text, _PureLoader)
    except yaml.YAMLError as error:
        raise _syntax_refusal(error, text) from None


def _load(text: str, loader_cls: type[_PureLoader | _CLoader]) -> Document:
    _check_depth(text, loader_cls)
    loader = loader_cls(text)
    try:
        try:
            root = loader.get_single_node()
        except RecursionError:
            raise _too_deep() from None
        if root is None:
            return Document(root=None, data=None)
        _check_graph(root, text)
        try:
            data = loader.construct_document(root)
        except RecursionError:
            raise _too_deep() from None
        except (ValueError, TypeError, OverflowError) as error:
            # e.g. a date such as 2024-02-30 that YAML 1.1 reads as a timestamp; InstructLab crashes here
            raise Refusal(
                "yaml-value",
                f"A value cannot be read: {error}.",
                "Quote the value so YAML reads it as text (dates and numbers in quotes stay strings).",
            ) from None
        return Document(root=root, data=data, plain_booleans=loader.plain_booleans)
    finally:
        loader.dispose()


def _check_depth(text: str, loader_cls: type[_PureLoader | _CLoader]) -> None:
    """Refuse nesting deeper than MAX_DEPTH before a composer recurses into it."""
    if _surely_shallow(text):
        return
    loader = loader_cls(text)
    depth = 0
    try:
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep()
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # composing reports the syntax error with its position
    finally:
        loader.dispose()


def _surely_shallow(text: str) -> bool:
    """Whether the text's nesting is bounded below MAX_DEPTH without parsing it.

    A flow collection opens only where the parser expects a node, so its '[' or '{' follows white space,
    one of '[{,:?', or nothing. Nested block collections start at non-decreasing columns, equal only for a
    sequence directly under a mapping, and a block collection starts where a line's leading run of spaces,
    '-' and '?' ends or at one of its indicators: so block nesting is at most twice the number of such
    columns. Line breaks other than '\\n' (NEL, LS, PS in YAML 1.1) are left to the exact count.
    """
    if "\x85" in text or "\u2028" in text or "\u2029" in text:
        return False
    flow = text.count("[") + text.count("{")
    if flow > MAX_DEPTH // 2:
        flow = len(_FLOW_START.findall(text))
    allowance = MAX_DEPTH - 1 - flow
    if allowance < 2:
        return False
    lines = "\n" + text.removeprefix("\ufeff")
    if not _long_leading_run(allowance // 2).search(lines):
        return True
    columns: set[int] = set()
    for run in set(_LEADING_RUN.findall(lines)):
        columns.add(len(run) - 1)
        columns.update(index - 1 for index, char in enumerate(run) if char in "-?")
    return 2 * len(columns) <= allowance


_FLOW_START = re.compile(r"[\[{](?<![^\s\[{,:?\ufeff][\[{])")
_LEADING_RUN = re.compile(r"\n[ \t?-]*")


@functools.cache
def _long_leading_run(length: int) -> re.Pattern[str]:
    # '\n' first rather than '^' with MULTILINE: a literal start lets the regex engine skip ahead
    return re.compile(f"\n[ \t?-]{{{length},}}")


def _check_graph(root: Node, text: str) -> None:
    """Refuse a node graph that expands to more than MAX_NODES nodes, or that contains itself."""
    if not (_ANCHOR.search(text) and _ALIAS.search(text)):
        # Without an anchor and an alias no node is shared: a tree of fewer nodes than twice its characters.
        if 2 * len(text) >= MAX_NODES:
            _count_tree(root)
        return
    # Sizes are memoised per node, so a billion-laughs document costs as much as its few composed nodes.
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            total = 1 + sum(sizes[id(child)] for child in _children(node))
            if total > MAX_NODES:
                raise _bomb(root)
            sizes[key] = total
            on_path.discard(key)
            continue
        if key in sizes:
            continue
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                raise Refusal(
                    "yaml-recursive-alias",
                    "An alias refers to a collection that contains it, so the document is infinitely deep.",
                    "Remove the alias ('*name') that points back to an enclosing anchor ('&name').",
                    line=child.start_mark.line + 1,
                    col=child.start_mark.column + 1,
                )
            if id(child) not in sizes:
                stack.append((child, False))


def _count_tree(root: Node) -> None:
    count = 0
    stack = [root]
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _bomb(root)
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            for pair in node.value:
                stack.extend(pair)


def _bomb(root: Node) -> Refusal:
    return Refusal(
        "yaml-bomb",
        f"The document has more than {MAX_NODES:,} YAML nodes once its aliases are expanded "
        "(a 'billion laughs' YAML bomb, or far more values than a qna.yaml needs).",
        "Write each value out instead of repeating anchors ('&name') through aliases ('*name'), "
        "and keep to the seed examples the leaf needs.",
        line=root.start_mark.line + 1,
        col=root.start_mark.column + 1,
    )


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [item for pair in node.value for item in pair]
    return []


def _too_deep() -> Refusal:
    return Refusal(
        "yaml-too-deep",
        f"The document nests collections more than {MAX_DEPTH} levels deep.",
        "Flatten the structure: a qna.yaml needs only a few levels of nesting.",
    )


def _syntax_refusal(error: yaml.YAMLError, text: str) -> Refusal:
    line, col = 1, 1
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        if mark is not None:
            line, col = mark.line + 1, mark.column + 1
        problem = error.problem or "invalid YAML"
        if error.context:
            problem = f"{problem} ({error.context}"
            if error.context_mark is not None:
                problem += f" started at line {error.context_mark.line + 1}"
            problem += ")"
    elif isinstance(error, yaml.reader.ReaderError):
        # PyYAML checks characters before scanning, so it gives a character offset, not a line and column
        prefix = text[: error.position]
        line, col = prefix.count("\n") + 1, len(prefix) - (prefix.rfind("\n") + 1) + 1
        character = error.character if isinstance(error.character, int) else ord(error.character)
        problem = f"unacceptable character #x{character:04x}: {error.reason}"
    else:
        problem = str(error)
    fix = next((fix for needle, fix in _FIXES_BY_PROBLEM if needle in problem), _SYNTAX_FIX)
    return Refusal("yaml-syntax", f"The YAML cannot be parsed: {problem}.", fix, line=line, col=col)
