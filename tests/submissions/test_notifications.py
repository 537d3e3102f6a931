"""Tests of notifications: in-app rows for the right people on review events, and email unless opted out."""

from __future__ import annotations

import pytest

from contrib.submissions.choices import EventKind, Verdict
from contrib.submissions.models import Notification
from contrib.submissions.selectors import notifications_for
from contrib.submissions.services import comment_add, notification_mark_read, review_submit, submission_merge
from tests.submissions.factories import People, checks_settle, submit, user_make

pytestmark = pytest.mark.django_db


def recipients(kind: str) -> set[str]:
    return set(Notification.objects.filter(event__kind=kind).values_list("user__username", flat=True))


def test_review_events_notify_the_author_area_reviewers_and_participants(tree: int, cast: People) -> None:
    submission = submit(cast.author)
    assert recipients(EventKind.OPENED) == {"reviewer"}, "the area's reviewers hear of a new submission"

    comment_add(submission=submission, author=cast.other, body="Lovely.")
    assert recipients(EventKind.COMMENTED) == {"author", "reviewer"}

    review_submit(submission=submission, reviewer=cast.reviewer, verdict=Verdict.APPROVE)
    assert recipients(EventKind.REVIEWED) == {"author", "other"}, "the actor is never notified"
    assert "outsider" not in set(Notification.objects.values_list("user__username", flat=True))

    checks_settle(submission)
    submission_merge(submission=submission, actor=cast.maintainer)
    assert recipients(EventKind.MERGED) == {"author", "other", "reviewer"}
    assert not Notification.objects.filter(event__kind=EventKind.CHECKS_COMPLETED).exists()


def test_drafts_notify_nobody(tree: int, cast: People) -> None:
    submit(cast.author, draft=True)
    assert not Notification.objects.exists()


def test_email_goes_out_on_commit_except_to_opted_out_users(
    tree: int, cast: People, mailoutbox, django_capture_on_commit_callbacks, eager_tasks: None, settings  # type: ignore[no-untyped-def]
) -> None:
    settings.SEEDBED_BASE_URL = "https://seedbed.example.org"
    quiet = user_make("quiet", role="reviewer", area="compositional_skills/writing", notify_by_email=False)
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(cast.author)
    assert {m.to[0] for m in mailoutbox} == {"reviewer@example.org"}
    assert Notification.objects.filter(user=quiet, event__kind=EventKind.OPENED, emailed=False).exists()

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        review_submit(submission=submission, reviewer=cast.reviewer, verdict=Verdict.REQUEST_CHANGES, body="More.")
    assert [m.to for m in mailoutbox] == [["author@example.org"]]
    message = mailoutbox[0]
    assert f"https://seedbed.example.org/submissions/{submission.pk}/" in message.body
    assert message.subject.startswith(f"[Seedbed] #{submission.pk}")
    assert Notification.objects.get(user=cast.author, event__kind=EventKind.REVIEWED).emailed


def test_nothing_is_mailed_when_the_transaction_rolls_back(tree: int, cast: People, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    submit(cast.author)
    assert mailoutbox == []


def test_mark_read(tree: int, cast: People) -> None:
    submission = submit(cast.author)
    comment_add(submission=submission, author=cast.other, body="a")
    comment_add(submission=submission, author=cast.maintainer, body="b")
    unread = notifications_for(cast.author, unread_only=True)
    assert unread.count() == 2
    assert notification_mark_read(user=cast.author, ids=[unread[0].pk]) == 1
    assert notification_mark_read(user=cast.other, ids=[unread[0].pk]) == 0, "nobody marks another's notices"
    assert notification_mark_read(user=cast.author) == 1
    assert notifications_for(cast.author, unread_only=True).count() == 0
