"""Reads of generation: a run's live progress and ETA, and its samples."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from contrib.synth.choices import RunStatus
from contrib.synth.models import GenerationRun, Sample


def run_progress(run: GenerationRun) -> dict[str, Any]:
    """Status, requests done and total, samples kept and filtered (by reason), tokens, and an ETA in seconds."""
    eta: float | None = None
    if run.status == RunStatus.RUNNING and run.started_at and run.requests_done:
        elapsed = (timezone.now() - run.started_at).total_seconds()
        remaining = max(run.requests_total - run.requests_done, 0)
        eta = round(remaining * elapsed / run.requests_done, 1)
    elif run.status != RunStatus.QUEUED and run.status != RunStatus.RUNNING:
        eta = 0.0
    return {
        "status": run.status,
        "requests_done": run.requests_done,
        "requests_total": run.requests_total,
        "samples_kept": run.samples_kept,
        "samples_filtered": run.samples_filtered,
        "filtered_by_reason": dict(run.filtered_by_reason or {}),
        "tokens_in": run.tokens_in,
        "tokens_out": run.tokens_out,
        "eta_seconds": eta,
    }


def run_samples(run: GenerationRun, *, kept: bool | None = None, leaf: str | None = None) -> QuerySet[Sample]:
    """The run's samples by leaf and index, optionally only kept (or filtered) ones, or one leaf's."""
    qs = Sample.objects.filter(run=run).order_by("leaf_path", "index")
    if kept is not None:
        qs = qs.filter(kept=kept)
    if leaf:
        qs = qs.filter(leaf_path=leaf.strip().strip("/"))
    return qs
