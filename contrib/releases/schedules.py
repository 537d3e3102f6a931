"""The release cadence: django-celery-beat periodic tasks that cut a release candidate on a crontab.

Beat reads them from the database; run it beside the workers with
``celery -A contrib beat -S django_celery_beat.schedulers:DatabaseScheduler``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from celery.schedules import ParseException
from celery.schedules import crontab as celery_crontab
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_celery_beat.validators import crontab_validator

from contrib.releases.exceptions import ReleaseInvalid
from contrib.releases.tasks import release_candidate_cut_task
from contrib.synth.models import Teacher
from contrib.synth.services import MAX_SCALE

# The registered Celery name of the cut task, which is what beat sends (not its module path).
CUT_TASK = release_candidate_cut_task.name
CRONTAB_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
CRONTAB_HELP = (
    'Give five fields "minute hour day-of-month month day-of-week", e.g. "0 3 1 * *" for 03:00 on the 1st of '
    'every month, or "30 2 * * 1" for 02:30 every Monday.'
)


@dataclass(frozen=True)
class Schedule:
    """A release-candidate schedule as the page shows it."""

    name: str
    crontab: str
    teacher: str
    scale: int
    enabled: bool
    last_run_at: Any


def crontab_parse(expression: str) -> dict[str, str]:
    """The five fields of a crontab expression, keyed as CrontabSchedule names them; ReleaseInvalid if invalid."""
    parts = expression.split()
    if len(parts) != len(CRONTAB_FIELDS):
        raise ReleaseInvalid({"crontab": [f"{expression!r} has {len(parts)} fields, not 5. {CRONTAB_HELP}"]})
    fields = dict(zip(CRONTAB_FIELDS, parts, strict=True))
    try:
        crontab_validator(" ".join(parts))
        celery_crontab(**fields)
    except (ValidationError, ValueError, ParseException) as exc:
        detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        raise ReleaseInvalid({"crontab": [f"{expression!r} is not a valid crontab ({detail}). {CRONTAB_HELP}"]}) from None
    return fields


def _orphan_crontabs_delete(ids: set[int]) -> None:
    for crontab_id in ids:
        if crontab_id and not PeriodicTask.objects.filter(crontab_id=crontab_id).exists():
            CrontabSchedule.objects.filter(pk=crontab_id).delete()


def release_schedule_set(*, name: str, crontab: str, teacher: str, scale: int, enabled: bool = True) -> PeriodicTask:
    """Create or replace the schedule ``name``: on ``crontab`` (UTC), cut a candidate with ``teacher`` at ``scale``."""
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = ["Give the schedule a name, e.g. 'monthly release candidate'; setting it again replaces it."]
    fields: dict[str, str] = {}
    try:
        fields = crontab_parse(crontab)
    except ReleaseInvalid as exc:
        errors.update(exc.errors)
    if not Teacher.objects.filter(name=teacher, enabled=True).exists():
        errors["teacher"] = [f"No enabled teacher named {teacher!r}: a maintainer registers it with configure_teacher."]
    if not 1 <= scale <= MAX_SCALE:
        errors["scale"] = [f"The scale is samples per seed example, from 1 to {MAX_SCALE}."]
    if errors:
        raise ReleaseInvalid(errors)
    with transaction.atomic():
        schedule, _ = CrontabSchedule.objects.get_or_create(**fields, timezone=settings.TIME_ZONE)
        existing = PeriodicTask.objects.select_for_update().filter(name=name).first()
        if existing is not None and existing.task != CUT_TASK:
            raise ReleaseInvalid({"name": [f"{name!r} names another periodic task ({existing.task}); pick another name."]})
        previous_crontab = existing.crontab_id if existing else None
        task, _ = PeriodicTask.objects.update_or_create(
            name=name,
            defaults={
                "task": CUT_TASK,
                "crontab": schedule,
                "interval": None,
                "solar": None,
                "clocked": None,
                "one_off": False,
                "kwargs": json.dumps({"teacher": teacher, "scale": scale}, sort_keys=True),
                "args": "[]",
                "enabled": enabled,
                "description": f"Cut a release candidate with {teacher} at scale {scale}, then notify the maintainers.",
            },
        )
        if previous_crontab and previous_crontab != schedule.pk:
            _orphan_crontabs_delete({previous_crontab})
    return task


def release_schedule_delete(*, name: str) -> bool:
    """Remove the schedule ``name``; False when there was none."""
    with transaction.atomic():
        task = PeriodicTask.objects.filter(name=name, task=CUT_TASK).first()
        if task is None:
            return False
        crontab_id = task.crontab_id
        task.delete()
        if crontab_id:
            _orphan_crontabs_delete({crontab_id})
    return True


def release_schedules() -> list[Schedule]:
    """Every release-candidate schedule, by name."""
    result = []
    for task in PeriodicTask.objects.filter(task=CUT_TASK).select_related("crontab").order_by("name"):
        try:
            kwargs = json.loads(task.kwargs or "{}")
        except ValueError:
            kwargs = {}
        tab = task.crontab
        expression = (
            " ".join(str(getattr(tab, f)) for f in CRONTAB_FIELDS) if tab is not None else "(not a crontab)"
        )
        result.append(
            Schedule(
                name=task.name, crontab=expression, teacher=str(kwargs.get("teacher", "")),
                scale=int(kwargs.get("scale") or 0), enabled=task.enabled, last_run_at=task.last_run_at,
            )
        )
    return result
