"""The release cadence: cut a candidate (latest taxonomy version, incremental generation, build), then notify."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from contrib.releases.exceptions import ReleaseInvalid
from contrib.releases.models import Release
from contrib.synth.choices import RunScope, RunStatus
from contrib.synth.models import GenerationRun, Teacher
from taxonomy.selectors import version_head


def next_calver(today: Any = None) -> str:
    """The next free CalVer of this month: ``YYYY.MM.N``."""
    today = today or timezone.now().date()
    prefix = f"{today.year}.{today.month:02d}."
    taken = [v[len(prefix):] for v in Release.objects.filter(version__startswith=prefix).values_list("version", flat=True)]
    numbers = [int(n) for n in taken if n.isdigit()]
    return f"{prefix}{max(numbers) + 1 if numbers else 0}"


def release_candidate_cut(*, teacher: Teacher, scale: int, version: str | None = None, actor: Any = None
                          ) -> GenerationRun:
    """Start an incremental generation over the newest taxonomy version; once it succeeds, a worker builds
    release ``version`` (the next CalVer by default) and emails the maintainers to check and publish it."""
    from contrib.releases.tasks import release_candidate_continue
    from contrib.synth.services import generation_run_create

    head = version_head()
    if head is None:
        raise ReleaseInvalid({"taxonomy_version": ["There is no taxonomy yet: import one before cutting a release."]})
    version = version or next_calver()
    last = (GenerationRun.objects.filter(scope=RunScope.TAXONOMY, status=RunStatus.SUCCEEDED, scale=scale)
            .order_by("-finished_at", "-pk").first())
    with transaction.atomic():
        run = generation_run_create(teacher=teacher, scale=scale, seed=last.seed if last else 0,
                                    taxonomy_version=head, incremental_from=last, created_by=actor)
        actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        transaction.on_commit(lambda: release_candidate_continue.apply_async((run.pk, version, actor_id), countdown=10))
    return run


def maintainers_notify(release: Release) -> int:
    """Email the maintainers that ``release`` is built (or failed) and waits for them; returns how many."""
    users = get_user_model().objects.filter(profile__is_maintainer=True, profile__notify_by_email=True, is_active=True)
    recipients = sorted({u.email for u in users if u.email})
    if not recipients:
        return 0
    stats = release.stats or {}
    body = (
        f"Release candidate {release.version} is {release.status}.\n"
        f"Taxonomy version {release.taxonomy_version_id}, {stats.get('rows', 0)} rows, dropped {stats.get('dropped', {})}.\n"
        f"{release.error}\n\nCheck it with `python manage.py release verify {release.version}` and publish it with "
        f"`python manage.py release publish {release.version}`."
    )
    send_mail(f"[Seedbed] release candidate {release.version} {release.status}", body,
              settings.DEFAULT_FROM_EMAIL, recipients)
    return len(recipients)
