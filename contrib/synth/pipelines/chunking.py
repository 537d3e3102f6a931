"""Chunking of knowledge documents into passages that fit the teacher's context, by whole paragraphs."""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Words per chunk: a few hundred words leave room for the instructions, examples and answer in any teacher.
DEFAULT_CHUNK_WORDS = 200

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def chunk_texts(texts: Iterable[str], *, max_words: int = DEFAULT_CHUNK_WORDS) -> list[str]:
    """Paragraphs of each text packed greedily into chunks of at most ``max_words`` words.

    A heading stays with the paragraph after it; a paragraph longer than ``max_words`` is cut by words.
    Chunks never span two documents.
    """
    if max_words < 1:
        raise ValueError("max_words must be at least 1.")
    chunks: list[str] = []
    for text in texts:
        current: list[str] = []
        size = 0
        pending_heading = ""
        for raw in _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n")):
            paragraph = raw.strip()
            if not paragraph:
                continue
            if paragraph.startswith("#") and "\n" not in paragraph:
                pending_heading = f"{pending_heading}\n{paragraph}".strip()
                continue
            if pending_heading:
                paragraph, pending_heading = f"{pending_heading}\n{paragraph}", ""
            words = paragraph.split()
            for piece in _pieces(paragraph, words, max_words):
                n = len(piece.split())
                if current and size + n > max_words:
                    chunks.append("\n\n".join(current))
                    current, size = [], 0
                current.append(piece)
                size += n
        if pending_heading:
            current.append(pending_heading)
        if current:
            chunks.append("\n\n".join(current))
    return chunks


def _pieces(paragraph: str, words: list[str], max_words: int) -> list[str]:
    if len(words) <= max_words:
        return [paragraph]
    return [" ".join(words[i : i + max_words]) for i in range(0, len(words), max_words)]
