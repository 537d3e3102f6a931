"""Mapping between the lines of a qna.yaml and the YAML paths (``.seed_examples[2].answer``) of its values."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from yaml import YAMLError
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from taxonomy.format.decoding import decode
from taxonomy.format.loader import load
from taxonomy.format.marks import STR_TAG, yaml_path

_NO_KEY = object()


def line_paths(text: str) -> dict[int, str]:
    """For each 1-based line of ``text`` that a value covers, the most specific YAML path covering it.

    A mapping member covers the lines from its key to the end of its value, a sequence item those from its
    '-' to its end. A line shared by several members (a flow collection on one line) goes to their parent;
    lines outside the document (leading comments, trailing blank lines) are absent. Text that does not parse
    gives {}.
    """
    walk = _walk(text)
    return walk.lines if walk else {}


def path_line(text: str, path: str) -> int | None:
    """The 1-based line where the value at ``path`` starts (its key, or its '-' for a sequence item), or None
    when ``text`` does not parse or has no such value. ``path`` is written as the validator writes it."""
    walk = _walk(text)
    if walk is None:
        return None
    if path and path[0] not in ".[":
        path = "." + path
    return walk.starts.get(path)


@dataclass
class _Walk:
    source_lines: list[str]
    text: str
    lines: dict[int, str] = field(default_factory=dict)
    starts: dict[str, int] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)


def _walk(text: str) -> _Walk | None:
    try:
        text = decode(text)
        root = load(text).root
    except Exception:  # noqa: BLE001  (any text, however broken, gets an answer rather than an error)
        return None
    if root is None:
        return _Walk(source_lines=[], text=text)
    walk = _Walk(source_lines=text.split("\n"), text=text)
    first = root.start_mark.line
    walk.seen.add(id(root))
    _visit(walk, root, (), first, _end_line(walk, root), frozenset())
    return walk


def _visit(
    walk: _Walk, node: Node, path: tuple[Any, ...], first: int, last: int, blocked: frozenset[int]
) -> None:
    """Claim lines ``first``..``last`` (0-based) for ``path``, then let the children claim theirs."""
    written = yaml_path(path)
    walk.starts[written] = first + 1  # a repeated key: the last wins, as in the built dict
    for line in range(first, last + 1):
        if line not in blocked:
            walk.lines[line + 1] = written
    children = list(_children(walk, node))
    if not children:
        return
    claims = Counter(line for _, _, start, end in children for line in range(start, end + 1))
    shared = frozenset(line for line, count in claims.items() if count > 1)
    if shared:
        blocked = blocked | shared
    for step, child, start, end in children:
        if child is None:
            # an alias to a value already walked: its marks point at the anchor, so it claims its key line
            walk.starts[yaml_path((*path, step))] = start + 1
            if start not in blocked:
                walk.lines[start + 1] = yaml_path((*path, step))
            continue
        _visit(walk, child, (*path, step), start, end, blocked)


def _children(walk: _Walk, node: Node) -> list[tuple[Any, Node | None, int, int]]:
    """(key or index, node or None for a repeated node, first line, last line) of each member of ``node``."""
    result: list[tuple[Any, Node | None, int, int]] = []
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if id(key_node) in walk.seen:
                continue  # merged in by '<<' from an anchor already walked
            walk.seen.add(id(key_node))
            key = _key(key_node)
            if key is _NO_KEY:
                continue
            start = key_node.start_mark.line
            if id(value_node) in walk.seen:
                result.append((key, None, start, start))
                continue
            walk.seen.add(id(value_node))
            end = max(start, _end_line(walk, value_node))
            result.append((key, value_node, start, end))
    elif isinstance(node, SequenceNode):
        previous_end = node.start_mark.line - 1
        for index, item in enumerate(node.value):
            if id(item) in walk.seen:
                continue
            walk.seen.add(id(item))
            start = item.start_mark.line
            if not node.flow_style:
                start = _dash_line(walk, node.start_mark.column, previous_end + 1, start)
            end = max(start, _end_line(walk, item))
            result.append((index, item, start, end))
            previous_end = end
    return result


def _end_line(walk: _Walk, node: Node) -> int:
    """0-based line of the last character of ``node`` that is not a space or a line break."""
    if isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        last_node = last[1] if isinstance(last, tuple) else last
        if isinstance(last_node, Node) and last_node.start_mark.index >= node.start_mark.index:
            return max(node.start_mark.line, _end_line(walk, last_node))
    start, end = node.start_mark.index, node.end_mark.index
    content = walk.text[start:end].rstrip(" \t\n")
    return node.start_mark.line + content.count("\n")


def _dash_line(walk: _Walk, column: int, low: int, start: int) -> int:
    """The line, from ``start`` back to ``low``, of the '-' at ``column`` that opens a block sequence item."""
    for line in range(start, max(low, 0) - 1, -1):
        text = walk.source_lines[line] if line < len(walk.source_lines) else ""
        if text[column : column + 1] == "-" and text[column + 1 : column + 2] in ("", " ", "\t"):
            return line
    return start


def _key(node: Node) -> Any:
    if not isinstance(node, ScalarNode):
        return _NO_KEY
    if node.tag == STR_TAG:
        return node.value
    try:
        return SafeConstructor().construct_object(node, deep=True)
    except (YAMLError, ValueError, TypeError, OverflowError):  # a key YAML cannot build has no path
        return _NO_KEY
