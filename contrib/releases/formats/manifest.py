"""manifest.json: every file of a release with its rows, bytes and sha256, and checking a directory against it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileEntry:
    """One file of a release: its release-relative name, kind, config, split, rows, size and sha256."""

    name: str
    kind: str
    config_name: str
    split: str
    rows: int
    bytes: int
    sha256: str


def render_manifest(release_version: str, files: Iterable[FileEntry], extra: Mapping[str, Any]) -> bytes:
    """manifest.json: canonical JSON (sorted keys, 2-space indent, trailing newline), files sorted by name.

    ``extra`` (say, the build config and stats) goes under ``"extra"``; it must be JSON-serialisable and hold
    no timestamps, or two builds would differ.
    """
    entries = sorted((asdict(entry) for entry in files), key=lambda entry: entry["name"])
    names = [entry["name"] for entry in entries]
    if len(set(names)) != len(names):
        raise ValueError("Two files share a name in the manifest: give every file of a release its own path.")
    if MANIFEST_NAME in names:
        raise ValueError("The manifest cannot list itself: leave manifest.json out of the files.")
    document = {"version": release_version, "files": entries, "extra": dict(extra)}
    return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sha256_file(path: str | Path) -> tuple[str, int]:
    """(sha256 hex, size in bytes) of the file at ``path``, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def verify_manifest(manifest_bytes: bytes, root_dir: str | Path) -> list[str]:
    """What is wrong with the release at ``root_dir`` against its manifest: missing files, size or sha256
    mismatches, and files the manifest does not list (manifest.json itself aside). Empty when all is well."""
    root = Path(root_dir)
    try:
        document = json.loads(manifest_bytes)
        entries = document["files"]
    except (ValueError, KeyError, TypeError) as exc:
        return [f"The manifest is not valid ({exc}): rebuild the release to write it again."]
    problems = []
    listed = set()
    for entry in entries:
        name = entry["name"]
        listed.add(name)
        path = root / name
        if not _inside(root, path):
            problems.append(f"{name}: the path leaves the release directory.")
            continue
        if not path.is_file():
            problems.append(f"{name}: missing.")
            continue
        sha, size = sha256_file(path)
        if size != entry["bytes"]:
            problems.append(f"{name}: {size} bytes, the manifest says {entry['bytes']}.")
        if sha != entry["sha256"]:
            problems.append(f"{name}: sha256 {sha}, the manifest says {entry['sha256']}.")
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        if name != MANIFEST_NAME and name not in listed:
            problems.append(f"{name}: not listed in the manifest.")
    return problems


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True
