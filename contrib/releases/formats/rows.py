"""A release row, its provenance, its normalised text and keys, and its record in InstructLab's messages format."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa

Origin = Literal["seed", "synthetic"]
Kind = Literal["freeform_skill", "grounded_skill", "knowledge"]
ConfigName = Literal["skills", "knowledge"]

#: Kinds whose context is part of the prompt.
CONTEXT_KINDS = frozenset({"grounded_skill", "knowledge"})

_LINE_BREAKS = re.compile(r"\r\n?|[\v\f\x85\u2028\u2029]")
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_SPACE_AROUND_NEWLINE = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Provenance:
    """Where a row comes from: its leaf revision, submission, contributor, teacher, pipeline, run and licence."""

    leaf_path: str
    leaf_revision_sha: str
    submission_id: int | None
    contributor: str
    teacher_model: str
    pipeline: str
    pipeline_version: str
    run_id: int | None
    origin: Origin
    license: str


@dataclass(frozen=True)
class SourceRow:
    """One question and answer (with its context) about to enter a release, with its provenance."""

    question: str
    answer: str
    context: str
    kind: Kind
    provenance: Provenance
    sample_id: int | None = None


def normalize_text(text: str) -> str:
    """``text`` in Unicode NFC with \\n line breaks, runs of other whitespace as one space, no space at line
    ends, at most one blank line in a row, and no leading or trailing whitespace.

    Conservative on purpose: case, punctuation and quotes are kept, since the result is what trainers read.
    """
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text)
    text = _HORIZONTAL_SPACE.sub(" ", text)
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def normalize_row(row: SourceRow) -> SourceRow:
    """``row`` with its question, answer and context passed through :func:`normalize_text`."""
    return SourceRow(
        question=normalize_text(row.question),
        answer=normalize_text(row.answer),
        context=normalize_text(row.context),
        kind=row.kind,
        provenance=row.provenance,
        sample_id=row.sample_id,
    )


def row_hash(row: SourceRow) -> str:
    """The exact-duplicate key: sha256 (hex) of the normalised question, context and answer."""
    # a separator no normalised text contains keeps ("a b", "") apart from ("a", "b")
    joined = "\x1f".join(normalize_text(part) for part in (row.question, row.context, row.answer))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def row_id(row: SourceRow) -> str:
    """A stable row id: the first 16 hex digits of sha256 over leaf revision sha, origin, sample id and row hash."""
    sample = "" if row.sample_id is None else str(row.sample_id)
    key = "\n".join((row.provenance.leaf_revision_sha, row.provenance.origin, sample, row_hash(row)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def neardup_text(row: SourceRow) -> str:
    """The text near-duplicates are judged on: the question and the answer.

    The context is left out, since every row of a knowledge leaf shares one and would look alike.
    """
    return f"{row.question}\n{row.answer}"


def area_of(leaf_path: str) -> str:
    """The area of a leaf: the first two segments of its path (``compositional_skills/linguistics``)."""
    return "/".join(leaf_path.strip("/").split("/")[:2])


def config_for(kind: str) -> ConfigName:
    """The dataset config a row of ``kind`` belongs to."""
    return "knowledge" if kind == "knowledge" else "skills"


def user_content(row: SourceRow) -> str:
    """The user turn: the question, after the context for grounded skills and knowledge."""
    question = normalize_text(row.question)
    context = normalize_text(row.context)
    if row.kind in CONTEXT_KINDS and context:
        return f"{context}\n\n{question}"
    return question


def to_training_record(row: SourceRow, *, system_prompt: str) -> dict[str, Any]:
    """``row`` as InstructLab's training record ``{"id", "messages", "metadata"}``, keys in ARROW_SCHEMA order.

    The system turn is present only when ``system_prompt`` is not empty.
    """
    messages = []
    if system_prompt:
        messages.append({"role": "system", "content": system_prompt})
    messages.append({"role": "user", "content": user_content(row)})
    messages.append({"role": "assistant", "content": normalize_text(row.answer)})
    p = row.provenance
    metadata = {
        "leaf_path": p.leaf_path,
        "leaf_revision_sha": p.leaf_revision_sha,
        "area": area_of(p.leaf_path),
        "kind": row.kind,
        "origin": p.origin,
        "submission_id": p.submission_id,
        "contributor": p.contributor,
        "teacher_model": p.teacher_model,
        "pipeline": p.pipeline,
        "pipeline_version": p.pipeline_version,
        "run_id": p.run_id,
        "sample_id": row.sample_id,
        "license": p.license,
    }
    return {"id": row_id(row), "messages": messages, "metadata": metadata}


def jsonl_line(record: dict[str, Any]) -> bytes:
    """One canonical JSON-lines line for ``record``: UTF-8, compact, keys in their given order, then \\n."""
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


MESSAGE_TYPE = pa.struct([pa.field("role", pa.string()), pa.field("content", pa.string())])

METADATA_TYPE = pa.struct(
    [
        pa.field("leaf_path", pa.string()),
        pa.field("leaf_revision_sha", pa.string()),
        pa.field("area", pa.string()),
        pa.field("kind", pa.string()),
        pa.field("origin", pa.string()),
        pa.field("submission_id", pa.int64()),
        pa.field("contributor", pa.string()),
        pa.field("teacher_model", pa.string()),
        pa.field("pipeline", pa.string()),
        pa.field("pipeline_version", pa.string()),
        pa.field("run_id", pa.int64()),
        pa.field("sample_id", pa.int64()),
        pa.field("license", pa.string()),
    ]
)

#: The schema of a training record, so every parquet shard has the same columns in the same order.
ARROW_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("messages", pa.list_(MESSAGE_TYPE)),
        pa.field("metadata", METADATA_TYPE),
    ]
)


def records_table(records: list[dict[str, Any]]) -> pa.Table:
    """``records`` (from :func:`to_training_record`) as a pyarrow table of ARROW_SCHEMA."""
    return pa.Table.from_pylist(records, schema=ARROW_SCHEMA)


def features() -> Any:
    """ARROW_SCHEMA as ``datasets.Features``, for ``Dataset.from_list(records, features=features())``."""
    import datasets  # imported here: it is slow to import and only writers need it

    return datasets.Features.from_arrow_schema(ARROW_SCHEMA)
