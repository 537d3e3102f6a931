"""Takedowns: record what must leave future releases, find the published releases it hits, patch them."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from contrib.releases.build.leaves import credit_name
from contrib.releases.choices import ReleaseStatus, TakedownKind
from contrib.releases.exceptions import ReleaseInvalid, TakedownInvalid
from contrib.releases.models import Release, Takedown
from contrib.submissions.models import Submission


def takedown_file(
    *, kind: str, contributor: Any = None, leaf_path: str = "", submission: Submission | None = None,
    reason: str, actor: Any = None,
) -> Takedown:
    """Record a takedown of a contributor's rows, a leaf path (and below), or a submission's rows."""
    errors: dict[str, list[Any]] = {}
    reason = (reason or "").strip()
    leaf_path = (leaf_path or "").strip().strip("/")
    if not reason:
        errors["reason"] = ["Record why the data is taken down, e.g. 'consent withdrawn by the contributor'."]
    targets: dict[str, Any] = {TakedownKind.CONTRIBUTOR: contributor, TakedownKind.LEAF_PATH: leaf_path or None,
               TakedownKind.SUBMISSION: submission}
    if kind not in targets:
        errors["kind"] = [f"kind is one of {', '.join(TakedownKind.values)}."]
    else:
        if targets[kind] is None:
            errors[kind] = [f"A {kind} takedown names its {kind.replace('_', ' ')}."]
        others = [k for k, v in targets.items() if k != kind and v is not None]
        if others:
            errors[others[0]] = [f"Name only the {kind.replace('_', ' ')} of a {kind} takedown."]
        if kind == TakedownKind.LEAF_PATH and leaf_path and (".." in leaf_path.split("/") or "//" in leaf_path):
            errors["leaf_path"] = ["Give a taxonomy path like compositional_skills/writing/haiku."]
    if errors:
        raise TakedownInvalid(errors)
    with transaction.atomic():
        return Takedown.objects.create(
            kind=kind, contributor=contributor, leaf_path=leaf_path, submission=submission, reason=reason,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )


def _hits(takedown: Takedown, included: dict[str, Any]) -> bool:
    if takedown.kind == TakedownKind.LEAF_PATH:
        prefix = takedown.leaf_path
        return any(p == prefix or p.startswith(f"{prefix}/") for p in included.get("leaf_paths", []))
    if takedown.kind == TakedownKind.SUBMISSION:
        return takedown.submission_id in included.get("submission_ids", [])
    if takedown.kind == TakedownKind.CONTRIBUTOR:
        return (takedown.contributor_id in included.get("contributor_user_ids", [])
                or (takedown.contributor is not None
                    and takedown.contributor.get_username() in included.get("contributor_handles", [])))
    return False


def takedown_affected(takedown: Takedown) -> list[Release]:
    """The published releases holding rows ``takedown`` removes, from what each build recorded it included."""
    releases = Release.objects.filter(status=ReleaseStatus.PUBLISHED).order_by("published_at", "pk")
    return [r for r in releases if _hits(takedown, (r.stats or {}).get("included", {}))]


def release_patch(*, release: Release, version: str, actor: Any = None) -> Release:
    """A new release with ``release``'s taxonomy version, runs and config, built without taken-down rows."""
    from contrib.releases.services.builds import release_build
    from contrib.releases.services.releases import release_create

    if release.status not in (ReleaseStatus.PUBLISHED, ReleaseStatus.WITHDRAWN, ReleaseStatus.BUILT):
        raise ReleaseInvalid({"release": [f"Release {release.version} is {release.status}: patch a built or published release."]})
    patch = release_create(
        version=version, taxonomy_version=release.taxonomy_version_id,
        runs=list(release.runs.values_list("pk", flat=True)), config=dict(release.config), created_by=actor,
        patch_of=release,
    )
    release_build(release=patch)
    patch.refresh_from_db()
    return patch


__all__ = ["credit_name", "release_patch", "takedown_affected", "takedown_file"]
