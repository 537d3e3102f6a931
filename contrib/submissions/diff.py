"""A line diff of two qna.yaml texts in unified-diff hunks, each line named by its YAML path."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

CONTEXT = 3


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: ' ' context, '+' added, '-' removed, '@' a hunk header; numbers are 1-based."""

    kind: str
    old_no: int | None
    new_no: int | None
    text: str
    yaml_path: str


def _paths(text: str) -> dict[int, str]:
    from taxonomy.format.yamlpaths import line_paths

    # A broken draft parses to {}: its diff still shows, without YAML paths.
    return line_paths(text) if text.strip() else {}


def diff_lines(old: str, new: str, *, context: int = CONTEXT) -> list[DiffLine]:
    """The unified diff of ``old`` against ``new``; added and context lines carry the new text's YAML paths."""
    a, b = old.splitlines(), new.splitlines()
    old_paths, new_paths = _paths(old), _paths(new)
    lines: list[DiffLine] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        header = f"@@ -{i1 + 1},{i2 - i1} +{j1 + 1},{j2 - j1} @@"
        lines.append(DiffLine("@", None, None, header, ""))
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                for offset in range(a2 - a1):
                    n = b1 + offset + 1
                    lines.append(DiffLine(" ", a1 + offset + 1, n, b[n - 1], new_paths.get(n, "")))
                continue
            for i in range(a1, a2):
                lines.append(DiffLine("-", i + 1, None, a[i], old_paths.get(i + 1, "")))
            for j in range(b1, b2):
                lines.append(DiffLine("+", None, j + 1, b[j], new_paths.get(j + 1, "")))
    return lines
