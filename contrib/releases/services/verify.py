"""Verify a release: every stored file against its checksum and the manifest, and optionally a byte-for-byte rebuild."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from contrib.releases.build.finish import MANIFEST
from contrib.releases.models import Release, ReleaseFile
from contrib.releases.storage import object_open, scratch_root

CHUNK = 1 << 20


@dataclass
class VerifyResult:
    """Whether the release checked out, and each problem found, one sentence each."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    checked: int = 0


def _sha256_stored(file: ReleaseFile) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with object_open(file.storage_name) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _same_bytes(file: ReleaseFile, path: Path) -> bool:
    with object_open(file.storage_name) as stored, open(path, "rb") as rebuilt:
        while True:
            a, b = stored.read(CHUNK), rebuilt.read(CHUNK)
            if a != b:
                return False
            if not a:
                return True


def release_verify(*, release: Release, rebuild: bool = False) -> VerifyResult:
    """Recompute the sha256 of every stored file and compare it with the manifest; with ``rebuild``, build
    again into a scratch directory and compare every byte."""
    problems: list[str] = []
    files = list(release.files.order_by("name"))
    if not files:
        return VerifyResult(False, [f"Release {release.version} has no files: build it first."])
    by_name = {f.name: f for f in files}
    manifest_file = by_name.get(MANIFEST)
    listed: dict[str, dict] = {}
    if manifest_file is None:
        problems.append(f"{MANIFEST} is missing from the release.")
    else:
        try:
            with object_open(manifest_file.storage_name) as handle:
                manifest = json.loads(handle.read())
            listed = {entry["name"]: entry for entry in manifest.get("files", [])}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"{MANIFEST} cannot be read ({exc}): rebuild the release.")
    for file in files:
        try:
            sha, size = _sha256_stored(file)
        except OSError as exc:
            problems.append(f"{file.name}: the stored object {file.storage_name} cannot be read ({exc}).")
            continue
        if sha != file.sha256 or size != file.bytes:
            problems.append(f"{file.name}: sha256 {sha} ({size} bytes) differs from the recorded {file.sha256} "
                            f"({file.bytes} bytes): the stored bytes were changed.")
        if file.name == MANIFEST:
            continue
        entry = listed.get(file.name)
        if manifest_file is not None and listed and entry is None:
            problems.append(f"{file.name} is not listed in {MANIFEST}.")
        elif entry is not None and (entry.get("sha256") != sha or entry.get("bytes") != size
                                    or entry.get("rows", file.rows) != file.rows):
            problems.append(f"{file.name}: the manifest says sha256 {entry.get('sha256')}, {entry.get('bytes')} bytes, "
                            f"{entry.get('rows')} rows; the stored file has {sha}, {size} bytes.")
    for name in sorted(set(listed) - set(by_name)):
        problems.append(f"{name} is listed in {MANIFEST} but not stored.")
    if rebuild:
        problems.extend(_rebuild_compare(release, by_name))
    return VerifyResult(not problems, problems, len(files))


def _rebuild_compare(release: Release, by_name: dict[str, ReleaseFile]) -> list[str]:
    from contrib.releases.services.builds import release_build

    problems: list[str] = []
    scratch_root().mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=f"verify-{release.pk}-", dir=scratch_root()))
    try:
        result = release_build(release=release, output_root=root / "build")
        rebuilt = {f.name: f for f in result.files}
        rebuilt_names = set(rebuilt) | {MANIFEST}
        for name in sorted(set(by_name) - rebuilt_names):
            problems.append(f"{name} is stored but the rebuild did not make it.")
        for name in sorted(rebuilt_names - set(by_name)):
            problems.append(f"The rebuild made {name}, which is not stored.")
        for name in sorted(rebuilt_names & set(by_name)):
            if not _same_bytes(by_name[name], result.directory / name):
                problems.append(f"{name}: the rebuild's bytes differ from the stored file.")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return problems
