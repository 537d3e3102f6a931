"""Template helpers of the generation pages: scope labels, progress, filter reasons, and a submission's preview."""

from __future__ import annotations

from typing import Any

from django import template

from contrib.synth import permissions
from contrib.synth.choices import RUN_FINISHED, FilterReason, RunScope
from contrib.synth.models import GenerationRun, Teacher
from contrib.synth.selectors import run_progress, run_samples
from taxonomy.templatetags.taxonomy_display import present_leaf

register = template.Library()

#: How many samples the submission page shows; the run page lists them all.
PREVIEW_SAMPLES = 50


@register.filter
def run_scope(run: GenerationRun) -> str:
    """``taxonomy version 3`` or ``submission #12 revision r2``."""
    if run.scope == RunScope.PREVIEW and run.submission_revision is not None:
        revision = run.submission_revision
        return f"submission #{revision.submission_id} revision r{revision.number}"
    return f"taxonomy version {run.taxonomy_version_id}"


@register.filter
def percent(done: int, total: int) -> int:
    """``done`` of ``total`` as a whole percentage, 0 when the total is not known yet."""
    try:
        return max(0, min(100, int(100 * int(done) / int(total)))) if int(total) > 0 else 0
    except (TypeError, ValueError):
        return 0


@register.filter
def reason_label(code: str) -> str:
    """The readable text of a filter reason code."""
    try:
        return str(FilterReason(code).label)
    except ValueError:
        return str(code).replace("_", " ")


@register.filter
def duration(seconds: Any) -> str:
    """An ETA in seconds as ``1 h 02 min``, ``3 min 05 s`` or ``12 s``; empty when unknown."""
    if seconds is None:
        return ""
    total = round(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


@register.filter
def is_live(run: GenerationRun) -> bool:
    """Whether the run may still change (queued or running), so the page polls it."""
    return run.status not in RUN_FINISHED


@register.simple_tag
def reason_labels() -> dict[str, str]:
    """Every filter reason code with its text, for the poller."""
    return {str(value): str(label) for value, label in FilterReason.choices}


@register.inclusion_tag("synth/_preview.html", takes_context=True)
def generation_preview(context: template.Context, submission: Any) -> dict[str, Any]:
    """The submission page's "Generation preview": a start button, and the latest preview beside the seed examples."""
    request = context.get("request")
    user = getattr(request, "user", None)
    revision = submission.latest_revision
    run = (
        GenerationRun.objects.select_related("teacher", "submission_revision")
        .filter(scope=RunScope.PREVIEW, submission_revision__submission=submission)
        .order_by("-created_at", "-pk")
        .first()
    )
    can_preview = revision is not None and user is not None and permissions.can_preview(user, revision)
    visible = run is not None and user is not None and permissions.can_view(user, run)
    return {
        "s": submission,
        "revision": revision,
        "csrf_token": context.get("csrf_token"),
        "can_preview": can_preview and bool(revision.data),
        "has_teacher": Teacher.objects.filter(enabled=True).exists(),
        "run": run if visible else None,
        "progress": run_progress(run) if visible and run else None,
        "can_cancel": visible and run is not None and permissions.can_cancel(user, run),
        "samples": list(run_samples(run)[:PREVIEW_SAMPLES]) if visible and run else [],
        "limit": PREVIEW_SAMPLES,
        "seeds": present_leaf(revision.data, revision.kind) if revision is not None and revision.data else None,
        "request": request,
    }
