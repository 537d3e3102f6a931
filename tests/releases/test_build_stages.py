"""The build's batch stages on their own: the COPY reader, the exact-dedup table, the columnar writer."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from django.db import connection

from contrib.releases.build.collect import SAMPLE_FIELDS, collect, sample_rows
from contrib.releases.build.dedup import SeenHashes
from contrib.releases.build.leaves import leaves_at
from contrib.releases.build.write import ROW_GROUP_ROWS, SplitWriter
from contrib.releases.formats.rows import (
    Provenance,
    SourceRow,
    jsonl_line,
    jsonl_line_of,
    line_parts,
    metadata_prefix,
    records_table,
    to_training_record,
    user_content,
)
from contrib.releases.storage import object_open, object_put
from contrib.synth.models import Sample
from tests.releases.factories import ANTONYMS, HAIKU, planted_run, world_make

pytestmark = pytest.mark.django_db

# Text that COPY's text format escapes: tabs, newlines, backslashes, what looks like its NULL marker, and more.
AWKWARD = [
    ("tab\there", "line one\nline two\r\nthree"),
    ("a back\\slash and \\N and \\t", "ends with a backslash \\"),
    ("unicode: café, 東京, 🌱, \u2028", "quotes \" and ' and <script>alert(1)</script>"),
    ("", "an empty question"),
    ("trailing spaces   ", "   leading spaces"),
]


def test_copy_reads_exactly_what_the_orm_reads_escapes_included() -> None:
    assert connection.vendor == "postgresql"  # the COPY path; SQLite reads through the ORM
    world = world_make()
    run = planted_run(world.version, {HAIKU: AWKWARD, ANTONYMS: AWKWARD[::-1]})
    revisions = list(Sample.objects.filter(run=run).values_list("leaf_revision_id", flat=True).distinct())
    copied = list(sample_rows([run.pk], revisions))
    by_orm = {row[0]: row for row in Sample.objects.filter(run=run).values_list(*SAMPLE_FIELDS)}
    assert len(copied) == len(by_orm) == 2 * len(AWKWARD)
    for row in copied:
        assert row == by_orm[row[0]]
    # ordered by leaf path, then index: antonyms before haiku
    paths = [Sample.objects.get(pk=row[0]).leaf_path for row in copied]
    assert paths == sorted(paths)


def test_collect_batches_keep_leaf_order_with_seeds_first() -> None:
    world = world_make()
    run = planted_run(world.version, {HAIKU: [(f"q{i}", f"a{i}") for i in range(7)]})
    leaves = leaves_at(world.version.number)
    rows = [row for batch in collect(leaves, [run.pk], include_seed_examples=True, batch_rows=3) for row in batch]
    batches = list(collect(leaves, [run.pk], include_seed_examples=True, batch_rows=3))
    assert all(len(batch) == 3 for batch in batches[:-1]) and 1 <= len(batches[-1]) <= 3
    paths = [source.leaf.path for source, *_ in rows]
    assert paths == sorted(paths)
    haiku = [(source.provenance.origin, sample_id, question) for source, sample_id, question, _, _ in rows
             if source.leaf.path == HAIKU]
    seeds = [r for r in haiku if r[0] == "seed"]
    assert seeds and haiku[: len(seeds)] == seeds and all(r[1] is None for r in seeds)
    assert [r[2] for r in haiku[len(seeds):]] == [f"q{i}" for i in range(7)]


def test_an_early_stop_leaves_the_connection_usable() -> None:
    world = world_make()
    run = planted_run(world.version, {HAIKU: [(f"q{i}", f"a{i}") for i in range(50)]})
    leaves = leaves_at(world.version.number)
    batches = collect(leaves, [run.pk], include_seed_examples=False, batch_rows=5)
    next(batches)
    batches.close()  # what an error in a later stage does to the generator
    assert Sample.objects.filter(run=run).count() == 50


def test_seen_hashes_agree_with_a_set_across_batches_and_growth() -> None:
    rng = np.random.default_rng(7)
    seen, reference = SeenHashes(capacity=16), set()
    for _ in range(200):
        keys = rng.integers(0, 5000, size=int(rng.integers(0, 300))).astype(np.uint64)
        keys[:3] = 0  # zero shares the empty-slot marker's table entry with key 1; both must still work
        new = seen.add(keys)
        expected = []
        for key in keys.tolist():
            key = key or 1
            expected.append(key not in reference)
            reference.add(key)
        assert new.tolist() == expected
    assert len(seen) == len(reference)
    with pytest.raises(ValueError, match="power of two"):
        SeenHashes(capacity=1000)


def _row(i: int, *, kind: str = "grounded_skill", sample: bool = True) -> SourceRow:
    prov = Provenance(leaf_path=f"compositional_skills/area/leaf{i % 3}", leaf_revision_sha=f"{i % 3:064x}",
                      submission_id=None if i % 2 else i, contributor="Ada \"Lovelace\"", teacher_model="t",
                      pipeline="grounded_skills", pipeline_version="1", run_id=5, origin="synthetic",
                      license="CC-BY-4.0" if i % 2 else "")
    question, answer = AWKWARD[i % len(AWKWARD)]
    return SourceRow(question=question or "q", answer=f"{answer} {i}", context=f"context {i % 4}" if i % 4 else "",
                     kind=kind, provenance=prov, sample_id=i if sample else None)  # type: ignore[arg-type]


@pytest.mark.parametrize("system_prompt", ["", "You are a \"helpful\" assistant.\n"])
def test_lines_from_parts_equal_the_canonical_jsonl_line(system_prompt: str) -> None:
    for i in range(12):
        row = _row(i, sample=i % 5 != 0)
        record = to_training_record(row, system_prompt=system_prompt)
        prefix = metadata_prefix(row.provenance, row.kind)
        parts = line_parts(system_prompt, prefix, row.provenance.license)
        line = jsonl_line_of(record["id"], user_content(row), record["messages"][-1]["content"], row.sample_id, parts)
        assert line.encode("utf-8") == jsonl_line(record)
        assert json.loads(line) == record


def _write(root: Path, rows: list[SourceRow], system_prompt: str, batch: int, *, shard_rows: int,
           executor: ThreadPoolExecutor | None = None) -> dict[str, str]:
    writer = SplitWriter(root, "skills", "train", shard_rows, system_prompt, executor)
    items = []
    for row in rows:
        record = to_training_record(row, system_prompt=system_prompt)
        prefix = metadata_prefix(row.provenance, row.kind)
        index = writer.source((*prefix, row.provenance.license))
        user, answer = user_content(row), record["messages"][-1]["content"]
        parts = line_parts(system_prompt, prefix, row.provenance.license)
        items.append((record["id"], user, answer, row.sample_id, index,
                      jsonl_line_of(record["id"], user, answer, row.sample_id, parts)))
    for start in range(0, len(items), batch):
        writer.write_rows(items[start:start + batch])
    files = writer.close()
    return {f.name: hashlib.sha256((root / f.name).read_bytes()).hexdigest() for f in files}


def test_split_writer_bytes_do_not_depend_on_batches_or_the_background_thread(tmp_path: Path) -> None:
    rows = [_row(i) for i in range(2 * ROW_GROUP_ROWS + 123)]
    system_prompt = "Be brief."
    first = _write(tmp_path / "a", rows, system_prompt, 1, shard_rows=ROW_GROUP_ROWS + 500)
    with ThreadPoolExecutor(1) as executor:
        second = _write(tmp_path / "b", rows, system_prompt, 4096, shard_rows=ROW_GROUP_ROWS + 500, executor=executor)
    third = _write(tmp_path / "c", rows, system_prompt, 777, shard_rows=ROW_GROUP_ROWS + 500)
    assert first == second == third
    assert sorted(first) == ["skills/train-00000-of-00002.parquet", "skills/train-00001-of-00002.parquet",
                             "skills/train.jsonl"]
    # the columns equal the records, and the jsonl lines equal them too
    table = pq.read_table(sorted((tmp_path / "b" / "skills").glob("*.parquet")))
    expected = records_table([to_training_record(row, system_prompt=system_prompt) for row in rows])
    assert table.equals(expected)
    lines = (tmp_path / "b" / "skills" / "train.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == expected.to_pylist()
    # row groups are cut by counts alone: full groups, then a shard's rest, then the final rest
    shards = [pq.ParquetFile(p).metadata for p in sorted((tmp_path / "a" / "skills").glob("*.parquet"))]
    groups = [[meta.row_group(g).num_rows for g in range(meta.num_row_groups)] for meta in shards]
    assert groups == [[ROW_GROUP_ROWS, 500], [ROW_GROUP_ROWS - 377]]


def test_object_put_moves_a_finished_file_into_file_storage(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    path = tmp_path / "built.bin"
    path.write_bytes(b"release bytes")
    digest = hashlib.sha256(b"release bytes").hexdigest()
    name = object_put(path, digest)
    with object_open(name) as handle:
        assert handle.read() == b"release bytes"
    assert not path.exists()  # moved, not copied
    again = tmp_path / "again.bin"
    again.write_bytes(b"release bytes")
    assert object_put(again, digest) == name  # content-addressed: the second copy is not stored
