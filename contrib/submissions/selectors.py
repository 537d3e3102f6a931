"""Reads of submissions: the detail page, queues, dashboards, stats, the diff, the timeline and notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from contrib.accounts.models import Area
from contrib.accounts.selectors import is_maintainer
from contrib.submissions.choices import Action, Label, Status, Verdict
from contrib.submissions.diff import DiffLine, diff_lines
from contrib.submissions.models import (
    Check,
    Comment,
    Document,
    Event,
    Notification,
    Review,
    Revision,
    Submission,
)
from taxonomy.models import LeafRevision

ACTIVE = (Status.OPEN, Status.CHANGES_REQUESTED, Status.APPROVED)


def _with_review_flag(qs: QuerySet[Submission]) -> QuerySet[Submission]:
    reviewed = Review.objects.filter(submission=OuterRef("pk"), dismissed=False)
    return qs.annotate(has_reviews=Exists(reviewed))


def submissions_visible(user: Any) -> QuerySet[Submission]:
    """Every submission ``user`` may see, newest first: all but others' drafts (maintainers see drafts too)."""
    qs = Submission.objects.select_related("author", "latest_revision").defer(
        "latest_revision__qna_yaml", "latest_revision__attribution_txt", "latest_revision__data",
        "latest_revision__validation", "description",
    )
    if not is_maintainer(user):
        qs = qs.filter(~Q(status=Status.DRAFT) | Q(author_id=user.pk))
    return _with_review_flag(qs).order_by("-created_at", "-pk")


def submission_detail(pk: int) -> Submission:
    """One submission with everything its page shows, in a fixed number of queries."""
    return (
        Submission.objects.select_related("author", "latest_revision", "latest_revision__created_by")
        .prefetch_related(
            Prefetch("revisions", queryset=Revision.objects.select_related("created_by").order_by("number")),
            Prefetch("latest_revision__checks", queryset=Check.objects.order_by("name")),
            Prefetch("reviews", queryset=Review.objects.select_related("reviewer").order_by("created_at", "pk")),
            Prefetch("comments", queryset=Comment.objects.select_related("author").order_by("created_at", "pk")),
            Prefetch("events", queryset=Event.objects.select_related("actor").order_by("created_at", "pk")),
            Prefetch("documents", queryset=Document.objects.order_by("name")),
        )
        .get(pk=pk)
    )


def submission_label(submission: Submission) -> str:
    """InstructLab's triage label: needs triage until someone reviews, then in review, changes requested, ..."""
    status = submission.status
    direct: dict[str, Label] = {
        Status.DRAFT: Label.DRAFT,
        Status.CHANGES_REQUESTED: Label.CHANGES_REQUESTED,
        Status.APPROVED: Label.APPROVED,
        Status.MERGED: Label.MERGED,
        Status.REJECTED: Label.REJECTED,
        Status.WITHDRAWN: Label.WITHDRAWN,
    }
    if status in direct:
        return direct[status].value
    reviewed = getattr(submission, "has_reviews", None)
    if reviewed is None:
        cache = getattr(submission, "_prefetched_objects_cache", {})
        if "reviews" in cache:
            reviewed = any(not r.dismissed for r in cache["reviews"])
        else:
            reviewed = Review.objects.filter(submission=submission, dismissed=False).exists()
    return Label.IN_REVIEW.value if reviewed else Label.NEEDS_TRIAGE.value


def _area_filter(user: Any) -> Q | None:
    """Paths whose most specific area ``user`` owns; None when they own none."""
    areas = list(Area.objects.prefetch_related("reviewers"))
    owned = [a.prefix for a in areas if any(r.pk == user.pk for r in a.reviewers.all())]
    if not owned:
        return None
    query = Q()
    for prefix in owned:
        under = Q(path=prefix) | Q(path__startswith=f"{prefix}/")
        for other in areas:
            if other.prefix.startswith(f"{prefix}/") and other.prefix not in owned:
                under &= ~(Q(path=other.prefix) | Q(path__startswith=f"{other.prefix}/"))
        query |= under
    return query


