"""Stage 1 of a build: stream the rows of a release, seed examples first, then kept samples, leaf by leaf."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection
from django.db.models import F
from django.db.models.functions import Collate

from contrib.releases.build.leaves import ReleaseLeaf
from contrib.releases.formats.rows import Provenance, SourceRow
from contrib.synth.models import Sample

#: Rows fetched from the server-side cursor at a time: memory stays flat whatever the number of samples.
CHUNK_SIZE = 5000

SAMPLE_FIELDS = ("pk", "leaf_revision_id", "run_id", "stage", "index", "pipeline", "pipeline_version",
                 "teacher_model", "question", "answer", "context")


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
        pipeline_version=pipeline_version, run_id=run_id, origin=origin, license=leaf.license,
    )


def collect(leaves: Sequence[ReleaseLeaf], run_ids: Sequence[int], *, include_seed_examples: bool
            ) -> Iterator[tuple[ReleaseLeaf, SourceRow]]:
    """Every candidate row, in one deterministic order: by leaf path, seeds then samples by (stage, index, run)."""
    by_revision = {leaf.revision_id: leaf for leaf in leaves}
    samples = (
        Sample.objects.filter(run_id__in=list(run_ids), kept=True, leaf_revision_id__in=list(by_revision))
        .order_by(_binary("leaf_path"), _binary("stage"), "index", "run_id", "pk")
        .values_list(*SAMPLE_FIELDS)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    pending = next(samples, None)
    for leaf in leaves:
        if include_seed_examples:
            seed = provenance(leaf, origin="seed")
            for question, answer, context in seed_rows(leaf):
                yield leaf, SourceRow(question=question, answer=answer, context=context, kind=leaf.kind,
                                      provenance=seed, sample_id=None)
        cache: dict[tuple[Any, ...], Provenance] = {}
        while pending is not None and by_revision[pending[1]].path == leaf.path:
            pk, _rev, run_id, _stage, _index, pipeline, pipeline_version, teacher_model, q, a, c = pending
            key = (run_id, pipeline, pipeline_version, teacher_model)
            prov = cache.get(key)
            if prov is None:
                prov = cache[key] = provenance(leaf, origin="synthetic", teacher_model=teacher_model,
                                                pipeline=pipeline, pipeline_version=pipeline_version, run_id=run_id)
            yield leaf, SourceRow(question=q, answer=a, context=c, kind=leaf.kind, provenance=prov, sample_id=pk)
            pending = next(samples, None)
    if pending is not None:  # the database ordered paths differently from Python: a bug, never silent
        raise RuntimeError(f"sample {pending[0]} of {by_revision[pending[1]].path} was left out of the path order")
