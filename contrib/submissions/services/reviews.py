"""Writes of review: verdicts with anchored comments, and comments on their own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from contrib.accounts.selectors import can_review, required_approvals_for
from contrib.submissions.choices import EventKind, RejectReason, Status, Verdict
from contrib.submissions.exceptions import InvalidTransition, Messages, SubmissionInvalid
from contrib.submissions.models import Comment, Review, Revision, Submission
from contrib.submissions.permissions import can_view
from contrib.submissions.services.content import BODY_MAX
from contrib.submissions.services.events import event_record
from contrib.submissions.services.locks import require_signed_in, submission_lock
from taxonomy.format.yamlpaths import path_line

REVIEWABLE = (Status.OPEN, Status.CHANGES_REQUESTED, Status.APPROVED)


def _anchor_problem(revision: Revision, yaml_path: str, line: int | None) -> tuple[str, str]:
    """(field, message) when an anchor does not point into the revision's qna.yaml, else ('', '')."""
    text = revision.qna_yaml
    if line is not None:
        count = len(text.splitlines())
        if not isinstance(line, int) or isinstance(line, bool) or not 1 <= line <= count:
            return "line", f"Line {line} is not in the qna.yaml of revision {revision.number}: give 1 to {count}."
    if yaml_path:
        if path_line(text, yaml_path) is None:
            return "yaml_path", (
                f"{yaml_path!r} is not a YAML path of revision {revision.number}'s qna.yaml: use one such as "
                "'.seed_examples[0].answer', or anchor the comment to a line."
            )
    return "", ""


def _anchor(revision: Revision, yaml_path: str, line: int | None, errors: Messages, prefix: str) -> tuple[str, int | None]:
    yaml_path = (yaml_path or "").strip()
    field, problem = _anchor_problem(revision, yaml_path, line)
    if problem:
        errors.setdefault(f"{prefix}{field}", []).append(problem)
    elif yaml_path and line is None:
        line = path_line(revision.qna_yaml, yaml_path)
    return yaml_path, line


def _body_check(body: str, key: str, errors: Messages, *, required: bool) -> str:
    if required and not (body or "").strip():
        errors.setdefault(key, []).append("Write the comment: the body is empty.")
    if len(body or "") > BODY_MAX:
        errors.setdefault(key, []).append(f"This is {len(body)} characters; shorten it to at most {BODY_MAX}.")
    return body or ""


def approvals_count(submission: Submission) -> int:
    """Distinct reviewers whose approval of the latest revision stands."""
    return (
        Review.objects.filter(
            submission=submission, revision_id=submission.latest_revision_id or 0, verdict=Verdict.APPROVE, dismissed=False
        )
        .values("reviewer_id")
        .distinct()
        .count()
    )


@transaction.atomic
def review_submit(
    *,
    submission: Submission,
    reviewer: AbstractBaseUser,
    verdict: str,
    body: str = "",
    reason: str = "",
    comments: Iterable[Mapping[str, Any]] = (),
) -> Review:
    """Approve, request changes, reject (with a reason) or comment on the latest revision."""
    submission = submission_lock(submission)
    require_signed_in(reviewer, "review")
    if verdict not in Verdict.values:
        raise SubmissionInvalid({"verdict": [f"{verdict!r} is not a verdict: use {', '.join(Verdict.values)}."]})
    if not can_view(reviewer, submission):
        raise PermissionDenied(f"Submission #{submission.pk} is a draft only its author can see.")
    if verdict != Verdict.COMMENT:
        if submission.author_id == reviewer.pk:
            raise PermissionDenied("Nobody reviews their own submission: ask a reviewer of the area.")
        if not can_review(reviewer, submission.path):
            raise PermissionDenied(
                f"You are not a reviewer of the area of {submission.path}: you may comment, but only its reviewers "
                "or a maintainer approve, request changes or reject."
            )
        if submission.status not in REVIEWABLE:
            raise InvalidTransition(f"Submission #{submission.pk} is {submission.status}: only open submissions are reviewed.")
    elif submission.status == Status.DRAFT:
        raise InvalidTransition("Drafts are not reviewed: open the submission first.")

    errors: Messages = {}
    body = _body_check(body, "body", errors, required=verdict == Verdict.COMMENT and not comments)
    if reason and reason not in RejectReason.values:
        errors.setdefault("reason", []).append(f"{reason!r} is not a reason: use {', '.join(RejectReason.values)}.")
    if verdict == Verdict.REJECT and not (reason or body.strip()):
        errors.setdefault("reason", []).append("Say why you reject it: pick a reason or write one in the body.")
    revision = submission.latest_revision
    assert revision is not None
    anchored: list[tuple[str, int | None, str]] = []
    for index, comment in enumerate(comments):
        prefix = f"comments[{index}]."
        text = _body_check(str(comment.get("body") or ""), f"{prefix}body", errors, required=True)
        yaml_path, line = _anchor(revision, str(comment.get("yaml_path") or ""), comment.get("line"), errors, prefix)
        anchored.append((yaml_path, line, text))
    if errors:
        raise SubmissionInvalid(errors)

    review = Review.objects.create(
        submission=submission, revision=revision, reviewer_id=reviewer.pk, verdict=verdict, body=body,
        reason=reason or (RejectReason.OTHER if verdict == Verdict.REJECT else ""),
    )
    Comment.objects.bulk_create(
        Comment(
            submission=submission, revision=revision, review=review, author_id=reviewer.pk, yaml_path=p, line=n, body=t
        )
        for p, n, t in anchored
    )
    _apply_verdict(submission, review)
    kind = EventKind.REJECTED if verdict == Verdict.REJECT else EventKind.REVIEWED
    event_record(
        submission=submission, actor=reviewer, kind=kind,
        data={"verdict": verdict, "review": review.pk, "comments": len(anchored), "reason": review.reason},
    )
    return review


def _apply_verdict(submission: Submission, review: Review) -> None:
    now = timezone.now()
    if review.verdict == Verdict.REQUEST_CHANGES:
        submission.status = Status.CHANGES_REQUESTED
    elif review.verdict == Verdict.APPROVE:
        if approvals_count(submission) >= required_approvals_for(submission.path):
            submission.status = Status.APPROVED
    elif review.verdict == Verdict.REJECT:
        submission.status = Status.REJECTED
        submission.closed_at = now
        submission.rejected_reason = review.reason
    else:
        return
    submission.save(update_fields=["status", "closed_at", "rejected_reason", "updated_at"])


@transaction.atomic
def comment_add(
    *, submission: Submission, author: AbstractBaseUser, body: str, yaml_path: str = "", line: int | None = None
) -> Comment:
    """A comment by anyone who can see the submission, on the whole of it or anchored to a YAML path or line."""
    submission = submission_lock(submission)
    require_signed_in(author, "comment")
    if not can_view(author, submission):
        raise PermissionDenied(f"Submission #{submission.pk} is a draft only its author can see.")
    if submission.status == Status.DRAFT:
        raise InvalidTransition("Drafts take no comments: open the submission first.")
    errors: Messages = {}
    body = _body_check(body, "body", errors, required=True)
    revision = submission.latest_revision
    assert revision is not None
    yaml_path, line = _anchor(revision, yaml_path, line, errors, "")
    if errors:
        raise SubmissionInvalid(errors)
    comment = Comment.objects.create(
        submission=submission, revision=revision, author_id=author.pk, yaml_path=yaml_path, line=line, body=body
    )
    event_record(
        submission=submission, actor=author, kind=EventKind.COMMENTED,
        data={"comment": comment.pk, "yaml_path": yaml_path, "line": line},
    )
    return comment
