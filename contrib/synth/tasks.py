"""Celery tasks of generation: start a run (fan out one task per leaf) and generate one leaf.

Both take ids, are idempotent, acknowledge late and are redelivered when a worker dies, so a killed
worker's leaf is generated again from the first batch not yet stored.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from contrib.synth import execution

RETRY = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 4,
}


@shared_task(name="synth.generation_run_start", **RETRY)
def generation_run_start(self: Any, run_id: int) -> int:
    """Make the run's leaf jobs and enqueue one leaf task for each job not finished; returns how many."""
    pending = execution.run_start(run_id)
    for job_id in pending:
        generation_leaf_run.delay(run_id, job_id)
    return len(pending)


@shared_task(name="synth.generation_leaf_run", **RETRY)
def generation_leaf_run(self: Any, run_id: int, leaf_job_id: int) -> str:
    """Generate one leaf of a run; the last leaf to finish settles the run."""
    return execution.leaf_run(run_id, leaf_job_id)
