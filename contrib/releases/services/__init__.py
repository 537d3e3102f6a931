"""Writes of releases, one service a verb: create, build, publish, withdraw, verify, diff, take down, patch, cut."""

from contrib.releases.services.builds import BuildResult, release_build, release_build_enqueue
from contrib.releases.services.cadence import release_candidate_cut
from contrib.releases.services.hub import release_materialize, release_push
from contrib.releases.services.releases import (
    release_create,
    release_diff_between,
    release_publish,
    release_withdraw,
)
from contrib.releases.services.takedowns import release_patch, takedown_affected, takedown_file
from contrib.releases.services.verify import VerifyResult, release_verify

__all__ = [
    "BuildResult",
    "VerifyResult",
    "release_build",
    "release_build_enqueue",
    "release_candidate_cut",
    "release_create",
    "release_diff_between",
    "release_materialize",
    "release_patch",
    "release_publish",
    "release_push",
    "release_verify",
    "release_withdraw",
    "takedown_affected",
    "takedown_file",
]
