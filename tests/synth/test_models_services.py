"""Services and selectors of generation: teachers, run creation rules, cancel, progress, and an eager run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import IntegrityError

from contrib.synth.choices import JobStatus, RunScope, RunStatus
from contrib.synth.exceptions import RunFinished, RunInvalid, TeacherInvalid
from contrib.synth.models import GenerationRun, LeafJob, Sample, Teacher
from contrib.synth.selectors import run_progress
from contrib.synth.services import (
    generation_run_cancel,
    generation_run_create,
    teacher_check,
    teacher_configure,
)
from contrib.synth.teacher.errors import TeacherError
from taxonomy.services import tree_import
from tests.conftest import REPO
from tests.synth.scripted import run_scripted_teacher

STARTER = REPO / "contrib" / "demo" / "starter"


@pytest.fixture
def version(db: None):  # type: ignore[no-untyped-def]
    result = tree_import(source=str(STARTER))
    assert result.version is not None
    return result.version


@pytest.fixture
def teacher(db: None) -> Teacher:
    return teacher_configure(name="local", base_url="http://127.0.0.1:9/v1", model="m")


@pytest.mark.django_db
def test_teacher_configure_creates_then_updates_and_never_takes_a_key() -> None:
    first = teacher_configure(name="vllm", base_url="http://gpu:8000/v1", model="a", api_key_env="VLLM_KEY")
    second = teacher_configure(name="vllm", base_url="http://gpu:8000/v1", model="b", max_concurrency=64, timeout=30)
    assert first.pk == second.pk and second.model == "b" and second.max_concurrency == 64 and second.api_key_env == ""
    with pytest.raises(TeacherInvalid) as caught:
        teacher_configure(name="x", base_url="gpu:8000", model="", api_key_env="sk-abc123-def.456", max_concurrency=0)
    assert set(caught.value.errors) == {"base_url", "model", "api_key_env", "max_concurrency"}
    assert "never store keys" in caught.value.errors["api_key_env"][0]


@pytest.mark.django_db
def test_teacher_check_reports_up_and_down() -> None:
    with run_scripted_teacher() as handle:
        up = teacher_configure(name="up", base_url=handle.base_url, model="scripted-teacher")
        assert teacher_check(teacher=up).startswith("OK")
    down = teacher_configure(name="down", base_url=handle.base_url, model="scripted-teacher", timeout=2)
    with pytest.raises(TeacherError, match="Cannot connect"):
        teacher_check(teacher=down)


@pytest.mark.django_db
def test_run_create_needs_exactly_one_scope_and_a_sane_scale(version, teacher: Teacher) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RunInvalid) as caught:
        generation_run_create(teacher=teacher, scale=0)
    assert {"taxonomy_version", "submission_revision", "scale"} <= set(caught.value.errors)
    run = generation_run_create(teacher=teacher, scale=2, seed=5, taxonomy_version=version)
    assert (run.scope, run.status, run.taxonomy_version_id) == (RunScope.TAXONOMY, RunStatus.QUEUED, version.number)
    with pytest.raises(RunInvalid, match="same scale and seed"):
        generation_run_create(teacher=teacher, scale=3, seed=5, taxonomy_version=version, incremental_from=run)
    teacher.enabled = False
    teacher.save()
    with pytest.raises(RunInvalid, match="disabled"):
        generation_run_create(teacher=teacher, scale=1, taxonomy_version=version)
    with pytest.raises(IntegrityError):
        GenerationRun.objects.create(scope=RunScope.PREVIEW, teacher=teacher, scale=1, taxonomy_version=version)


@pytest.mark.django_db
def test_cancel_and_progress(version, teacher: Teacher) -> None:  # type: ignore[no-untyped-def]
    run = generation_run_create(teacher=teacher, scale=1, taxonomy_version=version)
    assert run_progress(run)["eta_seconds"] is None and run_progress(run)["status"] == "queued"
    cancelled = generation_run_cancel(run=run, actor=None)
    assert cancelled.status == RunStatus.CANCELLED and cancelled.finished_at
    with pytest.raises(RunFinished):
        generation_run_cancel(run=cancelled, actor=None)
    assert run_progress(cancelled)["eta_seconds"] == 0.0


@pytest.fixture
def eager() -> Iterator[None]:
    from contrib.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@pytest.mark.django_db(transaction=True)
def test_an_eager_run_is_idempotent_when_its_tasks_run_again(eager: None) -> None:
    from contrib.synth import execution

    version = tree_import(source=str(STARTER)).version
    with run_scripted_teacher(slots=16, judge_fail_rate=0.0) as handle:
        teacher = teacher_configure(name="scripted", base_url=handle.base_url, model="scripted-teacher")
        run = generation_run_create(teacher=teacher, scale=1, taxonomy_version=version)
        run.refresh_from_db()
        assert run.status == RunStatus.SUCCEEDED, run.error
        samples, requests = Sample.objects.filter(run=run).count(), handle.stats()["completed"]
        # Redelivered tasks find the work done: no request, no new row, same counters.
        assert execution.run_start(run.pk) == []
        for job in LeafJob.objects.filter(run=run):
            assert execution.leaf_run(run.pk, job.pk) == "done"
        assert handle.stats()["completed"] == requests
    run.refresh_from_db()
    assert Sample.objects.filter(run=run).count() == samples == run.samples_kept + run.samples_filtered
    assert set(LeafJob.objects.filter(run=run).values_list("status", flat=True)) == {JobStatus.SUCCEEDED}
    assert run.requests_done == requests
