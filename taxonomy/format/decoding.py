"""Turning qna.yaml content into text as InstructLab reads it: UTF-8 with universal newlines."""

from __future__ import annotations

from taxonomy.format.limits import MAX_FILE_BYTES
from taxonomy.format.messages import Refusal

_TOO_LARGE_FIX = (
    "Shorten the file: a qna.yaml needs only its seed examples; long source text belongs in the "
    "knowledge document, not in qna.yaml."
)
_ENCODING_FIX = "Save the file as UTF-8 (most editors offer 'Save with encoding' or 'Reopen with encoding')."


def decode(content: str | bytes) -> str:
    """Return ``content`` as text with ``\\r\\n`` and ``\\r`` read as ``\\n``, or raise Refusal.

    The size limit is checked first so oversized input is refused without being decoded.
    """
    if isinstance(content, str):
        # A character is at least one UTF-8 byte, so an over-long string is refused without encoding it.
        if len(content) > MAX_FILE_BYTES:
            raise _too_large(len(content), at_least=True)
        try:
            size = len(content.encode("utf-8"))
        except UnicodeEncodeError as error:
            line, col = _position(content[: error.start])
            raise Refusal(
                "encoding",
                f"The text holds a character that UTF-8 cannot encode ({content[error.start]!r}).",
                _ENCODING_FIX,
                line=line,
                col=col,
            ) from None
        check_size(size)
        text = content
    else:
        check_size(len(content))
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as error:
            prefix = content[: error.start].decode("utf-8")
            line, col = _position(_universal_newlines(prefix))
            raise Refusal(
                "encoding",
                f"The file is not valid UTF-8: byte 0x{content[error.start]:02x} at offset {error.start} "
                f"cannot be decoded ({error.reason}).",
                _ENCODING_FIX,
                line=line,
                col=col,
            ) from None
    return _universal_newlines(text)


def check_size(size: int) -> None:
    """Raise Refusal when ``size`` bytes exceed MAX_FILE_BYTES."""
    if size > MAX_FILE_BYTES:
        raise _too_large(size)


def _universal_newlines(text: str) -> str:
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _position(prefix: str) -> tuple[int, int]:
    """1-based line and column of the character just after ``prefix``."""
    return prefix.count("\n") + 1, len(prefix) - (prefix.rfind("\n") + 1) + 1


def _too_large(size: int, *, at_least: bool = False) -> Refusal:
    shown = f"at least {size:,} bytes" if at_least else f"{size:,} bytes"
    return Refusal(
        "too-large",
        f"The file is too large: {shown}; the limit is {MAX_FILE_BYTES:,} bytes (1 MiB).",
        _TOO_LARGE_FIX,
    )
