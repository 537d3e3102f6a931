"""Row locks and shared bookkeeping of submission transitions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied

from contrib.submissions.choices import CLOSED, EventKind, Status, Verdict
from contrib.submissions.exceptions import InvalidTransition
from contrib.submissions.models import Review, Submission
from contrib.submissions.services.events import event_record


def submission_lock(submission: Submission | int) -> Submission:
    """The submission row, locked until the transaction ends: transitions see and change one state at a time."""
    pk = submission.pk if isinstance(submission, Submission) else submission
    return Submission.objects.select_for_update(of=("self",)).select_related("latest_revision").get(pk=pk)


def require_signed_in(user: Any, what: str) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied(f"Sign in to {what}.")


def require_author(submission: Submission, user: AbstractBaseUser, what: str) -> None:
    require_signed_in(user, what)
    if submission.author_id != user.pk:
        raise PermissionDenied(f"Only the author of submission #{submission.pk} may {what}.")


def require_not_closed(submission: Submission, what: str) -> None:
    if submission.status in CLOSED:
        raise InvalidTransition(
            f"Submission #{submission.pk} is {submission.status}; it cannot {what} any more. Open a new submission."
        )


def approvals_dismiss(submission: Submission, actor: AbstractBaseUser, reason: str) -> int:
    """Dismiss the standing approvals (a new revision changes what was approved) and reopen the submission."""
    dismissed = Review.objects.filter(submission=submission, verdict=Verdict.APPROVE, dismissed=False).update(
        dismissed=True
    )
    if dismissed:
        event_record(
            submission=submission, actor=actor, kind=EventKind.APPROVAL_DISMISSED,
            data={"count": dismissed, "reason": reason},
        )
    if submission.status in (Status.APPROVED, Status.CHANGES_REQUESTED):
        submission.status = Status.OPEN
        submission.save(update_fields=["status", "updated_at"])
    return dismissed
