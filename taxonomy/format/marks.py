"""Finding the line and column of a value in a composed YAML document from its path of keys and indexes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

STR_TAG = "tag:yaml.org,2002:str"

# The same test jsonschema applies before writing a key as ".key" rather than "['key']".
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def locate(root: Node | None, path: Iterable[Any]) -> tuple[int, int]:
    """1-based line and column for ``path`` (keys and indexes) from ``root``.

    A mapping member is located at its key, where a reader looks for it; when the path leaves the
    document, the last node reached is used.
    """
    if root is None:
        return 1, 1
    node: Node = root
    mark = root.start_mark
    for step in path:
        if isinstance(node, MappingNode):
            pair = find_pair(node, step)
            if pair is None:
                break
            mark = pair[0].start_mark
            node = pair[1]
        elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            mark = node.start_mark
        else:
            break
    return mark.line + 1, mark.column + 1


def find_pair(mapping: MappingNode, key: Any) -> tuple[Node, Node] | None:
    """The (key node, value node) pair whose key reads as ``key``; the last wins, as in the built dict."""
    for key_node, value_node in reversed(mapping.value):
        if not isinstance(key_node, ScalarNode):
            continue
        if isinstance(key, str):
            if key_node.tag == STR_TAG and key_node.value == key:
                return key_node, value_node
        elif _scalar_value(key_node) == key and type(_scalar_value(key_node)) is type(key):
            return key_node, value_node
    return None


def yaml_path(path: Sequence[Any]) -> str:
    """``path`` written as InstructLab writes a jsonschema path: ``.seed_examples[0].answer``, or ``.``."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        elif isinstance(step, str) and _PLAIN_KEY.match(step):
            text += f".{step}"
        else:
            escaped = str(step).replace("\\", "\\\\").replace("'", r"\'")
            text += f"['{escaped}']"
    return text or "."


def _scalar_value(node: ScalarNode) -> Any:
    try:
        return SafeConstructor().construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError):  # a key YAML cannot build never matches
        return None
