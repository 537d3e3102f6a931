"""Stage 1 of a build: stream the rows of a release in batches, seed examples first, then kept samples, leaf by leaf.

On PostgreSQL the samples come out of one ``COPY (SELECT ...) TO STDOUT``, parsed by psycopg's C code: the
cheapest way to read a million rows, and the same one the release benchmark's floor uses. Other databases
(the embedded SQLite) read them through a chunked Django cursor. Either way the order is the same and memory
holds one batch.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from typing import Any

from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.functions import Collate

from contrib.releases.build.leaves import ReleaseLeaf
from contrib.releases.formats.rows import Provenance
from contrib.synth.models import Sample

#: Rows handed to the later stages at a time: large enough to amortise numpy, small enough to stay flat.
BATCH_ROWS = 4096
#: Rows fetched from a Django server-side cursor at a time (the non-PostgreSQL path).
CHUNK_SIZE = 5000

SAMPLE_FIELDS = ("pk", "leaf_revision_id", "run_id", "pipeline", "pipeline_version", "teacher_model",
                 "question", "answer", "context")
#: How COPY's text output of SAMPLE_FIELDS is parsed.
COPY_TYPES = ("int8", "int8", "int8", "text", "text", "text", "text", "text", "text")


class Source:
    """What a group of rows shares: their leaf and provenance (a leaf's seeds, or its samples of one run,
    pipeline and teacher). ``kept`` counts the rows of the group the build keeps."""

    __slots__ = ("kept", "leaf", "provenance")

    def __init__(self, leaf: ReleaseLeaf, provenance: Provenance) -> None:
        self.leaf = leaf
        self.provenance = provenance
        self.kept = 0


#: One candidate row: its source, sample id (None for a seed example), question, answer and context.
Candidate = tuple[Source, int | None, str, str, str]


def _binary(field: str) -> Any:
    """Order by code point on every backend, so two databases give one order (PostgreSQL "C" = bytes = code points)."""
    if connection.vendor == "postgresql":
        return Collate(F(field), "C")
    if connection.vendor == "sqlite":
        return Collate(F(field), "BINARY")
    return F(field)


def seed_rows(leaf: ReleaseLeaf) -> Iterator[tuple[str, str, str]]:
    """The (question, answer, context) of a leaf's own seed examples, in qna.yaml order."""
    for example in leaf.data.get("seed_examples") or []:
        if not isinstance(example, dict):
            continue
        if "questions_and_answers" in example:  # knowledge: a context with several pairs
            context = str(example.get("context") or "")
            for pair in example.get("questions_and_answers") or []:
                if isinstance(pair, dict):
                    yield str(pair.get("question") or ""), str(pair.get("answer") or ""), context
        else:
            yield str(example.get("question") or ""), str(example.get("answer") or ""), str(example.get("context") or "")


def provenance(leaf: ReleaseLeaf, *, origin: str, teacher_model: str = "", pipeline: str = "",
               pipeline_version: str = "", run_id: int | None = None) -> Provenance:
    return Provenance(
        leaf_path=leaf.path, leaf_revision_sha=leaf.sha256, submission_id=leaf.submission_id,
        contributor=leaf.contributor, teacher_model=teacher_model, pipeline=pipeline,
        pipeline_version=pipeline_version, run_id=run_id, origin=origin, license=leaf.license,  # type: ignore[arg-type]
    )


def kept_samples(run_ids: Sequence[int], revision_ids: Sequence[int]) -> QuerySet[Sample]:
    """The kept samples of ``run_ids`` on the leaf revisions ``revision_ids``: what a release may include."""
    return Sample.objects.filter(run_id__in=list(run_ids), kept=True, leaf_revision_id__in=list(revision_ids))


def sample_rows(run_ids: Sequence[int], revision_ids: Sequence[int]) -> Generator[tuple[Any, ...], None, None]:
    """SAMPLE_FIELDS of the kept samples of ``run_ids`` on ``revision_ids``, by leaf path, stage, index, run, pk."""
    samples = (
        kept_samples(run_ids, revision_ids)
        .order_by(_binary("leaf_path"), _binary("stage"), "index", "run_id", "pk")
        .values_list(*SAMPLE_FIELDS)
    )
    if connection.vendor != "postgresql":
        yield from samples.iterator(chunk_size=CHUNK_SIZE)
        return
    sql, params = samples.query.sql_with_params()
    # psycopg binds the params client-side, and parses the rows in C
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
        copy.set_types(list(COPY_TYPES))
        yield from copy.rows()


def candidate_count(leaves: Sequence[ReleaseLeaf], run_ids: Sequence[int], *, include_seed_examples: bool) -> int:
    """How many rows :func:`collect` will give: one COUNT of the samples, plus the seed examples."""
    seeds = sum(1 for leaf in leaves for _ in seed_rows(leaf)) if include_seed_examples else 0
    return seeds + kept_samples(run_ids, [leaf.revision_id for leaf in leaves]).count()


def collect(leaves: Sequence[ReleaseLeaf], run_ids: Sequence[int], *, include_seed_examples: bool,
            batch_rows: int = BATCH_ROWS) -> Iterator[list[Candidate]]:
    """Every candidate row, in batches, in one deterministic order: by leaf path, seeds then samples."""
    batch: list[Candidate] = []
    append = batch.append
    for row in candidates(leaves, run_ids, include_seed_examples=include_seed_examples):
        append(row)
        if len(batch) >= batch_rows:
            yield batch
            batch = []
            append = batch.append
    if batch:
        yield batch


def candidates(leaves: Sequence[ReleaseLeaf], run_ids: Sequence[int], *, include_seed_examples: bool
               ) -> Iterator[Candidate]:
    """The rows of :func:`collect`, one at a time."""
    by_revision = {leaf.revision_id: leaf for leaf in leaves}
    samples = sample_rows(run_ids, list(by_revision))
    pending = next(samples, None)
    for leaf in leaves:
        if include_seed_examples:
            seed = Source(leaf, provenance(leaf, origin="seed"))
            for question, answer, context in seed_rows(leaf):
                yield seed, None, question, answer, context
        sources: dict[tuple[Any, ...], Source] = {}
        revision = leaf.revision_id  # one live revision per path, so a revision id stands for its path
        while pending is not None and pending[1] == revision:
            pk, _, run_id, pipeline, pipeline_version, teacher_model, question, answer, context = pending
            key = (run_id, pipeline, pipeline_version, teacher_model)
            source = sources.get(key)
            if source is None:
                source = sources[key] = Source(leaf, provenance(
                    leaf, origin="synthetic", teacher_model=teacher_model, pipeline=pipeline,
                    pipeline_version=pipeline_version, run_id=run_id,
                ))
            yield source, pk, question, answer, context
            pending = next(samples, None)
    if pending is not None:  # the database ordered paths differently from Python: a bug, never silent
        samples.close()
        raise RuntimeError(f"sample {pending[0]} of {by_revision[pending[1]].path} was left out of the path order")
