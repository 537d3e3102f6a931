"""The build end to end: the starter taxonomy, a merged submission, a real scripted generation, then a release."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import datasets
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contrib.releases.models import ReleaseFile
from contrib.releases.services import release_build, release_create, release_publish, release_verify
from contrib.releases.storage import release_storage
from contrib.submissions.models import Submission
from taxonomy.models import LeafRevision
from tests.releases.factories import (
    ANTONYMS,
    HAIKU,
    MERGED,
    distinct_pairs,
    planted_run,
    scripted_run,
    world_make,
)
from tests.synth.scripted import run_scripted_teacher

pytestmark = pytest.mark.django_db


def stored_path(file: ReleaseFile) -> Path:
    return Path(release_storage().path(file.storage_name))


def data_files(release, config: str) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    files = ReleaseFile.objects.filter(release=release, config_name=config, kind="parquet").order_by("name")
    out: dict[str, list[str]] = {}
    for f in files:
        out.setdefault(f.split, []).append(str(stored_path(f)))
    return out


def test_end_to_end_from_the_starter_taxonomy_to_a_loadable_release() -> None:
    world = world_make()
    with run_scripted_teacher(slots=16, judge_fail_rate=0.0) as handle:
        run = scripted_run(world.version, handle.base_url, scale=1)
    release = release_create(version="2026.11.0", taxonomy_version=world.version.number, runs=[run.pk],
                             config={"test_fraction": 0.4, "seed": 3}, created_by=None)
    result = release_build(release=release)
    release.refresh_from_db()
    assert release.status == "built" and result.registered
    manifest = json.loads(release_storage().open(release.files.get(name="manifest.json").storage_name).read())
    listed = {entry["name"]: entry for entry in manifest["files"]}
    splits_seen = set()
    for config in ("skills", "knowledge"):
        files = data_files(release, config)
        assert set(files) == {s for s in ("train", "test") if release.stats["rows_by_split"][f"{config}/{s}"]}
        loaded = datasets.load_dataset("parquet", data_files=files)
        for split in files:
            want = sum(listed[f.name]["rows"] for f in ReleaseFile.objects.filter(release=release, config_name=config,
                                                                                  split=split, kind="parquet"))
            assert loaded[split].num_rows == want == release.stats["rows_by_split"][f"{config}/{split}"]
            if want:
                splits_seen.add((config, split))
            for record in loaded[split]:
                meta = record["metadata"]
                revision = LeafRevision.objects.get(sha256=meta["leaf_revision_sha"], node__path=meta["leaf_path"])
                assert revision.valid_from_id <= world.version.number
                if meta["leaf_path"] == MERGED:
                    assert meta["submission_id"] == world.submission.pk
                    assert Submission.objects.filter(pk=meta["submission_id"]).exists()
                    assert meta["contributor"] == "Aesop Writer"
                else:
                    assert meta["submission_id"] is None and meta["contributor"]
                assert meta["license"] and meta["origin"] in ("seed", "synthetic")
                if meta["origin"] == "synthetic":
                    assert meta["run_id"] == run.pk and meta["teacher_model"] == "scripted-teacher" and meta["pipeline"]
                assert [m["role"] for m in record["messages"]][-2:] == ["user", "assistant"]
    # The starter has one knowledge leaf, so knowledge rows are all in one split (splits are by leaf).
    assert {("skills", "train"), ("skills", "test")} <= splits_seen and any(c == "knowledge" for c, _ in splits_seen)
    # No leaf is in both splits.
    paths_by_split: dict[str, set[str]] = {"train": set(), "test": set()}
    for f in ReleaseFile.objects.filter(release=release, kind="jsonl"):
        for line in release_storage().open(f.storage_name).read().splitlines():
            paths_by_split[f.split].add(json.loads(line)["metadata"]["leaf_path"])
    assert paths_by_split["train"] and not paths_by_split["train"] & paths_by_split["test"]
    assert MERGED in paths_by_split["train"] | paths_by_split["test"]


def test_two_builds_are_byte_identical_and_verify_rebuild_passes_until_a_byte_changes(tmp_path: Path) -> None:
    world = world_make()
    run = planted_run(world.version, {HAIKU: distinct_pairs("h", 60), MERGED: distinct_pairs("m", 30),
                                      ANTONYMS: distinct_pairs("a", 30)})
    cfg = {"test_fraction": 0.5, "seed": 11, "system_prompt": "You are helpful."}
    first = release_create(version="1.0.0", taxonomy_version=world.version.number, runs=[run.pk], config=cfg, created_by=None)
    second = release_create(version="1.0.1", taxonomy_version=world.version.number, runs=[run.pk], config=cfg, created_by=None)
    release_build(release=first)
    release_build(release=second)
    a = {f.name: f.sha256 for f in first.files.all() if f.name not in ("README.md", "manifest.json")}
    b = {f.name: f.sha256 for f in second.files.all() if f.name not in ("README.md", "manifest.json")}
    assert a == b and len([n for n in a if n.endswith(".parquet")]) >= 3  # several shards of 40 rows
    # The same release built again gives the same bytes for every file, card and manifest included.
    before = {f.name: f.sha256 for f in first.files.all()}
    release_build(release=first)
    assert {f.name: f.sha256 for f in first.files.all()} == before
    call_command("release", "verify", "1.0.0", "--rebuild")
    release_publish(release=first, actor=None)
    assert release_verify(release=first, rebuild=True).ok
    # Corrupt one stored byte: verify (with and without rebuild) fails and says which file.
    shard = first.files.filter(kind="parquet").order_by("name").first()
    path = stored_path(shard)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    result = release_verify(release=first)
    assert not result.ok and any(shard.name in p for p in result.problems)
    with pytest.raises(CommandError, match="failed verification"):
        call_command("release", "verify", "1.0.0", "--rebuild")
    assert hashlib.sha256(bytes(data)).hexdigest() != shard.sha256


def test_exact_and_near_duplicates_are_dropped_within_and_against_the_previous_release() -> None:
    world = world_make()
    base = distinct_pairs("base", 6)
    first_run = planted_run(world.version, {HAIKU: base})
    cfg = {"include_seed_examples": False, "near_dup_threshold": 0.8, "test_fraction": 0.0}
    previous = release_create(version="1.0.0", taxonomy_version=world.version.number, runs=[first_run.pk], config=cfg,
                              created_by=None)
    release_build(release=previous)
    release_publish(release=previous, actor=None)

    fresh = distinct_pairs("fresh", 5)
    q0, a0 = fresh[0]
    q1, a1 = fresh[1]
    pq, pa = base[2]
    planted = fresh + [
        (q0, a0),                               # exact duplicate within the release
        (q0.upper().lower() + "  ", " " + a0),  # the same after normalisation: exact duplicate
        (q1, a1.replace(".", " indeed.")),      # a near duplicate within the release
        (pq, pa.replace(".", " indeed.")),      # a near duplicate of a row of the previous release
    ]
    run = planted_run(world.version, {ANTONYMS: planted})
    release = release_create(version="1.1.0", taxonomy_version=world.version.number, runs=[run.pk], config=cfg,
                             created_by=None)
    assert release.previous == previous
    release_build(release=release)
    release.refresh_from_db()
    report = [json.loads(line) for line in
              release_storage().open(release.files.get(name="build_report.jsonl").storage_name).read().splitlines()]
    reasons = sorted((r["reason"], r.get("previous_release", False)) for r in report)
    assert reasons == [("exact_duplicate", False), ("exact_duplicate", False), ("near_duplicate", False),
                       ("near_duplicate", True)]
    near = [r for r in report if r["reason"] == "near_duplicate"]
    assert all(r["matched"] and r["similarity"] >= 0.8 for r in near)
    kept = []
    for f in release.files.filter(kind="jsonl"):
        kept += [json.loads(line) for line in release_storage().open(f.storage_name).read().splitlines()]
    questions = {r["messages"][-2]["content"] for r in kept}
    assert questions == {q for q, _ in fresh}  # every distinct row survives, once
    assert release.stats["dropped"] == {"exact_duplicate": 2, "near_duplicate": 2}
