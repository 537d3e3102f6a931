"""Writes of generation, one service a verb: configure and check teachers, create and cancel runs."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from contrib.submissions.models import Revision
from contrib.synth.choices import RUN_FINISHED, JobStatus, RunScope, RunStatus
from contrib.synth.clients import client_for
from contrib.synth.exceptions import RunFinished, RunInvalid, TeacherInvalid
from contrib.synth.models import GenerationRun, LeafJob, Teacher
from taxonomy.models import TaxonomyVersion

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
#: Previews are small by design: a contributor sees what their examples make, not a dataset.
PREVIEW_MAX_SCALE = 5
MAX_SCALE = 1000


def teacher_configure(
    *, name: str, base_url: str, model: str, api_key_env: str = "", max_concurrency: int = 8, timeout: float = 60,
    enabled: bool = True,
) -> Teacher:
    """Create or update the teacher ``name``; ``api_key_env`` is the NAME of an environment variable, never a key."""
    errors: dict[str, list[Any]] = {}
    name, base_url, model, api_key_env = name.strip(), base_url.strip(), model.strip(), api_key_env.strip()
    if not name:
        errors["name"] = ["Give the teacher a name, such as vllm-mixtral."]
    if not base_url.startswith(("http://", "https://")):
        errors["base_url"] = ["Give the server's http(s) URL, usually ending in /v1, e.g. http://gpu-1:8000/v1."]
    if not model:
        errors["model"] = ["Give the model name the server knows, e.g. mistralai/Mixtral-8x7B-Instruct-v0.1."]
    if api_key_env and not ENV_NAME.match(api_key_env):
        errors["api_key_env"] = [
            (
                "This looks like a key, not the name of an environment variable: never store keys in Seedbed. "
                "Export the key in the workers' environment (e.g. TEACHER_API_KEY=...) and give that name."
            )
        ]
    if max_concurrency < 1:
        errors["max_concurrency"] = ["Allow at least 1 request in flight; match the teacher's parallel slots."]
    if timeout <= 0:
        errors["timeout"] = ["The timeout is in seconds and must be more than 0."]
    if errors:
        raise TeacherInvalid(errors)
    with transaction.atomic():
        teacher, _ = Teacher.objects.update_or_create(
            name=name,
            defaults={
                "base_url": base_url, "model": model, "api_key_env": api_key_env,
                "max_concurrency": max_concurrency, "timeout": float(timeout), "enabled": enabled,
            },
        )
    return teacher


def teacher_check(*, teacher: Teacher) -> str:
    """Test the connection to ``teacher``: a one-line summary, or TeacherError saying what to check."""

    async def check() -> str:
        client = client_for(teacher)
        try:
            return await client.check()
        finally:
            await client.aclose()

    return asyncio.run(check())


def generation_run_create(
    *,
    teacher: Teacher,
    scale: int,
    seed: int = 0,
    taxonomy_version: TaxonomyVersion | None = None,
    submission_revision: Revision | None = None,
    incremental_from: GenerationRun | None = None,
    created_by: Any = None,
) -> GenerationRun:
    """Record a run over a taxonomy version, or a preview of a submission revision, and start it once committed."""
    from contrib.synth.tasks import generation_run_start

    errors: dict[str, list[Any]] = {}
    if (taxonomy_version is None) == (submission_revision is None):
        message = "Give exactly one of taxonomy_version (a run) or submission_revision (a preview)."
        errors["taxonomy_version"] = [message]
        errors["submission_revision"] = [message]
    if not teacher.enabled:
        errors["teacher"] = [f"The teacher {teacher.name!r} is disabled: enable it in the admin or pick another."]
    limit = PREVIEW_MAX_SCALE if submission_revision is not None else MAX_SCALE
    if not 1 <= scale <= limit:
        kind = "a preview" if submission_revision is not None else "a run"
        errors["scale"] = [f"The scale of {kind} is samples per seed example, from 1 to {limit}."]
    if incremental_from is not None:
        if submission_revision is not None:
            errors["incremental_from"] = ["Previews are never incremental: leave incremental_from out."]
        elif incremental_from.scope != RunScope.TAXONOMY:
            errors["incremental_from"] = ["Increment from an earlier run over a taxonomy version, not a preview."]
        elif incremental_from.scale != scale or incremental_from.seed != seed:
            errors["incremental_from"] = [
                (
                    f"Run {incremental_from.pk} used scale {incremental_from.scale} and seed {incremental_from.seed}: "
                    "an incremental run reuses its samples, so use the same scale and seed (or run in full)."
                )
            ]
    if submission_revision is not None and not submission_revision.data:
        errors["submission_revision"] = ["This revision has no valid qna.yaml to generate from: fix it first."]
    if errors:
        raise RunInvalid(errors)
    with transaction.atomic():
        run = GenerationRun.objects.create(
            scope=RunScope.PREVIEW if submission_revision is not None else RunScope.TAXONOMY,
            taxonomy_version=taxonomy_version,
            submission_revision=submission_revision,
            teacher=teacher,
            scale=scale,
            seed=seed,
            incremental_from=incremental_from,
            created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
        )
        transaction.on_commit(lambda: generation_run_start.delay(run.pk))
    return run


def generation_run_cancel(*, run: GenerationRun, actor: Any = None) -> GenerationRun:
    """Cancel ``run``: its leaves stop before their next teacher request. Raises RunFinished when it is over."""
    with transaction.atomic():
        locked = GenerationRun.objects.select_for_update().get(pk=run.pk)
        if locked.status in RUN_FINISHED:
            raise RunFinished(f"Run {locked.pk} already {locked.status}; only queued or running runs can be cancelled.")
        locked.status, locked.finished_at = RunStatus.CANCELLED, timezone.now()
        locked.error = f"Cancelled by {actor.get_username()}." if getattr(actor, "is_authenticated", False) else "Cancelled."
        locked.save(update_fields=["status", "finished_at", "error", "updated_at"])
        LeafJob.objects.filter(run=locked, status=JobStatus.QUEUED).update(
            status=JobStatus.CANCELLED, finished_at=timezone.now()
        )
    return locked


__all__ = [
    "generation_run_cancel",
    "generation_run_create",
    "teacher_check",
    "teacher_configure",
]
