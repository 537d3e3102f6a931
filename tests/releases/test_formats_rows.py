"""Release rows: normalisation, keys, training records, and their parquet round trip through datasets."""

from __future__ import annotations

import io

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from contrib.releases.formats.rows import (
    ARROW_SCHEMA,
    Provenance,
    SourceRow,
    area_of,
    config_for,
    features,
    jsonl_line,
    neardup_text,
    normalize_text,
    records_table,
    row_hash,
    row_id,
    to_training_record,
)


def provenance(**overrides: object) -> Provenance:
    values: dict[str, object] = {
        "leaf_path": "compositional_skills/linguistics/synonyms",
        "leaf_revision_sha": "a" * 64,
        "submission_id": 7,
        "contributor": "Ada",
        "teacher_model": "granite-7b",
        "pipeline": "simple",
        "pipeline_version": "1.0",
        "run_id": 3,
        "origin": "synthetic",
        "license": "CC-BY-4.0",
    }
    values.update(overrides)
    return Provenance(**values)  # type: ignore[arg-type]


def row(question: str = "What is a synonym of big?", answer: str = "Large.", context: str = "", **kw: object) -> SourceRow:
    kind = kw.pop("kind", "freeform_skill")
    sample_id = kw.pop("sample_id", 11)
    return SourceRow(question, answer, context, kind, provenance(**kw), sample_id)  # type: ignore[arg-type]


def test_normalize_text_is_conservative() -> None:
    assert normalize_text("  Cafe\u0301  \t is\u00a0 open \r\n\r\n\r\n\n next  line \n") == "Café is open\n\nnext line"
    assert normalize_text("“Quotes” stay, Case Stays.") == "“Quotes” stay, Case Stays."
    assert normalize_text("a\nb") == "a\nb"
    assert normalize_text(normalize_text(" x  y \n\n\n z ")) == normalize_text(" x  y \n\n\n z ")


def test_row_hash_is_the_exact_dedup_key() -> None:
    base = row()
    assert row_hash(base) == row_hash(row(question="  What is a  synonym of big? ", answer="Large.\n"))
    assert row_hash(base) == row_hash(row(leaf_path="other/leaf/x", sample_id=99))  # provenance is not content
    assert row_hash(base) != row_hash(row(answer="large."))
    # the separator keeps fields apart
    assert row_hash(row(question="a b", context="")) != row_hash(row(question="a", context="b"))
    assert len(row_hash(base)) == 64


def test_row_id_is_stable_and_distinguishes_origin_and_sample() -> None:
    base = row()
    assert row_id(base) == row_id(row())
    assert len(row_id(base)) == 16
    assert row_id(base) != row_id(row(sample_id=12))
    assert row_id(base) != row_id(row(origin="seed", sample_id=None))
    assert row_id(base) != row_id(row(leaf_revision_sha="b" * 64))


def test_area_config_and_neardup_text() -> None:
    assert area_of("compositional_skills/linguistics/synonyms") == "compositional_skills/linguistics"
    assert area_of("knowledge/science") == "knowledge/science"
    assert config_for("knowledge") == "knowledge"
    assert config_for("grounded_skill") == config_for("freeform_skill") == "skills"
    assert neardup_text(row(context="shared context")) == "What is a synonym of big?\nLarge."


def test_training_record_shape() -> None:
    grounded = row(question="Who wrote it?", answer="Ann.", context=" The text.\n", kind="grounded_skill")
    record = to_training_record(grounded, system_prompt="You are helpful.")
    assert record["id"] == row_id(grounded)
    assert record["messages"] == [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "The text.\n\nWho wrote it?"},
        {"role": "assistant", "content": "Ann."},
    ]
    metadata = record["metadata"]
    assert list(metadata) == [field.name for field in ARROW_SCHEMA.field("metadata").type]
    assert metadata["area"] == "compositional_skills/linguistics"
    assert metadata["kind"] == "grounded_skill"
    assert metadata["submission_id"] == 7 and metadata["run_id"] == 3 and metadata["sample_id"] == 11
    assert metadata["origin"] == "synthetic" and metadata["license"] == "CC-BY-4.0"

    freeform = to_training_record(row(context="ignored for freeform"), system_prompt="")
    assert [m["role"] for m in freeform["messages"]] == ["user", "assistant"]
    assert freeform["messages"][0]["content"] == "What is a synonym of big?"


def sample_records() -> list[dict]:
    rows = [
        row(),
        row(question="Name a colour.", answer="Blue", sample_id=12),
        row(question="Q?", answer="A", context="Doc", kind="knowledge", leaf_path="knowledge/science/physics",
            origin="seed", sample_id=None, submission_id=None, run_id=None, teacher_model="", pipeline="",
            pipeline_version=""),
    ]
    return [to_training_record(r, system_prompt="Sys") for r in rows]


def test_parquet_via_pyarrow_is_deterministic_and_loads_with_datasets(tmp_path) -> None:
    records = sample_records()
    blobs = []
    for _ in range(2):
        buffer = io.BytesIO()
        pq.write_table(records_table(records), buffer)
        blobs.append(buffer.getvalue())
    assert blobs[0] == blobs[1]
    path = tmp_path / "train-00000-of-00001.parquet"
    path.write_bytes(blobs[0])
    loaded = datasets.load_dataset("parquet", data_files={"train": str(path)}, cache_dir=str(tmp_path / "cache"))
    assert loaded["train"].to_list() == records
    assert pq.read_schema(path).remove_metadata() == ARROW_SCHEMA


def test_parquet_via_datasets_features_round_trips(tmp_path) -> None:
    records = sample_records()
    paths = []
    for attempt in range(2):
        dataset = datasets.Dataset.from_list(records, features=features())
        path = tmp_path / f"{attempt}.parquet"
        dataset.to_parquet(str(path))
        paths.append(path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    loaded = datasets.load_dataset("parquet", data_files=str(paths[0]), split="train", cache_dir=str(tmp_path / "c"))
    assert loaded.to_list() == records
    assert pa.schema(loaded.features.arrow_schema) == ARROW_SCHEMA


def test_jsonl_line_is_canonical_and_loads(tmp_path) -> None:
    records = sample_records()
    data = b"".join(jsonl_line(r) for r in records)
    assert data == b"".join(jsonl_line(r) for r in records)
    assert data.count(b"\n") == len(records)
    path = tmp_path / "train.jsonl"
    path.write_bytes(data)
    loaded = datasets.load_dataset("json", data_files=str(path), split="train", features=features(),
                                   cache_dir=str(tmp_path / "c"))
    assert loaded.to_list() == records


def test_records_table_rejects_missing_fields() -> None:
    with pytest.raises((KeyError, pa.ArrowInvalid, pa.ArrowTypeError, TypeError)):
        records_table([{"id": "x", "messages": [{"role": "user", "content": 1}], "metadata": {}}])
