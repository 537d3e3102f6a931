"""Release tests store files under a private media root and build in a private scratch directory."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def release_dirs(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SEEDBED_RELEASE_SCRATCH = tmp_path / "scratch"
    settings.SEEDBED_RELEASE_SHARD_ROWS = 40  # small shards, so tests see several
    return tmp_path
