"""The leaves read from an import source, and the rules that turn a file listing into them."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from taxonomy.exceptions import InvalidPath, UnsafeSource
from taxonomy.paths import MAX_DEPTH, ROOTS, normalize_path

EntryKind = Literal["file", "symlink", "special", "submodule", "too_deep"]

QNA = "qna.yaml"
ATTRIBUTION = "attribution.txt"
DOCUMENT_SUFFIXES = (".md", ".txt")
#: More entries than this under the roots is not a taxonomy but an attack on the importer.
MAX_ENTRIES = 200_000
#: Directories nested deeper than a leaf may be are not walked.
MAX_WALK_DEPTH = MAX_DEPTH + 1
_DOCUMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")

_UNSAFE_REASONS: dict[str, str] = {
    "symlink": "is a symbolic link; links are never followed, replace it with the file or directory itself",
    "special": "is not a regular file or directory (a device, socket or pipe); remove it",
    "submodule": "is a git submodule; its content is not imported, copy the leaves into the repository",
    "too_deep": f"is nested deeper than {MAX_DEPTH} levels and was not read; use a shallower path",
}


@dataclass(frozen=True)
class Entry:
    """One thing found under the roots of a source: a file, or something refused (a link, a device...)."""

    path: str
    kind: EntryKind
    size: int = 0


@dataclass(frozen=True)
class UnsafeEntry:
    """An entry refused and never read, with the reason and how to fix it."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}

    def format_text(self) -> str:
        return f"UNSAFE: {printable(self.path)}: {self.reason}"


@dataclass(frozen=True)
class SourceLeaf:
    """The exact bytes of one leaf's files, as read from the source."""

    path: str
    qna: bytes
    attribution: bytes | None
    documents: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class SkippedLeaf:
    """A leaf left out of an import: refused as unsafe, or invalid, with its located messages."""

    path: str
    reason: Literal["unsafe", "invalid"]
    errors: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason, "errors": list(self.errors)}

    def lines(self) -> list[str]:
        return [message_line(e) for e in self.errors]


@dataclass(frozen=True)
class SourceTree:
    """Everything read from a source: the leaves to validate, the leaves refused, the entries refused."""

    leaves: list[SourceLeaf]
    refused: list[SkippedLeaf]
    unsafe: list[UnsafeEntry]


def printable(path: str) -> str:
    """``path`` safe to print: undecodable bytes and control characters escaped."""
    escaped = path.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in escaped)


def message_line(error: Mapping[str, Any]) -> str:
    """``ERROR: path:line:col [yaml_path] message``, the format of InstructLab's own schema checker."""
    severity = "WARN" if error.get("severity") == "warning" else "ERROR"
    where = printable(str(error.get("path", "")))
    if error.get("line"):
        where += f":{error['line']}:{error.get('col') or 1}"
    else:
        where += ":"
    yaml_path = f" [{error['yaml_path']}]" if error.get("yaml_path") else ""
    return f"{severity}: {where}{yaml_path} {error.get('message', '')}"


def problem(path: str, message: str, rule: str) -> dict[str, Any]:
    """A located message for a problem found before validation (an unsafe file, a bad path)."""
    return {
        "path": printable(path),
        "line": None,
        "col": None,
        "yaml_path": "",
        "rule": rule,
        "severity": "error",
        "message": message,
        "fix": "",
    }


def is_document_name(name: str) -> bool:
    return name.endswith(DOCUMENT_SUFFIXES) and name != ATTRIBUTION


def document_name_ok(name: str) -> bool:
    """Whether a document may be written under this name: a plain, safe file name ending .md or .txt."""
    return is_document_name(name) and bool(_DOCUMENT_NAME.match(name))


def wanted_files(directory: Mapping[str, Entry]) -> list[str]:
    """The names a reader must load from one directory's listing: a leaf's qna.yaml and companions."""
    if QNA not in directory:
        return []
    return [
        name
        for name, entry in directory.items()
        if entry.kind == "file" and (name in (QNA, ATTRIBUTION) or is_document_name(name))
    ]


