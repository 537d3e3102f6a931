"""A release row, its provenance, its normalised text and keys, and its record in InstructLab's messages format."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
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
_NEEDS_WORK = ("  ", " \n", "\n ", "\n\n\n")  # "  " first: _is_normal looks for the others only near a \n
# the ASCII characters _ODD_SPACE matches (tab, CR, VT, FF and the four separators), found without a regex
_ASCII_ODD_SPACE = tuple(chr(c) for c in range(128) if _ODD_SPACE.match(chr(c)))
_is_normalized = unicodedata.is_normalized
_sha256 = hashlib.sha256


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
    if "  " in text:
        return False
    if "\n" in text:  # one scan rules out the three newline patterns for most texts
        for pattern in _NEEDS_WORK[1:]:
            if pattern in text:
                return False
    if text.isascii():
        for char in _ASCII_ODD_SPACE:  # single characters: each a memchr-fast scan
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
    normal = normalize_row(row)
    return text_hash(normal.question, normal.context, normal.answer)


def text_hash(question: str, context: str, answer: str) -> str:
    """sha256 (hex) of normalised question, context and answer: what :func:`row_hash` computes, from strings."""
    # a separator no normalised text contains keeps ("a b", "") apart from ("a", "b")
    return _sha256(f"{question}\x1f{context}\x1f{answer}".encode()).hexdigest()


def row_id(row: SourceRow) -> str:
    """A stable row id: the first 16 hex digits of sha256 over leaf revision sha, origin, sample id and row hash."""
    return id_for(row.provenance.leaf_revision_sha, row.provenance.origin, row.sample_id, row_hash(row))


def id_for(leaf_revision_sha: str, origin: str, sample_id: int | None, hash_hex: str) -> str:
    """:func:`row_id` from its parts, so a build needs no :class:`SourceRow`."""
    sample = "" if sample_id is None else str(sample_id)
    return _sha256(f"{leaf_revision_sha}\n{origin}\n{sample}\n{hash_hex}".encode()).hexdigest()[:16]


def neardup_text(row: SourceRow) -> str:
    """The text near-duplicates are judged on: the question and the answer.

    The context is left out, since every row of a knowledge leaf shares one and would look alike.
    """
    return neardup_text_of(row.question, row.answer)


def neardup_text_of(question: str, answer: str) -> str:
    """:func:`neardup_text` from a row's question and answer."""
    return f"{question}\n{answer}"


def area_of(leaf_path: str) -> str:
    """The area of a leaf: the first two segments of its path (``compositional_skills/linguistics``)."""
    return "/".join(leaf_path.strip("/").split("/")[:2])


def config_for(kind: str) -> ConfigName:
    """The dataset config a row of ``kind`` belongs to."""
    return "knowledge" if kind == "knowledge" else "skills"


def user_content(row: SourceRow) -> str:
    """The user turn: the question, after the context for grounded skills and knowledge."""
    normal = normalize_row(row)
    return user_content_of(normal.kind, normal.question, normal.context)


def user_content_of(kind: str, question: str, context: str) -> str:
    """:func:`user_content` from a row's kind and its normalised question and context."""
    return f"{context}\n\n{question}" if kind in CONTEXT_KINDS and context else question


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


def metadata_prefix(p: Provenance, kind: str) -> tuple[Any, ...]:
    """The metadata values before ``sample_id`` of the rows of ``kind`` with provenance ``p``, in METADATA_TYPE
    order: what all the rows of one source share."""
    return (p.leaf_path, p.leaf_revision_sha, area_of(p.leaf_path), kind, p.origin, p.submission_id,
            p.contributor, p.teacher_model, p.pipeline, p.pipeline_version, p.run_id)


@dataclass(frozen=True)
class LineParts:
    """The text a source's jsonl lines share: everything but the id, the user and assistant contents and the
    sample id (see :func:`jsonl_line_of`)."""

    before_user: str
    before_sample: str
    after_sample: str


def line_parts(system_prompt: str, prefix: tuple[Any, ...], license: str) -> LineParts:
    """The :class:`LineParts` of the rows with metadata ``prefix`` (:func:`metadata_prefix`) and ``license``."""
    system = f'{{"role":"system","content":{_encode_string(system_prompt)}}},' if system_prompt else ""
    names = [f.name for f in METADATA_TYPE][: len(prefix)]
    metadata = json.dumps(dict(zip(names, prefix, strict=True)), ensure_ascii=False, separators=(",", ":"))
    return LineParts(
        before_user=f',"messages":[{system}{{"role":"user","content":',
        before_sample=f'}}],"metadata":{metadata[:-1]},"sample_id":',
        after_sample=f',"license":{_encode_string(license)}}}}}\n',
    )


def jsonl_line_of(rid: str, user: str, answer: str, sample_id: int | None, parts: LineParts) -> str:
    """:func:`jsonl_line` (as a str) of the training record with these parts, built without a dict."""
    sample = "null" if sample_id is None else int.__repr__(sample_id)
    return (f'{{"id":{_encode_string(rid)}{parts.before_user}{_encode_string(user)}}},'
            f'{{"role":"assistant","content":{_encode_string(answer)}{parts.before_sample}{sample}{parts.after_sample}')


_ROLES = pa.array(["system", "user", "assistant"], type=pa.string())


def columns_table(ids: list[str], users: list[str], answers: list[str], system_prompt: str,
                  sample_ids: list[int | None], source_rows: list[int], sources: list[tuple[Any, ...]]) -> pa.Table:
    """A pyarrow table of ARROW_SCHEMA from columns, built by arrow's kernels rather than row by row.

    Row i has the messages (system_prompt,) users[i], answers[i], and the metadata ``sources[source_rows[i]]``
    (:func:`metadata_prefix` then the licence) with ``sample_ids[i]`` in its place.
    """
    n = len(ids)
    turns = [pa.array(users, type=pa.string()), pa.array(answers, type=pa.string())]
    starts = [0, n]
    if system_prompt:
        turns.insert(0, pa.array([system_prompt], type=pa.string()))
        starts = [0, 1, 1 + n]
    m = len(turns)
    rows = np.arange(n, dtype=np.int64)
    # each row's turns, one after the other: the system prompt repeats, users and answers take row i
    order = np.empty((n, m), dtype=np.int64)
    for turn, start in enumerate(starts):
        order[:, turn] = start if (system_prompt and turn == 0) else start + rows
    contents = pa.concat_arrays(turns).take(pa.array(order.ravel()))
    roles = _ROLES.take(pa.array(np.tile(np.arange(3 - m, 3, dtype=np.int64), n)))
    messages = pa.ListArray.from_arrays(
        pa.array(np.arange(0, m * (n + 1), m, dtype=np.int32)),
        pa.StructArray.from_arrays([roles, contents], fields=list(MESSAGE_TYPE)),
        type=pa.list_(MESSAGE_TYPE),
    )
    fields = list(METADATA_TYPE)
    picks = pa.array(source_rows, type=pa.int64())
    shared = [f for f in fields if f.name != "sample_id"]
    shared_columns = {
        f.name: pa.array([source[i] for source in sources], type=f.type).take(picks) for i, f in enumerate(shared)
    }
    columns = [pa.array(sample_ids, type=f.type) if f.name == "sample_id" else shared_columns[f.name] for f in fields]
    meta = pa.StructArray.from_arrays(columns, fields=fields)
    return pa.Table.from_arrays([pa.array(ids, type=pa.string()), messages, meta], schema=ARROW_SCHEMA)
