"""Celery tasks of submissions: the slow checks of a revision (near-duplicates and PII)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction

from contrib.submissions.checks.runner import SLOW_CHECKS, check_run
from contrib.submissions.choices import CheckStatus, EventKind
from contrib.submissions.models import Check, Revision

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=4,
    name="submissions.revision_checks_run",
)
def revision_checks_run(self: Any, revision_id: int) -> str:
    """Run the revision's pending slow checks; checks already decided are left alone, so redelivery is harmless."""
    from contrib.submissions.services.events import event_record

    revision = Revision.objects.select_related("submission").filter(pk=revision_id).first()
    if revision is None:
        logger.warning("Revision %s no longer exists; no checks to run.", revision_id)
        return "missing"
    pending = list(
        Check.objects.filter(revision=revision, name__in=list(SLOW_CHECKS), status=CheckStatus.PENDING)
        .values_list("name", flat=True)
    )
    if not pending:
        return "done"
    # The checks read only; they run outside the transaction so no lock is held while they compute.
    outcomes = {name: check_run(revision, name) for name in pending}
    with transaction.atomic():
        locked = list(
            Check.objects.select_for_update().filter(revision=revision, name__in=pending, status=CheckStatus.PENDING)
        )
        if not locked:
            return "done"
        for check in locked:
            outcome = outcomes[check.name]
            check.status, check.summary, check.details = outcome.status, outcome.summary[:500], outcome.details
            check.save(update_fields=["status", "summary", "details", "updated_at"])
        statuses = dict(Check.objects.filter(revision=revision).values_list("name", "status"))
        event_record(
            submission=revision.submission,
            actor=None,
            kind=EventKind.CHECKS_COMPLETED,
            data={"revision": revision.number, "checks": statuses},
        )
    return "completed"

