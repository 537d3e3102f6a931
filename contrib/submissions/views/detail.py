"""A submission's page: checks, the diff with inline comments, reviews, the timeline, and its actions."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from contrib.accounts.selectors import required_approvals_for
from contrib.submissions import permissions, selectors
from contrib.submissions.choices import Verdict
from contrib.submissions.diff import DiffLine
from contrib.submissions.exceptions import MergeConflict, SubmissionError
from contrib.submissions.forms import CommentForm, ReviewForm
from contrib.submissions.models import Check, Comment, Submission
from contrib.submissions.services import (
    comment_add,
    review_submit,
    submission_merge,
    submission_open,
    submission_withdraw,
)
from contrib.submissions.views.access import signed_in_user, visible_submission


@dataclass
class Row:
    """One diff line with the comments anchored to it."""

    line: DiffLine
    comments: list[Comment] = field(default_factory=list)

    @property
    def commentable(self) -> bool:
        return self.line.kind in (" ", "+") and self.line.new_no is not None


@dataclass
class ConflictView:
    """A refused merge, for the page: what changed since the base and the diff of the leaf."""

    message: str
    changes: dict[str, Any]

    @property
    def diff_lines(self) -> list[tuple[str, str]]:
        kinds = {"+": "add", "-": "del", "@": "hunk"}
        return [(kinds.get(line[:1], "ctx"), line) for line in str(self.changes.get("diff", "")).splitlines()]


def _checks(submission: Submission) -> list[Check]:
    revision = submission.latest_revision
    checks = list(revision.checks.all()) if revision is not None else []
    for check in checks:
        check.pretty = json.dumps(check.details, indent=2, ensure_ascii=False, default=str)  # type: ignore[attr-defined]
    return checks


def _rows(submission: Submission, comments: list[Comment]) -> tuple[list[Row], list[Comment]]:
    """Diff rows with their line comments, and the comments that sit on no shown line."""
    latest = submission.latest_revision_id
    by_line: dict[int, list[Comment]] = defaultdict(list)
    elsewhere: list[Comment] = []
    for comment in comments:
        if comment.revision_id == latest and comment.line:
            by_line[comment.line].append(comment)
        else:
            elsewhere.append(comment)
    rows = []
    for line in selectors.submission_diff(submission):
        row = Row(line)
        if row.commentable and line.new_no is not None:
            row.comments = by_line.pop(line.new_no, [])
        rows.append(row)
    for leftover in by_line.values():
        elsewhere.extend(leftover)
    elsewhere.sort(key=lambda c: (c.created_at, c.pk))
    return rows, elsewhere


def _page(request: HttpRequest, submission: Submission, *, status: int = 200, **extra: Any) -> HttpResponse:
    user = request.user
    comments = list(submission.comments.all())
    rows, other_comments = _rows(submission, comments)
    reviews = list(submission.reviews.all())
    approvals = {r.reviewer_id for r in reviews
                 if r.verdict == Verdict.APPROVE and not r.dismissed and r.revision_id == submission.latest_revision_id}
    checks = _checks(submission)
    allowed = {
        "review": permissions.can_review(user, submission),
        "merge": permissions.can_merge(user, submission),
        "withdraw": permissions.can_withdraw(user, submission),
        "revise": permissions.can_revise(user, submission),
        "open": permissions.can_open(user, submission),
        "comment": permissions.can_comment(user, submission),
    }
    context = {
        "s": submission,
        "revision": submission.latest_revision,
        "label": selectors.submission_label(submission),
        "rows": rows,
        "other_comments": other_comments,
        "reviews": reviews,
        "approvals": len(approvals),
        "required_approvals": required_approvals_for(submission.path),
        "checks": checks,
        "pending": any(c.status == "pending" for c in checks),
        "timeline": selectors.submission_timeline(submission),
        "documents": list(submission.documents.all()),
        "revisions": list(submission.revisions.all()),
        "can": allowed,
        "review_form": extra.pop("review_form", None) or ReviewForm(),
        "comment_form": extra.pop("comment_form", None) or CommentForm(),
        **extra,
    }
    return render(request, "submissions/detail.html", context, status=status)


def _errors(exc: SubmissionError) -> list[str]:
    out = []
    for key, items in exc.errors.items():
        for item in items:
            text = item.get("message", "") if isinstance(item, dict) else str(item)
            out.append(text if key in ("non_field_errors", "status", "merge") else f"{key.replace('_', ' ')}: {text}")
    return out


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The submission page: status, checks, the diff against its base with comments, reviews and timeline."""
    return _page(request, visible_submission(request, pk))


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a verdict: approve, request changes, reject with a reason, or comment."""
    submission = visible_submission(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _page(request, submission, status=400, review_form=form)
    data = form.cleaned_data
    try:
        review_submit(
            submission=submission, reviewer=signed_in_user(request), verdict=data["verdict"], body=data["body"], reason=data["reason"]
        )
    except SubmissionError as exc:
        return _page(request, submission, status=400, review_form=form, action_errors=_errors(exc))
    messages.success(request, "Your review is recorded.")
    return redirect("submissions:detail", pk=pk)


@login_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment on the submission or on one line of its qna.yaml; a reviewer may request changes with it."""
    submission = visible_submission(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _page(request, submission, status=400, comment_form=form, action_errors=["Write the comment: it is empty."])
    data = form.cleaned_data
    anchor = {"yaml_path": data["yaml_path"] or "", "line": data["line"]}
    try:
        if data["verdict"] == Verdict.REQUEST_CHANGES:
            review_submit(
                submission=submission, reviewer=signed_in_user(request), verdict=Verdict.REQUEST_CHANGES,
                comments=[{**anchor, "body": data["body"]}],
            )
        else:
            comment_add(submission=submission, author=signed_in_user(request), body=data["body"], **anchor)
    except SubmissionError as exc:
        return _page(request, submission, status=400, comment_form=form, action_errors=_errors(exc))
    messages.success(request, "Changes requested." if data["verdict"] == Verdict.REQUEST_CHANGES else "Comment added.")
    return redirect("submissions:detail", pk=pk)


@login_required
@require_POST
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge into a new taxonomy version; a conflict shows what changed and how to answer it."""
    submission = visible_submission(request, pk)
    try:
        version = submission_merge(submission=submission, actor=signed_in_user(request))
    except MergeConflict as exc:
        conflict = ConflictView(message=" ".join(_errors(exc)), changes=exc.changes)
        return _page(request, visible_submission(request, pk), status=409, conflict=conflict)
    except SubmissionError as exc:
        return _page(request, visible_submission(request, pk), status=400, action_errors=_errors(exc))
    messages.success(request, f"Merged as version {version.number}.")
    return redirect("submissions:detail", pk=pk)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The author (or a maintainer) withdraws the submission."""
    submission = visible_submission(request, pk)
    try:
        submission_withdraw(submission=submission, actor=signed_in_user(request))
    except SubmissionError as exc:
        return _page(request, submission, status=400, action_errors=_errors(exc))
    messages.success(request, "The submission is withdrawn.")
    return redirect("submissions:detail", pk=pk)


@login_required
@require_POST
def open_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a draft for review, validating it as a new submission is."""
    submission = visible_submission(request, pk)
    try:
        submission_open(submission=submission, actor=signed_in_user(request))
    except SubmissionError as exc:
        return _page(request, submission, status=400, action_errors=_errors(exc))
    messages.success(request, "The submission is open: checks are running.")
    return redirect("submissions:detail", pk=pk)
