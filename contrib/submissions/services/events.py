"""Timeline events of a submission, each notifying the people concerned, and the enqueueing of checks."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from contrib.submissions.models import Event, Submission
from contrib.submissions.notifications import notify_event


def event_record(*, submission: Submission, actor: Any, kind: str, data: dict[str, Any] | None = None) -> Event:
    """Append an event to the timeline and notify its recipients (email after commit)."""
    event = Event.objects.create(
        submission=submission, actor=actor if getattr(actor, "pk", None) else None, kind=kind, data=data or {}
    )
    notify_event(event)
    return event


def checks_enqueue(revision_id: int) -> None:
    """Run the slow checks of a revision on a worker once this transaction commits."""
    from contrib.submissions.tasks import revision_checks_run

    transaction.on_commit(lambda: revision_checks_run.delay(revision_id))
