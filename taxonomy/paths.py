"""Validation of taxonomy paths, which become directories on export."""

import re

from taxonomy.choices import Root
from taxonomy.exceptions import InvalidPath

MAX_DEPTH = 16
MAX_SEGMENT = 100
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
ROOTS = tuple(r.value for r in Root)


def normalize_path(path: str) -> str:
    """Return ``path`` as a clean ``root/segment/...`` string, or raise InvalidPath saying why."""
    if not isinstance(path, str) or not path.strip():
        raise InvalidPath("The path is empty: give a taxonomy path such as compositional_skills/linguistics/synonyms.")
    raw = path.strip()
    if raw.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", raw):
        raise InvalidPath(f"{raw!r} is absolute: give a path relative to the taxonomy root, such as knowledge/science/birds.")
    if "\\" in raw:
        raise InvalidPath(f"{raw!r} contains a backslash: separate segments with '/'.")
    if raw.endswith("/qna.yaml"):
        raw = raw[: -len("/qna.yaml")]
    segments = raw.split("/")
    if any(s in ("", ".", "..") for s in segments):
        raise InvalidPath(f"{raw!r} has an empty, '.' or '..' segment: each segment must be a plain directory name.")
    if segments[0] not in ROOTS:
        raise InvalidPath(f"{raw!r} must start with one of {', '.join(ROOTS)}.")
    if len(segments) < 2:
        raise InvalidPath(f"{raw!r} names only a root: a leaf lives at least one level below it.")
    if len(segments) > MAX_DEPTH:
        raise InvalidPath(f"{raw!r} is deeper than {MAX_DEPTH} levels: use a shallower path.")
    for segment in segments:
        if len(segment) > MAX_SEGMENT:
            raise InvalidPath(f"Segment {segment[:20]!r}... is longer than {MAX_SEGMENT} characters: shorten it.")
        if not _SEGMENT.match(segment):
            raise InvalidPath(
                f"Segment {segment!r} may hold only letters, digits, '_', '-' and '.', and must start with a letter "
                "or digit: rename it, e.g. replace spaces with '_'."
            )
    return "/".join(segments)


def ancestors(path: str) -> list[str]:
    """The proper prefixes of ``path``, root first: ``a/b/c`` gives ``['a', 'a/b']``."""
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]
