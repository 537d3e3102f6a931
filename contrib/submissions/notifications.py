"""In-app and email notifications of review events to the author, the area's reviewers and earlier participants."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from contrib.accounts.models import Profile
from contrib.accounts.selectors import reviewer_ids_for
from contrib.submissions.choices import EventKind, Status
from contrib.submissions.models import Comment, Event, Notification, Review, Submission

#: Events that are news to someone; drafts, uploads and check runs are not mailed.
NOTIFY_KINDS = frozenset(
    {
        EventKind.OPENED,
        EventKind.REVISED,
        EventKind.REVIEWED,
        EventKind.COMMENTED,
        EventKind.MERGED,
        EventKind.MERGE_CONFLICT,
        EventKind.REJECTED,
        EventKind.WITHDRAWN,
    }
)


def submission_url(submission: Submission) -> str:
    return f"{settings.SEEDBED_BASE_URL.rstrip('/')}/submissions/{submission.pk}/"


def recipients_for(event: Event) -> set[int]:
    """The author, the area's reviewers and everyone who reviewed or commented, minus the actor."""
    submission = event.submission
    ids = {submission.author_id} | reviewer_ids_for(submission.path)
    ids |= set(Review.objects.filter(submission=submission).values_list("reviewer_id", flat=True))
    ids |= set(Comment.objects.filter(submission=submission).values_list("author_id", flat=True))
    ids.discard(event.actor_id)
    return ids


def notify_event(event: Event) -> list[Notification]:
    """Record a notification per recipient now, and email those who opted in once the transaction commits."""
    if event.kind not in NOTIFY_KINDS or event.submission.status == Status.DRAFT:
        return []
    user_ids = recipients_for(event)
    if not user_ids:
        return []
    notifications = Notification.objects.bulk_create(
        [Notification(user_id=user_id, event=event) for user_id in sorted(user_ids)], ignore_conflicts=True
    )
    transaction.on_commit(lambda: notification_email_send(event_id=event.pk))
    return notifications


def _opted_out(user_ids: Iterable[int]) -> set[int]:
    return set(Profile.objects.filter(user_id__in=list(user_ids), notify_by_email=False).values_list("user_id", flat=True))


def notification_email_send(*, event_id: int) -> int:
    """Email every not-yet-emailed notification of the event to users who did not opt out; returns how many."""
    event = Event.objects.select_related("submission", "actor").filter(pk=event_id).first()
    if event is None:
        return 0
    pending = list(Notification.objects.filter(event=event, emailed=False).select_related("user"))
    skipped = _opted_out(n.user_id for n in pending)
    subject, body = email_text(event)
    sent: list[int] = []
    for notification in pending:
        email = getattr(notification.user, "email", "")
        if notification.user_id in skipped or not email:
            continue
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)
        sent.append(notification.pk)
    Notification.objects.filter(pk__in=sent).update(emailed=True)
    return len(sent)


def email_text(event: Event) -> tuple[str, str]:
    submission = event.submission
    actor = event.actor.get_username() if event.actor else "Seedbed"
    what = EventKind(event.kind).label
    detail = event.data.get("verdict") or event.data.get("message") or ""
    subject = f"[Seedbed] #{submission.pk} {submission.title[:80]}: {what}"
    lines = [
        f"{actor} {what} on submission #{submission.pk}, {submission.title}",
        f"Path: {submission.path}",
    ]
    if detail:
        lines.append(f"Detail: {detail}")
    lines += [
        "",
        f"See it at {submission_url(submission)}",
        "",
        (
            "You get this email because you wrote, review or took part in this submission. "
            "Turn email notifications off in your profile."
        ),
    ]
    return subject, "\n".join(lines)


def notification_mark_read(*, user: AbstractBaseUser, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications (all, or those in ``ids``) read; returns how many changed."""
    qs = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())

