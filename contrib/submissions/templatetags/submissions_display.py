"""Template helpers of the submission pages: the unread notification count and status badges."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from contrib.submissions.models import Notification

register = template.Library()


@register.simple_tag
def unread_notifications(user: Any) -> int:
    """How many in-app notifications ``user`` has not read yet (0 for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


@register.simple_tag
def status_badge(value: Any, label: str = "") -> SafeString:
    """A coloured badge for a submission label, status or check outcome; the text is escaped."""
    key = getattr(value, "value", value)
    text = label or getattr(value, "label", None) or str(key).replace("_", " ")
    return format_html('<span class="badge badge--status badge--{}">{}</span>', str(key), text)


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    return str(value)


@register.filter
def event_items(data: Any) -> list[tuple[str, str]]:
    """A timeline event's data as (label, text) pairs, nested values flattened; empty values left out."""
    if not isinstance(data, dict):
        return []
    return [(key.replace("_", " "), _plain(value)) for key, value in data.items() if value not in ("", None, [], {})]
