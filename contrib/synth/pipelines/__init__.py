"""The generation pipelines, one per leaf kind, each with a name and a version recorded on every sample."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from contrib.synth.choices import FilterReason
from contrib.synth.pipelines.base import Batch, Caller, ClientLike, Pipeline, RunStopped, SampleDraft, Usage
from contrib.synth.pipelines.dedup import fingerprint
from contrib.synth.pipelines.knowledge import Knowledge, knowledge_chunks
from contrib.synth.pipelines.skills import FreeformSkills, GroundedSkills

PIPELINES: dict[str, Pipeline] = {
    "freeform_skill": FreeformSkills(),
    "grounded_skill": GroundedSkills(),
    "knowledge": Knowledge(),
}


def pipeline_for(kind: str) -> Pipeline:
    try:
        return PIPELINES[kind]
    except KeyError:
        raise ValueError(f"No pipeline for leaf kind {kind!r}: expected one of {', '.join(PIPELINES)}.") from None


def pipeline_versions() -> dict[str, str]:
    return {p.name: p.version for p in PIPELINES.values()}


def drop_duplicates(drafts: Sequence[SampleDraft], seen: set[str]) -> None:
    """Filter kept drafts whose normalised question and answer were already ``seen``; adds the new ones."""
    for draft in drafts:
        if not draft.kept:
            continue
        key = fingerprint(draft.question, draft.answer)
        if key in seen:
            draft.filter(FilterReason.DUPLICATE)
        else:
            seen.add(key)


@dataclass
class LeafResult:
    """What a pipeline made of one leaf: the drafts, by index, and the teacher usage."""

    drafts: list[SampleDraft] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


async def generate_leaf(
    client: ClientLike, data: dict[str, Any], *, kind: str, scale: int, rng: random.Random,
    documents: Sequence[str] = (),
) -> LeafResult:
    """Run the pipeline of ``kind`` over one leaf's parsed qna data: every batch at once, duplicates dropped."""
    pipeline = pipeline_for(kind)
    caller = Caller(client)
    batches = pipeline.batches(data, documents=documents, scale=scale, rng=rng)
    results = await asyncio.gather(*(pipeline.run_batch(caller, data, b) for b in batches))
    drafts = [d for batch in results for d in batch]
    drop_duplicates(drafts, set())
    return LeafResult(drafts=drafts, usage=caller.usage)


__all__ = [
    "PIPELINES",
    "Batch",
    "Caller",
    "FreeformSkills",
    "GroundedSkills",
    "Knowledge",
    "LeafResult",
    "RunStopped",
    "SampleDraft",
    "drop_duplicates",
    "generate_leaf",
    "knowledge_chunks",
    "pipeline_for",
    "pipeline_versions",
]
