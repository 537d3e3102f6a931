"""Exact-duplicate detection within a leaf: the normalised question and answer, hashed."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Case-folded, NFKC, whitespace collapsed: what two copies of one sample share."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def fingerprint(question: str, answer: str) -> str:
    return hashlib.sha256(f"{normalise(question)}\0{normalise(answer)}".encode()).hexdigest()
