"""Reads of releases: the list, one release's files, and its statistics."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

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


def takedown_list() -> QuerySet[Takedown]:
    return Takedown.objects.select_related("contributor", "submission").order_by("-created_at")
