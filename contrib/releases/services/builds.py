"""Build a release: into a scratch directory, then stored and registered in one transaction at the end."""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from contrib.releases.build.collect import candidate_count
from contrib.releases.build.finish import finish_release_dir
from contrib.releases.build.leaves import leaves_at
from contrib.releases.build.pipeline import SIGNATURES, BuildPlan, run_pipeline
from contrib.releases.choices import BuildStage, ReleaseStatus
from contrib.releases.exceptions import ReleaseImmutable, ReleaseStateError
from contrib.releases.models import Release, ReleaseFile, Takedown
from contrib.releases.storage import object_open, object_put, scratch_clear, scratch_dir

logger = logging.getLogger(__name__)

BUILDABLE = (ReleaseStatus.DRAFT, ReleaseStatus.FAILED, ReleaseStatus.BUILT, ReleaseStatus.BUILDING)


@dataclass
class FileResult:
    """One file a build wrote, as the manifest lists it."""

    name: str
    kind: str
    config_name: str
    split: str
    rows: int
    bytes: int
    sha256: str


@dataclass
class BuildResult:
    """A finished build: its directory (removed once stored), files, statistics and seconds per stage."""

    directory: Path
    files: list[FileResult]
    stats: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    registered: bool = False


class ProgressRecorder:
    """Writes a running build's progress to its release row, at most once every ``interval`` seconds and at
    every new stage, each time in one UPDATE of its own. Writes nothing once the attempt is superseded or the
    release is no longer building. Close it when the build ends.

    On PostgreSQL the build's connection is busy streaming the samples' COPY while rows are worked, so the
    UPDATE goes through a connection of the recorder's own thread. SQLite allows the write on the build's
    connection, and a second connection would wait for the build's read to end.
    """

    def __init__(self, release_id: int, attempt: int, *, interval: float = 1.0) -> None:
        self.release_id, self.attempt, self.interval = release_id, attempt, interval
        self.rows_total: int | None = None
        self._stage = ""
        self._written_at = 0.0
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="release-progress") if connection.vendor == "postgresql" else None

    def __call__(self, stage: str, rows_done: int) -> None:
        now = time.monotonic()
        if stage == self._stage and now - self._written_at < self.interval:
            return
        self._stage, self._written_at = stage, now
        progress = {"stage": stage, "rows_done": rows_done, "rows_total": self.rows_total}
        if self._thread is None:
            self._write(progress)
        else:
            self._thread.submit(self._write, progress).result()

    def _write(self, progress: dict[str, Any]) -> None:
        Release.objects.filter(pk=self.release_id, build_attempt=self.attempt, status=ReleaseStatus.BUILDING).update(
            progress=progress
        )

    def close(self) -> None:
        if self._thread is not None:
            self._thread.submit(lambda: connection.close()).result()  # the thread's own connection, read there
            self._thread.shutdown()
            self._thread = None


def _plan(release: Release, *, takedown_ids: list[int] | None, shard_rows: int | None
          ) -> tuple[BuildPlan, list[int]]:
    """What to build: for a rebuild, the takedowns and shard size the recorded build used."""
    takedowns = list(Takedown.objects.select_related("contributor").order_by("pk"))
    if takedown_ids is not None:
        takedowns = [t for t in takedowns if t.pk in set(takedown_ids)]
    previous = release.previous
    signatures = None
    if previous is not None:
        file = ReleaseFile.objects.filter(release=previous, name=SIGNATURES).first()
        if file is not None:
            signatures = lambda: object_open(file.storage_name)
    return BuildPlan(
        version=release.version,
        leaves=leaves_at(release.taxonomy_version_id, takedowns),
        run_ids=sorted(release.runs.values_list("pk", flat=True)),
        config=dict(release.config),
        shard_rows=shard_rows or settings.SEEDBED_RELEASE_SHARD_ROWS,
        previous_signatures=signatures,
        previous_version=previous.version if previous else "",
    ), [t.pk for t in takedowns]


def build_into(release: Release, out: Path, *, takedown_ids: list[int] | None = None,
               shard_rows: int | None = None, progress: ProgressRecorder | None = None) -> BuildResult:
    """Build ``release`` into the new directory ``out``; no state of the release changes but ``progress``."""
    started = time.perf_counter()
    plan, considered = _plan(release, takedown_ids=takedown_ids, shard_rows=shard_rows)
    if progress is not None:
        progress(BuildStage.COUNTING, 0)
        progress.rows_total = candidate_count(plan.leaves, plan.run_ids,
                                              include_seed_examples=bool(plan.config["include_seed_examples"]))
        plan.progress = progress
    out.mkdir(parents=True, exist_ok=False)
    planned = time.perf_counter()
    output = run_pipeline(plan, out)
    if progress is not None:
        progress(BuildStage.CARD, output.stats["considered"])
    output.stats["build"] = {"shard_rows": plan.shard_rows, "takedown_ids": considered,
                             "previous": plan.previous_version}
    piped = time.perf_counter()
    entries, diff = finish_release_dir(release, out, output, plan.leaves)
    output.stats["diff"] = diff
    files = [FileResult(**entry) for entry in entries]
    timings = {"plan": planned - started, **output.timings, "card_manifest": time.perf_counter() - piped}
    return BuildResult(directory=out, files=files, stats=output.stats, timings=timings)


