"""The release cadence end to end: a django-celery-beat schedule fires the cut task, which generates incrementally
over the newest taxonomy version on a real worker, builds the candidate and emails the maintainers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django_celery_beat.models import PeriodicTask

from contrib.celery import app
from contrib.releases.choices import ReleaseStatus
from contrib.releases.models import Release
from contrib.releases.schedules import CUT_TASK, release_schedule_set
from contrib.releases.services import release_verify
from contrib.releases.tasks import release_candidate_continue, release_candidate_cut_task
from contrib.synth.choices import JobStatus, RunStatus
from contrib.synth.models import GenerationRun, LeafJob
from contrib.synth.services import generation_run_create
from taxonomy.models import TaxonomyVersion
from tests.conftest import wait_for
from tests.submissions.factories import user_make
from tests.synth.scripted import run_scripted_teacher
from tests.synth.test_tasks import HAIKU, finished, import_starter, teacher_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SCALE = 1


def two_versions_and_a_first_run(tmp_path: Path, handle: Any) -> tuple[TaxonomyVersion, GenerationRun]:
    """Version 1 with a full run on the worker, then version 2 where only the haiku leaf changed."""
    first_version = import_starter(tmp_path)
    teacher = teacher_for(handle)
    first = finished(generation_run_create(teacher=teacher, scale=SCALE, seed=3, taxonomy_version=first_version),
                     timeout=60)
    assert first.status == RunStatus.SUCCEEDED, first.error
    head = import_starter(tmp_path, haiku_theme="a lighthouse in fog")
    assert head.number == first_version.number + 1
    return head, first


def schedule_fires(periodic: PeriodicTask) -> Any:
    """What beat does when the crontab is due: send the named task with the stored args and kwargs."""
    return app.send_task(periodic.task, args=json.loads(periodic.args), kwargs=json.loads(periodic.kwargs))


def assert_candidate(release: Release, run: GenerationRun, head: TaxonomyVersion, first: GenerationRun) -> None:
    assert run.taxonomy_version_id == head.number and run.incremental_from_id == first.pk
    jobs = {j.path: j.status for j in LeafJob.objects.filter(run=run)}
    assert jobs[HAIKU] == JobStatus.SUCCEEDED
    assert {s for p, s in jobs.items() if p != HAIKU} == {JobStatus.REUSED}
    assert release.status == ReleaseStatus.BUILT, release.error
    assert release.taxonomy_version_id == head.number
    assert list(release.runs.values_list("pk", flat=True)) == [run.pk]
    assert release.stats["rows"] > 0 and release.files.filter(name="manifest.json").exists()


def test_the_schedule_fires_the_cut_on_the_worker_which_builds_and_notifies(
    tmp_path: Path, settings: Any, request: pytest.FixtureRequest,
) -> None:
    request.getfixturevalue("celery_worker_process")
    user_make("maint", role="maintainer")
    with run_scripted_teacher(latency=0.01, slots=16, judge_fail_rate=0.0) as handle:
        head, first = two_versions_and_a_first_run(tmp_path, handle)
        periodic = release_schedule_set(name="monthly candidate", crontab="0 3 1 * *", teacher="scripted", scale=SCALE)
        periodic = PeriodicTask.objects.get(pk=periodic.pk)
        assert periodic.task == CUT_TASK == release_candidate_cut_task.name and periodic.enabled
        assert json.loads(periodic.kwargs) == {"teacher": "scripted", "scale": SCALE}
        schedule_fires(periodic)

        def settled() -> Release | None:
            release = Release.objects.filter(runs__incremental_from=first).first()
            return release if release is not None and release.status in (ReleaseStatus.BUILT, ReleaseStatus.FAILED) else None

        release = wait_for(settled, timeout=90, interval=0.5)
        log = (tmp_path / "worker.log").read_text(errors="replace")
        assert release is not None, log[-3000:]
    run = GenerationRun.objects.exclude(pk=first.pk).get()
    assert_candidate(release, run, head, first)
    # The worker emailed the maintainers (its console backend writes the message to its log).
    subject = f"[Seedbed] release candidate {release.version} built"
    assert wait_for(lambda: subject in (tmp_path / "worker.log").read_text(errors="replace"), timeout=10), log[-3000:]
    assert "To: maint@example.org" in (tmp_path / "worker.log").read_text(errors="replace")
    settings.MEDIA_ROOT = str(tmp_path / "var" / "media")
    assert release_verify(release=release).ok


def test_the_cut_task_applied_here_continues_here_and_emails_the_maintainers(
    tmp_path: Path, settings: Any, mailoutbox: list[Any], monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    """The generation runs on the worker; the cut and its continuation run in this process (``.apply()``)."""
    request.getfixturevalue("celery_worker_process")
    user_make("maint", role="maintainer")
    user_make("reader")  # not a maintainer: not emailed
    continued: list[tuple[Any, ...]] = []
    monkeypatch.setattr(release_candidate_continue, "apply_async",
                        lambda args, countdown=None, **_: continued.append(tuple(args)))
    with run_scripted_teacher(latency=0.01, slots=16, judge_fail_rate=0.0) as handle:
        head, first = two_versions_and_a_first_run(tmp_path, handle)
        release_schedule_set(name="monthly candidate", crontab="0 3 1 * *", teacher="scripted", scale=SCALE)
        periodic = PeriodicTask.objects.get(name="monthly candidate")
        run_id = release_candidate_cut_task.apply(kwargs=json.loads(periodic.kwargs)).get()
        run = GenerationRun.objects.get(pk=run_id)
        assert len(continued) == 1 and continued[0][0] == run.pk
        run = finished(run, timeout=60)
    assert run.status == RunStatus.SUCCEEDED, run.error
    status = release_candidate_continue.apply(args=continued[0]).get()
    assert status == ReleaseStatus.BUILT
    release = Release.objects.get(version=continued[0][1])
    assert_candidate(release, run, head, first)
    assert [m.to for m in mailoutbox] == [["maint@example.org"]]
    assert mailoutbox[0].subject == f"[Seedbed] release candidate {release.version} built"
    assert f"release publish {release.version}" in mailoutbox[0].body
    assert release_verify(release=release).ok
