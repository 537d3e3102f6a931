"""Reads of releases: the list, one release's files, and its statistics."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from contrib.releases.choices import BuildStage, ReleaseStatus
from contrib.releases.models import Release, ReleaseFile, Takedown


def release_list() -> QuerySet[Release]:
    """Every release, newest first, with what a list page shows."""
    return Release.objects.select_related("taxonomy_version", "previous", "patch_of").order_by("-created_at", "-pk")


def release_get(version: str) -> Release | None:
    return Release.objects.filter(version=version).select_related("previous", "patch_of").first()


def release_files(release: Release) -> QuerySet[ReleaseFile]:
    """The release's files by name (none until it is built)."""
    return ReleaseFile.objects.filter(release=release).order_by("name")


def release_stats(release: Release) -> dict[str, Any]:
    """What the release page charts: rows by split, composition by area and kind, kept versus dropped."""
    stats = release.stats or {}
    return {
        "rows": stats.get("rows", 0),
        "rows_by_split": stats.get("rows_by_split", {}),
        "by_area": stats.get("by_area", {}),
        "by_area_kind": stats.get("by_area_kind", []),
        "by_origin": stats.get("by_origin", {}),
        "considered": stats.get("considered", 0),
        "dropped": stats.get("dropped", {}),
        "teachers": stats.get("teachers", []),
        "pipelines": stats.get("pipelines", []),
        "credits": stats.get("credits", []),
        "licenses": stats.get("licenses", {}),
    }


def release_progress(release: Release) -> dict[str, Any]:
    """A release's status and, while it builds, where the build is: its stage and the rows it has worked."""
    progress = (release.progress or {}) if release.status == ReleaseStatus.BUILDING else {}
    stage = progress.get("stage", "")
    done, total = int(progress.get("rows_done") or 0), progress.get("rows_total")
    if release.status != ReleaseStatus.BUILDING:
        percent = 100 if release.status in (ReleaseStatus.BUILT, ReleaseStatus.PUBLISHED, ReleaseStatus.WITHDRAWN) else 0
    elif stage in ("", BuildStage.COUNTING) or not total:
        percent = 0
    else:
        # the rows are most of a build; the files, card and storing after them take the last tenth
        later = {BuildStage.FILES: 92, BuildStage.CARD: 96, BuildStage.STORING: 98}
        percent = later.get(stage, min(90, 90 * done // total))
    return {
        "status": release.status,
        "stage": stage,
        "stage_label": BuildStage(stage).label if stage in BuildStage.values else "Waiting for a worker",
        "rows_done": done,
        "rows_total": total,
        "percent": percent,
    }


def takedown_list() -> QuerySet[Takedown]:
    return Takedown.objects.select_related("contributor", "submission").order_by("-created_at")
