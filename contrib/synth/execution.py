"""The work of a generation run, as the Celery tasks do it: fan out over leaves, generate, store, finish."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from typing import Any

from asgiref.sync import sync_to_async
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from contrib.synth.choices import JOB_FINISHED, JobStatus, RunStatus
from contrib.synth.clients import client_for
from contrib.synth.leaves import LeafSpec, job_leaf, run_leaves
from contrib.synth.models import GenerationRun, LeafJob, Sample
from contrib.synth.pipelines import (
    Batch,
    Caller,
    RunStopped,
    SampleDraft,
    drop_duplicates,
    pipeline_for,
    pipeline_versions,
)
from contrib.synth.pipelines.base import Usage
from contrib.synth.pipelines.dedup import fingerprint
from contrib.synth.teacher.errors import TeacherError

logger = logging.getLogger(__name__)

#: Seconds between checks of the run's status while a leaf generates, so a cancel stops it promptly.
STOP_POLL_SECONDS = 0.25


def sample_key(run_id: int, leaf_sha: str, stage: str, index: int) -> str:
    return f"{run_id}:{leaf_sha}:{stage}:{index}"


def leaf_rng(run: GenerationRun, leaf_sha: str) -> random.Random:
    """The sampling of one leaf depends on the run's seed and the leaf's content only, never on order."""
    return random.Random(f"{run.seed}:{leaf_sha}")


def leaf_batches(run: GenerationRun, leaf: LeafSpec) -> list[Batch]:
    return pipeline_for(leaf.kind).batches(leaf.data, documents=leaf.documents, scale=run.scale,
                                          rng=leaf_rng(run, leaf.sha256))


# ---------------------------------------------------------------------------------------------- start


def run_start(run_id: int) -> list[int]:
    """Mark the run running, make one leaf job per leaf, reuse unchanged leaves; return the jobs to generate.

    Idempotent: a redelivered start finds its jobs made and returns those not finished.
    """
    with transaction.atomic():
        run = GenerationRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            return []
        leaves = run_leaves(run)
        existing = {j.path: j for j in LeafJob.objects.filter(run=run)}
        estimate = 0
        for leaf in leaves:
            job = existing.get(leaf.path)
            if job is None:
                total = sum(pipeline_for(leaf.kind).requests_estimate(b) for b in leaf_batches(run, leaf))
                job = LeafJob.objects.create(
                    run=run, leaf_revision_id=leaf.leaf_revision_id, path=leaf.path, kind=leaf.kind,
                    leaf_sha256=leaf.sha256, requests_total=total,
                )
                if run.incremental_from_id is not None:
                    _reuse(run, job)
                existing[leaf.path] = job
            if job.status != JobStatus.REUSED:
                estimate += job.requests_total
        if run.status == RunStatus.QUEUED:
            run.status, run.started_at = RunStatus.RUNNING, timezone.now()
        run.pipelines = pipeline_versions()
        run.requests_total = estimate
        run.save(update_fields=["status", "started_at", "pipelines", "requests_total", "updated_at"])
        pending = [j.pk for j in existing.values() if j.status not in JOB_FINISHED]
        if not pending:
            transaction.on_commit(lambda: run_finalize(run_id))
    return pending


def _reuse(run: GenerationRun, job: LeafJob) -> None:
    """Copy the samples of the same leaf revision from the run this one increments; no teacher involved."""
    earlier = (
        LeafJob.objects.filter(
            run_id=run.incremental_from_id, path=job.path, leaf_sha256=job.leaf_sha256,
            status__in=[JobStatus.SUCCEEDED, JobStatus.REUSED],
        ).first()
    )
    if earlier is None:
        return
    copies = []
    for sample in Sample.objects.filter(leaf_job=earlier).order_by("index"):
        sample.pk = None
        sample.run_id, sample.leaf_job_id, sample.reused = run.pk, job.pk, True
        sample.idempotency_key = sample_key(run.pk, job.leaf_sha256, sample.stage, sample.index)
        sample.tokens_in = sample.tokens_out = 0
        sample.latency = 0.0
        copies.append(sample)
    Sample.objects.bulk_create(copies, ignore_conflicts=True)
    kept = sum(1 for s in copies if s.kept)
    job.status = JobStatus.REUSED
    job.reused_from_id = earlier.reused_from_id or earlier.run_id
    job.samples_kept, job.samples_filtered = kept, len(copies) - kept
    job.requests_total = 0
    job.finished_at = timezone.now()
    job.save()
    GenerationRun.objects.filter(pk=run.pk).update(
        samples_kept=F("samples_kept") + kept, samples_filtered=F("samples_filtered") + len(copies) - kept
    )


# ---------------------------------------------------------------------------------------------- one leaf


def leaf_run(run_id: int, job_id: int) -> str:
    """Generate the leaf job's missing batches; samples already stored (by key) are never generated again."""
    run = GenerationRun.objects.select_related("teacher").filter(pk=run_id).first()
    job = LeafJob.objects.filter(pk=job_id, run_id=run_id).first()
    if run is None or job is None:
        return "missing"
    if job.status in JOB_FINISHED:
        run_finalize(run_id)
        return "done"
    if run.status != RunStatus.RUNNING:
        _job_finish(job_id, JobStatus.CANCELLED)
        run_finalize(run_id)
        return "stopped"
    LeafJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(status=JobStatus.RUNNING, started_at=timezone.now())
    leaf = job_leaf(run, job.leaf_revision_id)
    stored = set(Sample.objects.filter(leaf_job_id=job_id).values_list("idempotency_key", flat=True))
    pending = [
        b for b in leaf_batches(run, leaf)
        if not all(sample_key(run_id, leaf.sha256, b.stage, i) in stored for i in b.indexes)
    ]
    try:
        asyncio.run(_generate(run, job, leaf, pending))
    except RunStopped:
        _job_finish(job_id, JobStatus.CANCELLED)
        run_finalize(run_id)
        return "stopped"
    except TeacherError as exc:
        message = f"Leaf {leaf.path}: {exc}"
        logger.warning("Generation run %s failed: %s", run_id, message)
        _job_finish(job_id, JobStatus.FAILED, error=str(exc))
        run_fail(run_id, message)
        return "failed"
    except (OperationalError, InterfaceError):
        raise  # the task retries these
    except Exception as exc:
        # A bug must not leave the run "running" forever: fail it visibly, and let the worker log the traceback.
        _job_finish(job_id, JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        run_fail(run_id, f"Leaf {leaf.path}: internal error {type(exc).__name__}: {exc}")
        raise
    _job_finish(job_id, JobStatus.SUCCEEDED)
    run_finalize(run_id)
    return "succeeded"


async def _generate(run: GenerationRun, job: LeafJob, leaf: LeafSpec, batches: Sequence[Batch]) -> None:
    pipeline = pipeline_for(leaf.kind)
    stopped = asyncio.Event()

    def status_now() -> str | None:
        return GenerationRun.objects.filter(pk=run.pk).values_list("status", flat=True).first()

    async def watch() -> None:
        while not stopped.is_set():
            if await sync_to_async(status_now)() != RunStatus.RUNNING:
                stopped.set()
                return
            await asyncio.sleep(STOP_POLL_SECONDS)

    meta = {
        "pipeline": pipeline.name, "pipeline_version": pipeline.version,
        "teacher_name": run.teacher.name, "teacher_model": run.teacher.model,
    }
    client = client_for(run.teacher)

    async def one(batch: Batch) -> None:
        caller = Caller(client, should_stop=stopped.is_set)
        drafts = await pipeline.run_batch(caller, leaf.data, batch)
        await sync_to_async(batch_store)(run.pk, job.pk, leaf, drafts, caller.usage, meta)

    watcher = asyncio.create_task(watch())
    try:
        async with asyncio.TaskGroup() as group:
            for batch in batches:
                group.create_task(one(batch))
    except BaseExceptionGroup as group_error:
        raise _first(group_error) from None
    finally:
        stopped.set()
        watcher.cancel()
        await client.aclose()
        # The ORM calls above ran on asgiref's worker thread: close its connection, or it outlives the task.
        await sync_to_async(_close_connection)()


def _close_connection() -> None:
    connection.close()


def _first(group_error: BaseExceptionGroup[Any]) -> BaseException:
    """The error to report from a failed task group: a teacher error before a stop, a stop before others."""
    flat: list[BaseException] = []

    def walk(error: BaseException) -> None:
        if isinstance(error, BaseExceptionGroup):
            for inner in error.exceptions:
                walk(inner)
        else:
            flat.append(error)

    walk(group_error)
    for kind in (TeacherError, RunStopped):
        for error in flat:
            if isinstance(error, kind):
                return error
    return flat[0]


def batch_store(run_id: int, job_id: int, leaf: LeafSpec, drafts: Sequence[SampleDraft], usage: Usage,
                meta: dict[str, str]) -> None:
    """Store one batch's samples and count them; a batch stored before (by key) is not counted twice."""
    with transaction.atomic():
        # The job's row lock serialises the duplicate check of one leaf across concurrent batches and workers.
        LeafJob.objects.select_for_update().filter(pk=job_id).first()
        keyed = {sample_key(run_id, leaf.sha256, d.stage, d.index): d for d in drafts}
        present = set(Sample.objects.filter(idempotency_key__in=list(keyed)).values_list("idempotency_key", flat=True))
        fresh = {k: d for k, d in keyed.items() if k not in present}
        if not fresh:
            return
        seen = set(Sample.objects.filter(leaf_job_id=job_id, kept=True).values_list("fingerprint", flat=True))
        drop_duplicates(list(fresh.values()), seen)
        Sample.objects.bulk_create(
            [
                Sample(
                    run_id=run_id, leaf_job_id=job_id, leaf_revision_id=leaf.leaf_revision_id, leaf_path=leaf.path,
                    leaf_sha256=leaf.sha256, idempotency_key=key, stage=d.stage, index=d.index,
                    question=d.question, answer=d.answer, context=d.context, stage_outputs=d.stage_outputs,
                    judge_scores=d.judge_scores, judge_rationale=d.judge_rationale, kept=d.kept,
                    filter_reason=d.filter_reason, tokens_in=d.tokens_in, tokens_out=d.tokens_out,
                    latency=round(d.latency, 4), fingerprint=fingerprint(d.question, d.answer) if d.question else "",
                    **meta,
                )
                for key, d in fresh.items()
            ],
            ignore_conflicts=True,
        )
        kept = sum(1 for d in fresh.values() if d.kept)
        filtered = len(fresh) - kept
        LeafJob.objects.filter(pk=job_id).update(
            requests_done=F("requests_done") + usage.requests,
            samples_kept=F("samples_kept") + kept,
            samples_filtered=F("samples_filtered") + filtered,
        )
        GenerationRun.objects.filter(pk=run_id).update(
            requests_done=F("requests_done") + usage.requests,
            tokens_in=F("tokens_in") + usage.tokens_in,
            tokens_out=F("tokens_out") + usage.tokens_out,
            samples_kept=F("samples_kept") + kept,
            samples_filtered=F("samples_filtered") + filtered,
            filtered_by_reason=_reasons(run_id),
            updated_at=timezone.now(),
        )


def _reasons(run_id: int) -> dict[str, int]:
    rows = Sample.objects.filter(run_id=run_id, kept=False).values_list("filter_reason").annotate(n=Count("pk"))
    return {reason: n for reason, n in rows}


# ---------------------------------------------------------------------------------------------- finish


def _job_finish(job_id: int, status: str, error: str = "") -> None:
    LeafJob.objects.filter(pk=job_id).exclude(status__in=list(JOB_FINISHED)).update(
        status=status, error=error[:2000], finished_at=timezone.now()
    )


def run_fail(run_id: int, message: str) -> None:
    """Fail the run with ``message``, unless it already finished; the other leaves stop at their next request."""
    GenerationRun.objects.filter(pk=run_id, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).update(
        status=RunStatus.FAILED, error=message, finished_at=timezone.now(), updated_at=timezone.now()
    )
    run_finalize(run_id)


def run_finalize(run_id: int) -> str | None:
    """Once every leaf job finished: settle the counters from the stored samples and the run's final status."""
    with transaction.atomic():
        run = GenerationRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            return None
        jobs = LeafJob.objects.filter(run=run)
        if run.status == RunStatus.RUNNING and jobs.exclude(status__in=list(JOB_FINISHED)).exists():
            return run.status
        if run.status in (RunStatus.CANCELLED, RunStatus.FAILED):
            jobs.exclude(status__in=list(JOB_FINISHED)).filter(status=JobStatus.QUEUED).update(
                status=JobStatus.CANCELLED, finished_at=timezone.now()
            )
        totals = Sample.objects.filter(run=run).aggregate(
            n_kept=Count("pk", filter=Q(kept=True)), n_filtered=Count("pk", filter=Q(kept=False)),
        )
        run.samples_kept, run.samples_filtered = totals["n_kept"], totals["n_filtered"]
        run.filtered_by_reason = _reasons(run_id)
        fields = ["samples_kept", "samples_filtered", "filtered_by_reason", "updated_at"]
        if run.status == RunStatus.RUNNING:
            failed = jobs.filter(status=JobStatus.FAILED).first()
            run.status = RunStatus.FAILED if failed else RunStatus.SUCCEEDED
            if failed:
                run.error = run.error or f"Leaf {failed.path}: {failed.error}"
            else:
                run.requests_total = run.requests_done
                fields.append("requests_total")
            run.finished_at = timezone.now()
            fields += ["status", "error", "finished_at"]
        run.save(update_fields=fields)
        return run.status