def build_tree(
    entries: Iterable[Entry], read: Callable[[list[str]], Mapping[str, bytes]], max_bytes: int
) -> SourceTree:
    """Group ``entries`` into leaves, refuse what is unsafe, and ``read`` the files of the acceptable leaves.

    ``read`` gets paths relative to the source and returns their bytes; it is only asked for regular files
    no larger than ``max_bytes``.
    """
    directories: dict[str, dict[str, Entry]] = defaultdict(dict)
    for count, entry in enumerate(entries, start=1):
        if count > MAX_ENTRIES:
            raise UnsafeSource(
                f"The source holds more than {MAX_ENTRIES} entries under {', '.join(ROOTS)}: "
                "that is not a taxonomy; check the source."
            )
        parent, _, name = entry.path.rpartition("/")
        directories[parent][name] = entry

    leaves: list[SourceLeaf] = []
    refused: list[SkippedLeaf] = []
    unsafe: list[UnsafeEntry] = []
    plans: dict[str, list[str]] = {}
    for directory, listing in sorted(directories.items()):
        if QNA not in listing:
            unsafe.extend(
                UnsafeEntry(_join(directory, name), _UNSAFE_REASONS[entry.kind] + ".")
                for name, entry in sorted(listing.items())
                if entry.kind != "file"
            )
            continue
        files = wanted_files(listing)
        problems = _leaf_problems(directory, listing, files, max_bytes)
        if problems:
            refused.append(SkippedLeaf(directory, "unsafe", tuple(problems)))
        else:
            plans[directory] = files

    data = read([f"{d}/{name}" for d, names in plans.items() for name in names]) if plans else {}
    for directory, names in plans.items():
        documents = {name: data[f"{directory}/{name}"] for name in names if is_document_name(name)}
        attribution = data.get(f"{directory}/{ATTRIBUTION}") if ATTRIBUTION in names else None
        leaves.append(SourceLeaf(directory, data[f"{directory}/{QNA}"], attribution, documents))
    return SourceTree(leaves=leaves, refused=refused, unsafe=unsafe)


def _join(directory: str, name: str) -> str:
    return posixpath.join(directory, name) if directory else name


def _leaf_problems(
    directory: str, listing: Mapping[str, Entry], files: list[str], max_bytes: int
) -> list[dict[str, Any]]:
    """Why the leaf in ``directory`` cannot be read safely: unsafe entries, a bad name, a huge file."""
    problems = [
        problem(_join(directory, name), _UNSAFE_REASONS[entry.kind] + ".", "unsafe-entry")
        for name, entry in sorted(listing.items())
        if entry.kind != "file"
    ]
    problems.extend(_leaf_path_problems(directory))
    for name in files:
        path = f"{directory}/{name}"
        if is_document_name(name) and not document_name_ok(name):
            problems.append(
                problem(
                    path,
                    "Document names may hold only letters, digits, '_', '-' and '.', and must start with a "
                    "letter or digit: rename it.",
                    "document-name",
                )
            )
        if listing[name].size > max_bytes:
            message = (
                f"is {listing[name].size} bytes, more than the limit of {max_bytes}: split or shorten it."
            )
            problems.append(problem(path, message, "file-too-large"))
    return problems


def _leaf_path_problems(directory: str) -> list[dict[str, Any]]:
    try:
        clean = normalize_path(directory)
    except InvalidPath as exc:
        return [problem(f"{directory}/{QNA}", str(exc), "invalid-path")]
    if clean != directory:
        # normalize_path forgives a trailing /qna.yaml and surrounding spaces; a directory name may not.
        return [
            problem(
                f"{directory}/{QNA}",
                f"{printable(directory)!r} is not a clean taxonomy path; rename the directory.",
                "invalid-path",
            )
        ]
    return []
