"""Release builds on a real Celery worker over Redis and PostgreSQL, including a worker SIGKILLed mid-build."""

from __future__ import annotations

import hashlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Count

from contrib.releases.choices import ReleaseStatus
from contrib.releases.models import Release, ReleaseFile
from contrib.releases.services import release_build_enqueue, release_create, release_verify
from contrib.releases.storage import OBJECTS, release_storage
from tests.conftest import wait_for
from tests.releases.factories import ANTONYMS, COMPOST, HAIKU, MERGED, distinct_pairs, planted_run, world_make
from tests.workers import private_queue, worker_start

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

#: Enough planted samples that a build takes seconds on a worker, so it can be killed in the middle.
FAULT_ROWS_PER_LEAF = 12_000


def state_of(release: Release) -> tuple[str, int, int]:
    """(status, build attempt, ReleaseFile rows) read in ONE statement, so one snapshot of the database."""
    row = (Release.objects.filter(pk=release.pk).annotate(n=Count("files"))
           .values_list("status", "build_attempt", "n").get())
    return row[0], row[1], row[2]


def assert_stored_and_verified(release: Release, media: Path) -> None:
    """Every file's stored bytes match its sha256 and size, the manifest verifies, and nothing else is stored."""
    release.refresh_from_db()
    assert release.status == ReleaseStatus.BUILT, release.error
    files = list(ReleaseFile.objects.filter(release=release))
    assert {f.name for f in files} >= {"README.md", "manifest.json", "build_report.jsonl"}
    assert any(f.kind == "parquet" for f in files)
    for file in files:
        data = (media / file.storage_name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == file.sha256 and len(data) == file.bytes, file.name
    result = release_verify(release=release)
    assert result.ok, result.problems
    # No object of a killed or superseded attempt was stored beside the registered ones.
    stored = {p.name for p in (media / OBJECTS).iterdir()}
    assert stored == {f.sha256 for f in files}


def media_of_worker(settings: Any, media: Path) -> None:
    """Read release files where the worker stored them."""
    settings.MEDIA_ROOT = str(media)
    assert Path(release_storage().path(OBJECTS)) == media / OBJECTS


# ------------------------------------------------------------------------------------------- plain build


def test_an_enqueued_build_runs_on_the_worker_and_is_built(
    tmp_path: Path, settings: Any, request: pytest.FixtureRequest,
) -> None:
    request.getfixturevalue("celery_worker_process")
    world = world_make()
    run = planted_run(world.version, {HAIKU: distinct_pairs("haiku", 30), MERGED: distinct_pairs("fable", 20),
                                      ANTONYMS: distinct_pairs("antonym", 25)})
    release = release_create(version="2026.11.0", taxonomy_version=world.version.number, runs=[run.pk],
                             config={"test_fraction": 0.3}, created_by=None)
    release = release_build_enqueue(release=release)
    assert release.status == ReleaseStatus.BUILDING

    def built() -> bool:
        status, _attempt, n = state_of(release)
        assert status == ReleaseStatus.BUILT or n == 0, f"{n} files while {status}"
        return status in (ReleaseStatus.BUILT, ReleaseStatus.FAILED)

    assert wait_for(built, timeout=60), "the worker did not finish the build in 60 s"
    release.refresh_from_db()
    assert release.status == ReleaseStatus.BUILT and release.build_attempt == 1, release.error
    assert release.stats["rows"] > 0
    media_of_worker(settings, tmp_path / "var" / "media")
    assert_stored_and_verified(release, tmp_path / "var" / "media")
    assert not (tmp_path / "var" / "release-scratch" / f"release-{release.pk}").exists()


# ------------------------------------------------------------------------------------------- SIGKILL




@pytest.fixture
def own_workers(redis_url: str, transactional_db: None, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A private queue and the environment of workers this test starts, kills and replaces."""
    # A killed worker's unacknowledged task comes back after 2 s instead of an hour.
    with private_queue(redis_url, tmp_path, CELERY_VISIBILITY_TIMEOUT="2", MEDIA_ROOT=str(tmp_path / "worker-media"),
                       SEEDBED_RELEASE_SCRATCH=str(tmp_path / "worker-scratch")) as workers:
        yield workers


def test_a_worker_killed_mid_build_is_replaced_and_the_build_completes_cleanly(
    tmp_path: Path, settings: Any, own_workers: dict[str, Any],
) -> None:
    world = world_make()
    rows = {path: distinct_pairs(path.rsplit("/", 1)[-1], FAULT_ROWS_PER_LEAF) for path in (HAIKU, MERGED, ANTONYMS)}
    rows[COMPOST] = distinct_pairs("compost", 200)
    run = planted_run(world.version, rows)
    release = release_create(version="2026.11.0", taxonomy_version=world.version.number, runs=[run.pk],
                             config={"test_fraction": 0.3}, created_by=None)
    scratch = tmp_path / "worker-scratch" / f"release-{release.pk}"
    media = tmp_path / "worker-media"
    seen: list[tuple[str, int, int]] = []

    def observe() -> tuple[str, int, int]:
        state = state_of(release)
        seen.append(state)
        status, _attempt, n = state
        assert status == ReleaseStatus.BUILT or n == 0, f"{n} ReleaseFile rows while the release is {status}"
        return state

    first = worker_start(own_workers["queue"], tmp_path / "worker-1.log", own_workers["env"])
    own_workers["procs"].append(first)
    release_build_enqueue(release=release)

    # Kill the worker once attempt 1 has started writing rows into its scratch directory.
    def writing() -> bool:
        observe()
        jsonl = scratch / "attempt-1" / "skills" / "train.jsonl"
        return jsonl.exists() and jsonl.stat().st_size > 0

    assert wait_for(writing, timeout=60, interval=0.05), (tmp_path / "worker-1.log").read_text()[-3000:]
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    status, attempt, n = observe()
    assert (status, attempt, n) == (ReleaseStatus.BUILDING, 1, 0), "the kill came after the build finished"
    assert (scratch / "attempt-1").is_dir()  # the killed attempt's leftovers
    assert not (media / OBJECTS).exists() or not any((media / OBJECTS).iterdir())

    second = worker_start(own_workers["queue"], tmp_path / "worker-2.log", own_workers["env"])
    own_workers["procs"].append(second)

    def done() -> bool:
        status, _attempt, _n = observe()
        return status in (ReleaseStatus.BUILT, ReleaseStatus.FAILED)

    assert wait_for(done, timeout=180, interval=0.1), (tmp_path / "worker-2.log").read_text()[-3000:]
    release.refresh_from_db()
    assert release.status == ReleaseStatus.BUILT, release.error
    # Redelivered to the new worker, which ran a second attempt from a clean scratch directory.
    assert release.build_attempt == 2
    assert "releases.release_build_run" in (tmp_path / "worker-2.log").read_text()
    assert not scratch.exists(), "the killed attempt's scratch directory was left behind"
    assert {s[0] for s in seen} <= {ReleaseStatus.BUILDING, ReleaseStatus.BUILT}
    assert all(n == 0 for status, _a, n in seen if status != ReleaseStatus.BUILT)
    assert release.stats["considered"] >= 3 * FAULT_ROWS_PER_LEAF
    settings.MEDIA_ROOT = str(media)
    assert_stored_and_verified(release, media)
