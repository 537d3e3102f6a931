"""Celery tasks of the taxonomy core: running a recorded tree import."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from taxonomy.exceptions import TaxonomyError
from taxonomy.models import TreeImport
from taxonomy.services import tree_import

logger = logging.getLogger(__name__)

_DONE = (TreeImport.Status.SUCCEEDED, TreeImport.Status.FAILED)


@shared_task(bind=True, acks_late=True, autoretry_for=(), max_retries=0, name="taxonomy.tree_import_run")
def tree_import_run(self: Any, import_id: int) -> str:
    """Run the TreeImport ``import_id`` once; a finished row is left as it is, so redelivery is harmless."""
    with transaction.atomic():
        row = TreeImport.objects.select_for_update().filter(pk=import_id).first()
        if row is None:
            logger.warning("TreeImport %s no longer exists; nothing to run.", import_id)
            return "missing"
        if row.status in _DONE:
            return row.status
        # A row left running was interrupted (the worker died): importing again is safe, an unchanged
        # tree makes no version.
        row.status = TreeImport.Status.RUNNING
        row.started_at = timezone.now()
        row.save(update_fields=["status", "started_at"])

    try:
        result = tree_import(
            source=row.source,
            ref=row.ref or None,
            message=row.message,
            all_or_nothing=row.all_or_nothing,
            author=row.requested_by,
        )
    except TaxonomyError as exc:
        return _finish(row, status=TreeImport.Status.FAILED, error=str(exc))
    except Exception as exc:
        logger.exception("TreeImport %s failed unexpectedly.", import_id)
        return _finish(
            row, status=TreeImport.Status.FAILED, error=f"Unexpected error: {type(exc).__name__}: {exc}"
        )

    if result.refused:
        leaves = len(result.skipped) + len(result.unsafe)
        error = (
            f"Import refused: {leaves} leaves or entries could not be imported and all-or-nothing was "
            "asked; no version was made."
        )
        return _finish(row, status=TreeImport.Status.FAILED, error=error, report=result.to_dict())
    return _finish(
        row,
        status=TreeImport.Status.SUCCEEDED,
        report=result.to_dict(),
        version_id=result.version.pk if result.version else None,
    )


def _finish(
    row: TreeImport,
    *,
    status: str,
    error: str = "",
    report: dict[str, Any] | None = None,
    version_id: int | None = None,
) -> str:
    row.status = status
    row.error = error
    row.report = report or {}
    row.version_id = version_id
    row.finished_at = timezone.now()
    row.save(update_fields=["status", "error", "report", "version", "finished_at"])
    return status
