"""Who may see and act on a submission: pure booleans shared by the HTML views, the API and the services."""

from __future__ import annotations

from typing import Any

from contrib.accounts import selectors as accounts
from contrib.submissions.choices import CLOSED, Status
from contrib.submissions.models import Submission

REVIEWABLE = (Status.OPEN, Status.CHANGES_REQUESTED, Status.APPROVED)


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def _is_author(user: Any, submission: Submission) -> bool:
    return _signed_in(user) and submission.author_id == user.pk


def can_view(user: Any, submission: Submission) -> bool:
    """Like pull requests, every signed-in user sees open and closed submissions; a draft only its author and maintainers."""
    if not _signed_in(user):
        return False
    if submission.status == Status.DRAFT:
        return _is_author(user, submission) or accounts.is_maintainer(user)
    return True


def can_revise(user: Any, submission: Submission) -> bool:
    """Only the author pushes revisions and documents, while the submission is not closed."""
    return _is_author(user, submission) and submission.status not in CLOSED


def can_open(user: Any, submission: Submission) -> bool:
    return _is_author(user, submission) and submission.status == Status.DRAFT


def can_comment(user: Any, submission: Submission) -> bool:
    return can_view(user, submission) and submission.status != Status.DRAFT


def can_review(user: Any, submission: Submission) -> bool:
    """Reviewers of the path's area and maintainers give verdicts on open submissions, never on their own."""
    return (
        _signed_in(user)
        and not _is_author(user, submission)
        and submission.status in REVIEWABLE
        and accounts.can_review(user, submission.path)
    )


def can_merge(user: Any, submission: Submission) -> bool:
    """Reviewers of the area and maintainers merge; whether it is ready is the merge service's answer."""
    return _signed_in(user) and submission.status not in CLOSED and accounts.can_review(user, submission.path)


def can_withdraw(user: Any, submission: Submission) -> bool:
    if not _signed_in(user) or submission.status in CLOSED:
        return False
    return _is_author(user, submission) or accounts.is_maintainer(user)
