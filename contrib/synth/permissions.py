"""Who may start, see and cancel generation runs: pure booleans shared by the API and the admin."""

from __future__ import annotations

from typing import Any

from contrib.accounts.selectors import is_maintainer
from contrib.submissions import permissions as submission_permissions
from contrib.submissions.models import Revision
from contrib.synth.models import GenerationRun


def can_preview(user: Any, revision: Revision) -> bool:
    """The submission's author, reviewers of its area and maintainers preview a revision."""
    submission = revision.submission
    if not submission_permissions.can_view(user, submission):
        return False
    return submission.author_id == user.pk or submission_permissions.can_review(user, submission) or is_maintainer(user)


def can_start(user: Any, *, revision: Revision | None) -> bool:
    """Maintainers run over taxonomy versions; previews follow ``can_preview``."""
    if not getattr(user, "is_authenticated", False):
        return False
    return is_maintainer(user) if revision is None else can_preview(user, revision)


def can_view(user: Any, run: GenerationRun) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if is_maintainer(user):
        return True
    if run.submission_revision_id is not None:
        return can_preview(user, run.submission_revision)  # type: ignore[arg-type]
    return False


def can_cancel(user: Any, run: GenerationRun) -> bool:
    if not can_view(user, run):
        return False
    return is_maintainer(user) or run.created_by_id == user.pk
