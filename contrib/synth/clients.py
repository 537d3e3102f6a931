"""Building a TeacherClient from a Teacher row, with the Redis semaphore when the broker is Redis."""

from __future__ import annotations

from django.conf import settings

from contrib.synth.models import Teacher
from contrib.synth.teacher.client import TeacherClient, TeacherConfig


def teacher_config(teacher: Teacher) -> TeacherConfig:
    return TeacherConfig(
        name=teacher.name,
        base_url=teacher.base_url,
        model=teacher.model,
        api_key_env=teacher.api_key_env,
        max_concurrency=teacher.max_concurrency,
        timeout=teacher.timeout,
        max_retries=settings.SEEDBED_TEACHER_MAX_RETRIES,
    )


def client_for(teacher: Teacher) -> TeacherClient:
    """A client for ``teacher``; its concurrency limit holds across every worker when the broker is Redis."""
    broker = str(settings.CELERY_BROKER_URL)
    redis_url = broker if broker.startswith(("redis://", "rediss://")) else None
    return TeacherClient(teacher_config(teacher), redis_url=redis_url)
