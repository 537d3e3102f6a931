"""Pushes a published release to a Hugging Face Hub dataset repo, tagged with its version."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings

from contrib.releases.choices import ReleaseStatus
from contrib.releases.exceptions import ReleaseInvalid, ReleaseStateError
from contrib.releases.formats.hub import HubPlan, hub_plan, hub_push
from contrib.releases.models import Release
from contrib.releases.storage import object_open


def release_materialize(*, release: Release, into: Path) -> Path:
    """Copy the release's stored files into ``into`` under their release-relative names."""
    for file in release.files.all():
        target = into / file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        with object_open(file.storage_name) as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, length=1024 * 1024)
    return into


def release_push(*, release: Release, repo_id: str = "", token: str = "", api: Any = None) -> HubPlan:
    """Push a published release to the Hub: every file at its release path, the card at the root, tag = version.

    The repo comes from ``repo_id`` or SEEDBED_RELEASE_HUB_REPO, the token from ``token`` or HF_TOKEN.
    """
    if release.status != ReleaseStatus.PUBLISHED:
        raise ReleaseStateError(f"Only a published release is pushed; {release.version} is {release.status}.")
    repo_id = repo_id or settings.SEEDBED_RELEASE_HUB_REPO
    token = token or os.environ.get("HF_TOKEN", "")
    errors: dict[str, list[Any]] = {}
    if not repo_id:
        errors["repo_id"] = ["Name the Hub dataset repo: --repo-id OWNER/NAME or SEEDBED_RELEASE_HUB_REPO."]
    if not token:
        errors["token"] = ["Set HF_TOKEN to a Hugging Face token with write access to the repo."]
    if errors:
        raise ReleaseInvalid(errors)
    with tempfile.TemporaryDirectory(prefix=f"seedbed-push-{release.pk}-") as tmp:
        plan = hub_plan(release_materialize(release=release, into=Path(tmp)), repo_id=repo_id, version=release.version)
        hub_push(plan, token=token, api=api)
    return plan
