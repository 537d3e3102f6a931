"""Celery tasks of releases: build one (idempotent, redelivered when a worker dies) and continue a cadence cut.

A redelivered build starts a new attempt from a clean scratch directory; files are only registered
by the attempt that finishes last, in one transaction, so a killed worker never leaves a partial release.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError

from contrib.releases.choices import ReleaseStatus
from contrib.releases.exceptions import ReleaseError
from contrib.releases.models import Release

logger = logging.getLogger(__name__)

RETRY = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 4,
}


@shared_task(name="releases.release_build_run", **RETRY)
def release_build_run(self: Any, release_id: int) -> str:
    """Build the release if it is still waiting for a build; returns its status."""
    from contrib.releases.services import release_build

    release = Release.objects.filter(pk=release_id).first()
    if release is None or release.status != ReleaseStatus.BUILDING:
        return "skipped"
    try:
        release_build(release=release)
    except (OperationalError, InterfaceError):
        raise
    except Exception:  # the service recorded the failure on the release; the worker log keeps the traceback
        logger.exception("Release %s failed to build", release.version)
        return ReleaseStatus.FAILED
    release.refresh_from_db()
    return release.status


@shared_task(name="releases.release_candidate_cut", bind=True)
def release_candidate_cut_task(self: Any, teacher: str, scale: int = 1) -> int:
    """The scheduled cut (set in django-celery-beat with kwargs {"teacher": NAME, "scale": N}); returns the run id."""
    from contrib.releases.services import release_candidate_cut
    from contrib.synth.models import Teacher

    return release_candidate_cut(teacher=Teacher.objects.get(name=teacher), scale=scale).pk


@shared_task(name="releases.release_candidate_continue", bind=True, acks_late=True, max_retries=None)
def release_candidate_continue(self: Any, run_id: int, version: str, actor_id: int | None = None) -> str:
    """Wait for the candidate's generation run, then build the release and notify the maintainers."""
    from contrib.releases.services import release_build, release_create
    from contrib.releases.services.cadence import maintainers_notify
    from contrib.synth.choices import RunStatus
    from contrib.synth.models import GenerationRun

    run = GenerationRun.objects.get(pk=run_id)
    if run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
        raise self.retry(countdown=30)
    if run.status != RunStatus.SUCCEEDED:
        logger.warning("Release candidate %s: run %s %s, nothing built.", version, run_id, run.status)
        return "run-" + run.status
    release = Release.objects.filter(version=version).first()
    if release is None:
        assert run.taxonomy_version_id is not None  # a cadence run is of a taxonomy version, never a preview
        actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
        release = release_create(version=version, taxonomy_version=run.taxonomy_version_id, runs=[run.pk],
                                 config=None, created_by=actor)
    if release.status in (ReleaseStatus.DRAFT, ReleaseStatus.FAILED, ReleaseStatus.BUILDING):
        try:
            release_build(release=release)
        except ReleaseError:
            pass
        except Exception:
            logger.exception("Release candidate %s failed to build", version)
        release.refresh_from_db()
    maintainers_notify(release)
    return release.status
