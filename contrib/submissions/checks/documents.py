"""The knowledge document check: every pattern matches an uploaded document, and every document is readable text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contrib.submissions.choices import CheckStatus
from taxonomy.format.guide import glob_match


@dataclass
class Outcome:
    """A check's verdict: its status, a one-line summary and structured details."""

    status: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)


def _patterns(data: Any) -> list[str]:
    document = data.get("document") if isinstance(data, Mapping) else None
    patterns = document.get("patterns") if isinstance(document, Mapping) else None
    return [p for p in patterns if isinstance(p, str)] if isinstance(patterns, list) else []


def _readable(blob: bytes) -> str:
    if b"\x00" in blob:
        return "holds NUL bytes (binary)"
    try:
        blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"is not UTF-8 text (byte {exc.start})"
    return ""


def documents_check(data: Any, documents: Mapping[str, bytes]) -> Outcome:
    """Judge a knowledge revision's parsed qna.yaml ``data`` against its uploaded ``documents`` (name to bytes)."""
    patterns = _patterns(data)
    names = sorted(documents)
    unreadable = {name: why for name in names if (why := _readable(documents[name]))}
    matches = {pattern: [n for n in names if glob_match(pattern, n)] for pattern in patterns}
    unmatched = [p for p, found in matches.items() if not found]
    unused = [n for n in names if not any(n in found for found in matches.values())]
    details: dict[str, Any] = {
        "documents": names,
        "patterns": [{"pattern": p, "matches": found} for p, found in matches.items()],
        "unmatched_patterns": unmatched,
        "unreadable": [{"name": n, "problem": why} for n, why in unreadable.items()],
        "unused_documents": unused,
    }
    if not names:
        return Outcome(
            CheckStatus.FAIL,
            "No documents uploaded: upload the Markdown or text files that document.patterns name.",
            details,
        )
    if unreadable:
        return Outcome(CheckStatus.FAIL, f"{len(unreadable)} document(s) are not readable text: upload them as UTF-8.", details)
    if not patterns:
        return Outcome(CheckStatus.FAIL, "document.patterns is empty: list the uploaded file names, e.g. '*.md'.", details)
    if unmatched:
        return Outcome(
            CheckStatus.FAIL,
            f"{len(unmatched)} pattern(s) match no uploaded document ({', '.join(unmatched)}): "
            f"uploaded are {', '.join(names)}.",
            details,
        )
    if unused:
        return Outcome(CheckStatus.WARN, f"{len(unused)} document(s) match no pattern and will not be used.", details)
    return Outcome(CheckStatus.PASS, f"{len(patterns)} pattern(s) match {len(names)} readable document(s).", details)