def release_build(*, release: Release, output_root: Path | None = None) -> BuildResult:
    """Build ``release``: with ``output_root``, only into that directory (for verify --rebuild); else into a
    scratch directory, then store the files and mark it built, all at once. Raises ReleaseImmutable for a
    published or withdrawn release."""
    if output_root is not None:
        recorded = (release.stats or {}).get("build", {})
        return build_into(release, Path(output_root), takedown_ids=recorded.get("takedown_ids"),
                          shard_rows=recorded.get("shard_rows"))
    with transaction.atomic():
        locked = Release.objects.select_for_update().get(pk=release.pk)
        if locked.is_immutable:
            raise ReleaseImmutable(f"Release {locked.version} is {locked.status}: it never changes; make a patch release.")
        if locked.status not in BUILDABLE:
            raise ReleaseStateError(f"Release {locked.version} is {locked.status} and cannot be built.")
        locked.build_attempt += 1
        locked.status, locked.error, locked.progress = ReleaseStatus.BUILDING, "", {}
        locked.save(update_fields=["build_attempt", "status", "error", "progress"])
        attempt = locked.build_attempt
    # A killed attempt left its scratch directory behind: every attempt starts clean.
    scratch_clear(locked.pk)
    out = scratch_dir(locked.pk, attempt)
    progress = ProgressRecorder(locked.pk, attempt)
    try:
        result = build_into(locked, out, progress=progress)
        progress(BuildStage.STORING, result.stats["considered"])
        stored = time.perf_counter()
        registered = _register(locked.pk, attempt, result)
        result.timings["store"] = time.perf_counter() - stored
    except Exception as exc:
        _fail(locked.pk, attempt, f"{type(exc).__name__}: {exc}")
        shutil.rmtree(out, ignore_errors=True)
        raise
    finally:
        progress.close()
    shutil.rmtree(out.parent, ignore_errors=True)
    result.registered = registered
    return result


def _register(release_id: int, attempt: int, result: BuildResult) -> bool:
    """Store the files and mark the release built, unless a later attempt took over meanwhile."""
    with transaction.atomic():
        locked = Release.objects.select_for_update().get(pk=release_id)
        if locked.build_attempt != attempt or locked.status != ReleaseStatus.BUILDING:
            logger.warning("Release %s: attempt %s superseded; its files are discarded.", locked.version, attempt)
            return False
        locked.files.all().delete()
        rows = []
        for entry in result.files:
            storage_name = object_put(result.directory / entry.name, entry.sha256)
            rows.append(ReleaseFile(
                release=locked, name=entry.name, kind=entry.kind, config_name=entry.config_name,
                split=entry.split, rows=entry.rows, bytes=entry.bytes, sha256=entry.sha256,
                storage_name=storage_name,
            ))
        ReleaseFile.objects.bulk_create(rows)
        stats = dict(result.stats)
        locked.diff = stats.pop("diff", {})
        locked.stats = stats
        locked.status, locked.built_at = ReleaseStatus.BUILT, timezone.now()
        locked.save(update_fields=["stats", "diff", "status", "built_at"])
    return True


def _fail(release_id: int, attempt: int, message: str) -> None:
    with contextlib.suppress(Exception), transaction.atomic():
        Release.objects.filter(pk=release_id, build_attempt=attempt, status=ReleaseStatus.BUILDING).update(
            status=ReleaseStatus.FAILED, error=message[:4000]
        )


def release_build_enqueue(*, release: Release, actor: Any = None) -> Release:
    """Mark ``release`` building and start its build on a worker once committed."""
    from contrib.releases.tasks import release_build_run

    with transaction.atomic():
        locked = Release.objects.select_for_update().get(pk=release.pk)
        if locked.is_immutable:
            raise ReleaseImmutable(f"Release {locked.version} is {locked.status}: it never changes; make a patch release.")
        if locked.status not in (ReleaseStatus.DRAFT, ReleaseStatus.FAILED, ReleaseStatus.BUILT):
            raise ReleaseStateError(f"Release {locked.version} is {locked.status}: wait for its build to finish.")
        locked.status, locked.error, locked.progress = ReleaseStatus.BUILDING, "", {}
        locked.save(update_fields=["status", "error", "progress"])
        transaction.on_commit(lambda: release_build_run.delay(locked.pk))
    return locked
