"""manifest.json: canonical bytes, and verification catching a flipped byte, a missing and an unlisted file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from contrib.releases.formats.manifest import FileEntry, render_manifest, sha256_file, verify_manifest


def build(root: Path) -> bytes:
    (root / "skills").mkdir(parents=True)
    files = {"skills/train-00000-of-00001.parquet": b"PAR1 data", "README.md": b"# card\n"}
    entries = []
    for name, data in files.items():
        (root / name).write_bytes(data)
        sha, size = sha256_file(root / name)
        kind = "card" if name == "README.md" else "parquet"
        entries.append(FileEntry(name, kind, "skills" if kind == "parquet" else "", "train" if kind == "parquet" else "", 3, size, sha))
    manifest = render_manifest("2026.11.0", entries, {"config": {"seed": 0}, "stats": {"rows": 3}})
    (root / "manifest.json").write_bytes(manifest)
    return manifest


def test_manifest_is_canonical(tmp_path: Path) -> None:
    manifest = build(tmp_path / "a")
    assert manifest == build(tmp_path / "b")
    assert manifest.endswith(b"}\n") and b'\n  "extra"' in manifest
    document = json.loads(manifest)
    assert [f["name"] for f in document["files"]] == ["README.md", "skills/train-00000-of-00001.parquet"]
    assert document["version"] == "2026.11.0"
    assert json.dumps(document, sort_keys=True, indent=2).encode() + b"\n" == manifest


def test_sha256_file_streams(tmp_path: Path) -> None:
    path = tmp_path / "big"
    data = bytes(range(256)) * 10_000
    path.write_bytes(data)
    assert sha256_file(path) == (hashlib.sha256(data).hexdigest(), len(data))


def test_verify_passes_then_catches_problems(tmp_path: Path) -> None:
    manifest = build(tmp_path)
    assert verify_manifest(manifest, tmp_path) == []
    shard = tmp_path / "skills/train-00000-of-00001.parquet"
    data = bytearray(shard.read_bytes())
    data[3] ^= 0x01
    shard.write_bytes(bytes(data))
    problems = verify_manifest(manifest, tmp_path)
    assert len(problems) == 1 and "sha256" in problems[0] and "train-00000" in problems[0]
    shard.write_bytes(bytes(data) + b"x")
    assert any("bytes" in problem for problem in verify_manifest(manifest, tmp_path))
    shard.unlink()
    (tmp_path / "stray.txt").write_text("?")
    problems = verify_manifest(manifest, tmp_path)
    assert "skills/train-00000-of-00001.parquet: missing." in problems
    assert "stray.txt: not listed in the manifest." in problems
    assert verify_manifest(b"{", tmp_path)[0].startswith("The manifest is not valid")


def test_duplicate_names_are_refused() -> None:
    entry = FileEntry("a", "jsonl", "skills", "train", 1, 1, "0" * 64)
    with pytest.raises(ValueError, match="share a name"):
        render_manifest("1", [entry, entry], {})
