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
# Anything normalize_text would change, short of NFC and the ends: whitespace other than space and \n (which
# covers every line break _LINE_BREAKS rewrites), two spaces, a space next to a \n, or three \n in a row.
_ODD_SPACE = re.compile(r"[^\S \n]")
_NEEDS_WORK = ("  ", " \n", "\n ", "\n\n\n")
# the ASCII characters _ODD_SPACE matches (tab, CR, VT, FF and the four separators), found without a regex
_ASCII_ODD_SPACE = tuple(chr(c) for c in range(128) if _ODD_SPACE.match(chr(c)))
_is_normalized = unicodedata.is_normalized


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
    if text and not text[0].isspace() and not text[-1].isspace() and _is_normal(text):
        return text  # already normal: the passes below would leave it as it is
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text)
    text = _HORIZONTAL_SPACE.sub(" ", text)
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def _is_normal(text: str) -> bool:
    """Whether the regex passes and NFC of normalize_text would leave ``text`` as it is."""
    for pattern in _NEEDS_WORK:
        if pattern in text:
            return False
    if text.isascii():
        for char in _ASCII_ODD_SPACE:
            if char in text:
                return False
        return True
    return _ODD_SPACE.search(text) is None and _is_normalized("NFC", text)


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
    return normalized_row_hash(normalize_row(row))


def normalized_row_hash(row: SourceRow) -> str:
    """:func:`row_hash` of a row already passed through :func:`normalize_row` (it is not normalised again)."""
    # a separator no normalised text contains keeps ("a b", "") apart from ("a", "b")
    joined = f"{row.question}\x1f{row.context}\x1f{row.answer}"
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def row_id(row: SourceRow) -> str:
    """A stable row id: the first 16 hex digits of sha256 over leaf revision sha, origin, sample id and row hash."""
    return row_id_of(row, row_hash(row))


def row_id_of(row: SourceRow, hash_hex: str) -> str:
    """:func:`row_id` given the row's :func:`row_hash`, so a build computes the hash once."""
    sample = "" if row.sample_id is None else str(row.sample_id)
    key = f"{row.provenance.leaf_revision_sha}\n{row.provenance.origin}\n{sample}\n{hash_hex}"
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
    return normalized_user_content(normalize_row(row))


def normalized_user_content(row: SourceRow) -> str:
    """:func:`user_content` of a row already passed through :func:`normalize_row`."""
    question = row.question
    context = row.context
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


# -- columnar records: what a build writes, without a dict per row ----------------------------------

_encode_string = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes for a str


def metadata_prefix(row: SourceRow) -> tuple[Any, ...]:
    """The metadata values of ``row`` before ``sample_id``, in METADATA_TYPE order (shared by a leaf's rows)."""
    p = row.provenance
    return (p.leaf_path, p.leaf_revision_sha, area_of(p.leaf_path), row.kind, p.origin, p.submission_id,
            p.contributor, p.teacher_model, p.pipeline, p.pipeline_version, p.run_id)


def metadata_json_prefix(prefix: tuple[Any, ...]) -> str:
    """The JSON of the metadata of :func:`metadata_prefix` up to ``"sample_id":`` (as jsonl_line writes it)."""
    names = [f.name for f in METADATA_TYPE][: len(prefix)]
    text = json.dumps(dict(zip(names, prefix, strict=True)), ensure_ascii=False, separators=(",", ":"))
    return text[:-1] + ',"sample_id":'


def jsonl_line_of(rid: str, system_prompt: str, user: str, answer: str, meta_json_prefix: str,
                  sample_id: int | None, license: str) -> str:
    """:func:`jsonl_line` (as a str) of the training record with these parts, built without a dict."""
    system = (f'{{"role":"system","content":{_encode_string(system_prompt)}}},' if system_prompt else "")
    sample = "null" if sample_id is None else int.__repr__(sample_id)
    return (f'{{"id":{_encode_string(rid)},"messages":[{system}'
            f'{{"role":"user","content":{_encode_string(user)}}},'
            f'{{"role":"assistant","content":{_encode_string(answer)}}}],'
            f'"metadata":{meta_json_prefix}{sample},"license":{_encode_string(license)}}}}}\n')


def columns_table(ids: list[str], roles: list[str], contents: list[str], offsets: list[int],
                  metadata: list[tuple[Any, ...]]) -> pa.Table:
    """A pyarrow table of ARROW_SCHEMA from columns: the messages flattened (``offsets`` has len(ids) + 1
    entries into roles and contents) and one tuple of METADATA_TYPE values per row."""
    messages = pa.ListArray.from_arrays(
        pa.array(offsets, type=pa.int32()),
        pa.StructArray.from_arrays(
            [pa.array(roles, type=pa.string()), pa.array(contents, type=pa.string())], fields=list(MESSAGE_TYPE)
        ),
        type=pa.list_(MESSAGE_TYPE),
    )
    fields = list(METADATA_TYPE)
    if metadata:
        columns = [pa.array(column, type=f.type) for column, f in zip(zip(*metadata, strict=True), fields, strict=True)]
    else:
        columns = [pa.array([], type=f.type) for f in fields]
    meta = pa.StructArray.from_arrays(columns, fields=fields)
    return pa.Table.from_arrays([pa.array(ids, type=pa.string()), messages, meta], schema=ARROW_SCHEMA)