def review_queue(
    *, user: Any, status: str | None = None, kind: str | None = None, area: str | None = None,
    older_than_days: int | None = None,
) -> QuerySet[Submission]:
    """Open submissions in the areas ``user`` reviews (all of them for maintainers), oldest first."""
    qs = Submission.objects.filter(status__in=ACTIVE).select_related("author", "latest_revision")
    if not is_maintainer(user):
        owned = _area_filter(user)
        if owned is None:
            return qs.none()
        qs = qs.filter(owned)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(latest_revision__kind=kind)
    if area:
        area = area.strip("/")
        qs = qs.filter(Q(path=area) | Q(path__startswith=f"{area}/"))
    if older_than_days is not None:
        qs = qs.filter(opened_at__lte=timezone.now() - timedelta(days=older_than_days))
    return _with_review_flag(qs).order_by("opened_at", "pk")


def my_submissions(user: Any) -> QuerySet[Submission]:
    return _with_review_flag(
        Submission.objects.filter(author_id=user.pk).select_related("latest_revision")
    ).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class ContributorStats:
    """What a contributor has given: merged leaves and their seed examples, and submissions by state."""

    merged_leaves: int
    seed_examples: int
    open: int
    drafts: int
    changes_requested: int
    rejected: int
    total: int


def _seed_count(data: Any) -> int:
    examples = data.get("seed_examples") if isinstance(data, dict) else None
    return len(examples) if isinstance(examples, list) else 0


def contributor_stats(user: Any) -> ContributorStats:
    mine = Submission.objects.filter(author_id=user.pk)
    by_status = dict(mine.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    merged = mine.filter(status=Status.MERGED).exclude(action=Action.REMOVE)
    seeds = sum(_seed_count(d) for d in merged.values_list("latest_revision__data", flat=True))
    return ContributorStats(
        merged_leaves=merged.values("path").distinct().count(),
        seed_examples=seeds,
        open=sum(by_status.get(s, 0) for s in ACTIVE),
        drafts=by_status.get(Status.DRAFT, 0),
        changes_requested=by_status.get(Status.CHANGES_REQUESTED, 0),
        rejected=by_status.get(Status.REJECTED, 0),
        total=sum(by_status.values()),
    )


@dataclass(frozen=True)
class ReviewerStats:
    """A reviewer's load and record: the queue waiting, reviews given by verdict, and merges done."""

    queue: int
    reviews: int
    approvals: int
    changes_requested: int
    rejections: int
    merged: int


def reviewer_stats(user: Any) -> ReviewerStats:
    verdicts = dict(
        Review.objects.filter(reviewer_id=user.pk).values_list("verdict").annotate(n=Count("pk")).values_list("verdict", "n")
    )
    merged = Event.objects.filter(actor_id=user.pk, kind="merged").count()
    return ReviewerStats(
        queue=review_queue(user=user).count(),
        reviews=sum(verdicts.values()),
        approvals=verdicts.get(Verdict.APPROVE, 0),
        changes_requested=verdicts.get(Verdict.REQUEST_CHANGES, 0),
        rejections=verdicts.get(Verdict.REJECT, 0),
        merged=merged,
    )


def base_leaf_text(submission: Submission) -> str:
    """The base version's qna.yaml of the leaf the submission changes ('' for an add)."""
    if not submission.base_version_id:
        return ""
    leaf = (
        LeafRevision.objects.live_at(submission.base_version_id)
        .filter(node__path=submission.path)
        .select_related("qna")
        .first()
    )
    return leaf.qna.text if leaf else ""


def submission_diff(submission: Submission) -> list[DiffLine]:
    """The latest revision's qna.yaml against the base version's leaf, with YAML paths."""
    revision = submission.latest_revision
    new = revision.qna_yaml if revision is not None else ""
    return diff_lines(base_leaf_text(submission), new)


def submission_timeline(submission: Submission) -> list[Event]:
    cache = getattr(submission, "_prefetched_objects_cache", {})
    if "events" in cache:
        return list(cache["events"])
    return list(Event.objects.filter(submission=submission).select_related("actor").order_by("created_at", "pk"))


def notifications_for(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user_id=user.pk).select_related("event", "event__submission", "event__actor")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()



