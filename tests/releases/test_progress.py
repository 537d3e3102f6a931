"""Build progress: what a build records on its release row, how the page reads it, and who may poll it."""

from __future__ import annotations

from typing import Any

import pytest

from contrib.releases.choices import BuildStage, ReleaseStatus
from contrib.releases.models import Release
from contrib.releases.selectors import release_progress
from contrib.releases.services import release_build, release_build_enqueue, release_create
from contrib.releases.services.builds import ProgressRecorder
from tests.releases.factories import HAIKU, MERGED, distinct_pairs, planted_run, world_make
from tests.releases.test_views import client_for, people, release_make  # noqa: F401 - people is a fixture

pytestmark = pytest.mark.django_db(transaction=True)  # the recorder writes through a connection of its own


#: More rows than one batch, so progress is written while the samples' COPY is still streaming.
ROWS_PER_LEAF = 3_000


def test_a_build_counts_its_rows_first_and_records_each_stage_it_reaches(monkeypatch: pytest.MonkeyPatch) -> None:
    world = world_make()
    run = planted_run(world.version, {HAIKU: distinct_pairs("h", ROWS_PER_LEAF), MERGED: distinct_pairs("m", ROWS_PER_LEAF)})
    release = release_create(version="2026.11.0", taxonomy_version=world.version.number, runs=[run.pk],
                             config={"include_seed_examples": True}, created_by=None)
    seen: list[dict[str, Any]] = []

    class Watching(ProgressRecorder):
        def __init__(self, release_id: int, attempt: int) -> None:
            super().__init__(release_id, attempt, interval=0)  # every batch, to see rows pass mid-COPY

        def _write(self, progress: dict[str, Any]) -> None:
            super()._write(progress)
            # read back on the connection that wrote it: the build's own is busy with the COPY
            seen.append(dict(Release.objects.get(pk=self.release_id).progress))

    # the real recorder, watched: what it wrote is read back from the database after every call
    monkeypatch.setattr("contrib.releases.services.builds.ProgressRecorder", Watching)
    release_build(release=release)
    release.refresh_from_db()
    considered = release.stats["considered"]
    assert considered > 2 * ROWS_PER_LEAF  # the seed examples of every live leaf, then the planted samples
    stages = [p["stage"] for p in seen]
    assert stages == sorted(stages, key=list(BuildStage.values).index)  # in order
    assert set(stages) == set(BuildStage.values)
    assert seen[0] == {"stage": "counting", "rows_done": 0, "rows_total": None}
    rows = [p["rows_done"] for p in seen if p["stage"] == BuildStage.ROWS]
    assert len(rows) >= 2 and rows == sorted(rows) and rows[0] < considered  # written while rows still came
    # the count made before the rows are read is exactly the rows the build then considered
    assert all(p["rows_total"] == considered for p in seen[1:])
    assert seen[-1]["rows_done"] == considered
    # the row stays as the build left it; the page shows none of it once built
    assert release.status == ReleaseStatus.BUILT and release_progress(release)["percent"] == 100


def test_a_superseded_attempt_writes_no_progress() -> None:
    release = release_make("2026.1.0", ReleaseStatus.BUILDING, files=False, build_attempt=2)
    ProgressRecorder(release.pk, attempt=1)(BuildStage.ROWS, 10)
    ProgressRecorder(release.pk, attempt=2)(BuildStage.ROWS, 20)
    release.refresh_from_db()
    assert release.progress == {"stage": "rows", "rows_done": 20, "rows_total": None}


def test_the_recorder_writes_a_stage_at_once_and_its_rows_at_most_once_an_interval() -> None:
    release = release_make("2026.1.0", ReleaseStatus.BUILDING, files=False, build_attempt=1)
    recorder = ProgressRecorder(release.pk, 1, interval=3600)
    recorder.rows_total = 100
    recorder(BuildStage.ROWS, 10)
    recorder(BuildStage.ROWS, 50)  # within the interval: not written
    release.refresh_from_db()
    assert release.progress["rows_done"] == 10
    recorder(BuildStage.FILES, 100)  # a new stage: written at once
    release.refresh_from_db()
    assert release.progress == {"stage": "files", "rows_done": 100, "rows_total": 100}


@pytest.mark.parametrize(
    ("status", "progress", "percent", "label"),
    [
        (ReleaseStatus.BUILDING, {}, 0, "Waiting for a worker"),
        (ReleaseStatus.BUILDING, {"stage": "counting", "rows_done": 0, "rows_total": None}, 0, "Counting the rows"),
        (ReleaseStatus.BUILDING, {"stage": "rows", "rows_done": 500, "rows_total": 1000}, 45,
         "Deduplicating, splitting and writing rows"),
        (ReleaseStatus.BUILDING, {"stage": "rows", "rows_done": 1000, "rows_total": 1000}, 90,
         "Deduplicating, splitting and writing rows"),
        (ReleaseStatus.BUILDING, {"stage": "storing", "rows_done": 1000, "rows_total": 1000}, 98, "Storing the files"),
        (ReleaseStatus.BUILDING, {"stage": "gone-stage", "rows_done": 3, "rows_total": 9}, 30, "Waiting for a worker"),
        (ReleaseStatus.BUILT, {"stage": "storing", "rows_done": 9, "rows_total": 9}, 100, "Waiting for a worker"),
        (ReleaseStatus.FAILED, {"stage": "rows", "rows_done": 3, "rows_total": 9}, 0, "Waiting for a worker"),
    ],
)
def test_release_progress(status: str, progress: dict[str, Any], percent: int, label: str) -> None:
    release = Release(version="1.0.0", status=status, progress=progress)
    got = release_progress(release)
    assert (got["status"], got["percent"]) == (status, percent)
    if status == ReleaseStatus.BUILDING:
        assert got["stage_label"] == label
    else:
        assert got["stage"] == "" and got["rows_done"] == 0  # a finished build's progress is not shown


def test_enqueueing_a_build_starts_its_progress_afresh() -> None:
    release = release_make("2026.1.0", ReleaseStatus.FAILED, files=False,
                           progress={"stage": "rows", "rows_done": 5, "rows_total": 9})
    release_build_enqueue(release=release)
    release.refresh_from_db()
    assert release.status == ReleaseStatus.BUILDING and release.progress == {}


def test_progress_json_is_for_those_who_may_see_the_release(people: dict[str, Any]) -> None:  # noqa: F811
    release_make("2026.1.0", ReleaseStatus.BUILDING, files=False,
                 progress={"stage": "rows", "rows_done": 5, "rows_total": 10})
    url = "/releases/2026.1.0/progress.json"
    answer = client_for(people["maintainer"]).get(url)
    assert answer.status_code == 200
    assert answer.json() == {"status": "building", "stage": "rows", "stage_label": "Deduplicating, splitting and writing rows",
                             "rows_done": 5, "rows_total": 10, "percent": 45}
    assert client_for(people["contributor"]).get(url).status_code == 404
    assert client_for(people["anonymous"]).get(url).status_code == 404
    assert client_for(people["maintainer"]).post(url).status_code == 405
    assert client_for(people["maintainer"]).get("/releases/9.9.9/progress.json").status_code == 404
