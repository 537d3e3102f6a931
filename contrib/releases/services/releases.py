"""Create, publish and withdraw releases, and compare two of them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from contrib.releases.choices import ReleaseStatus
from contrib.releases.exceptions import ReleaseImmutable, ReleaseInvalid, ReleaseStateError
from contrib.releases.models import Release, default_config
from contrib.synth.choices import RunScope, RunStatus
from contrib.synth.models import GenerationRun
from taxonomy.models import TaxonomyVersion

CALVER = re.compile(r"^(19|20)\d\d\.(0?[1-9]|1[0-2])\.(0|[1-9]\d*)$")
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
SYSTEM_PROMPT_MAX = 4000


def version_ok(version: str) -> bool:
    return bool(CALVER.match(version) or SEMVER.match(version))


def config_clean(config: dict[str, Any] | None, errors: dict[str, list[Any]]) -> dict[str, Any]:
    """The build config with defaults filled in; problems are added to ``errors`` under ``config``."""
    clean = default_config()
    problems: list[str] = []
    if config is None:
        return clean
    if not isinstance(config, dict):
        errors["config"] = ["Give the config as a JSON object, e.g. {\"test_fraction\": 0.1}."]
        return clean
    unknown = sorted(set(config) - set(clean))
    if unknown:
        problems.append(f"Unknown keys {', '.join(unknown)}: use only {', '.join(sorted(clean))}.")
    value = config.get("include_seed_examples", clean["include_seed_examples"])
    if not isinstance(value, bool):
        problems.append("include_seed_examples must be true or false.")
    else:
        clean["include_seed_examples"] = value
    value = config.get("near_dup_threshold", clean["near_dup_threshold"])
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        problems.append("near_dup_threshold is a Jaccard similarity in (0, 1], e.g. 0.9.")
    else:
        clean["near_dup_threshold"] = float(value)
    value = config.get("test_fraction", clean["test_fraction"])
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 0.5:
        problems.append("test_fraction is the share of leaves in the test split, from 0 to 0.5, e.g. 0.1.")
    else:
        clean["test_fraction"] = float(value)
    value = config.get("seed", clean["seed"])
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append("seed must be an integer, e.g. 0.")
    else:
        clean["seed"] = value
    value = config.get("system_prompt", clean["system_prompt"])
    if not isinstance(value, str) or len(value) > SYSTEM_PROMPT_MAX:
        problems.append(f"system_prompt must be text of at most {SYSTEM_PROMPT_MAX} characters.")
    else:
        clean["system_prompt"] = value
    if problems:
        errors["config"] = problems
    return clean


def latest_published(*, exclude: Release | None = None) -> Release | None:
    qs = Release.objects.filter(status=ReleaseStatus.PUBLISHED).order_by("-published_at", "-pk")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.first()


def release_create(
    *, version: str, taxonomy_version: int, runs: Sequence[int], config: dict[str, Any] | None = None,
    created_by: Any = None, patch_of: Release | None = None,
) -> Release:
    """Record a draft release of ``runs`` over ``taxonomy_version``; raises ReleaseInvalid naming the fields."""
    errors: dict[str, list[Any]] = {}
    version = (version or "").strip()
    if not version_ok(version):
        errors["version"] = [f"{version!r} is not a version: use CalVer YYYY.MM.N (2026.11.0) or SemVer X.Y.Z[-pre]."]
    elif Release.objects.filter(version=version).exists():
        errors["version"] = [f"Release {version} exists: choose the next version number."]
    tv = TaxonomyVersion.objects.filter(number=taxonomy_version).first() if isinstance(taxonomy_version, int) else None
    if tv is None:
        errors["taxonomy_version"] = [f"There is no taxonomy version {taxonomy_version!r}: give an existing number."]
    run_ids = sorted(set(runs or []))
    if not run_ids:
        errors["runs"] = ["Give at least one generation run (its id) to include."]
    else:
        found = {r.pk: r for r in GenerationRun.objects.filter(pk__in=run_ids)}
        problems = []
        for pk in run_ids:
            run = found.get(pk)
            if run is None:
                problems.append(f"There is no generation run {pk}.")
            elif run.scope != RunScope.TAXONOMY:
                problems.append(f"Run {pk} is a preview: include runs over a taxonomy version only.")
            elif run.status != RunStatus.SUCCEEDED:
                problems.append(f"Run {pk} is {run.status}: include succeeded runs only.")
            elif tv is not None and run.taxonomy_version_id != tv.number:
                problems.append(
                    f"Run {pk} generated from taxonomy version {run.taxonomy_version_id}, not {tv.number}: "
                    "include runs over the release's taxonomy version."
                )
        if problems:
            errors["runs"] = problems
    clean = config_clean(config, errors)
    if errors:
        raise ReleaseInvalid(errors)
    assert tv is not None  # an unknown version is one of the errors above
    with transaction.atomic():
        previous = patch_of.previous if patch_of is not None else latest_published()
        release = Release.objects.create(
            version=version, taxonomy_version=tv, config=clean, previous=previous, patch_of=patch_of,
            created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
        )
        release.runs.set(run_ids)
    return release


def release_publish(*, release: Release, actor: Any = None) -> Release:
    """Publish a built release: from now on it never changes."""
    with transaction.atomic():
        locked = Release.objects.select_for_update().get(pk=release.pk)
        if locked.is_immutable:
            raise ReleaseImmutable(f"Release {locked.version} is already {locked.status}.")
        if locked.status != ReleaseStatus.BUILT:
            raise ReleaseStateError(f"Release {locked.version} is {locked.status}: build it (status built) before publishing.")
        locked.status, locked.published_at = ReleaseStatus.PUBLISHED, timezone.now()
        locked.save(update_fields=["status", "published_at"])
    return locked


def release_withdraw(*, release: Release, actor: Any = None, reason: str) -> Release:
    """Take back a published release: its files stay for audit, and downloads are marked withdrawn."""
    reason = (reason or "").strip()
    if not reason:
        raise ReleaseInvalid({"reason": ["Say why the release is withdrawn; the reason is shown with its files."]})
    with transaction.atomic():
        locked = Release.objects.select_for_update().get(pk=release.pk)
        if locked.status != ReleaseStatus.PUBLISHED:
            raise ReleaseStateError(f"Release {locked.version} is {locked.status}: only a published release is withdrawn.")
        locked.status, locked.withdrawn_at, locked.withdrawn_reason = ReleaseStatus.WITHDRAWN, timezone.now(), reason
        locked.save(update_fields=["status", "withdrawn_at", "withdrawn_reason"])
    return locked


def release_diff_between(a: Release, b: Release) -> dict[str, Any]:
    """What changed from release ``a`` to release ``b``: leaves added, removed and changed, rows per area."""
    from contrib.releases.formats.diff import Snapshot, release_diff

    def snapshot(release: Release) -> Snapshot:
        stats = release.stats or {}
        return Snapshot(leaves=dict(stats.get("leaves", {})), rows_by_area=dict(stats.get("by_area", {})))

    return release_diff(snapshot(a), snapshot(b))
