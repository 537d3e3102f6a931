"""Dashboards: the reviewer queue with its stats, the contributor's submissions, and notifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from contrib.accounts.selectors import is_maintainer, owned_prefixes
from contrib.submissions import selectors
from contrib.submissions.forms import MarkReadForm, QueueFilterForm
from contrib.submissions.services import notification_mark_read
from contrib.submissions.views.access import signed_in_user

QUEUE_LIMIT = 200
NOTIFICATIONS_LIMIT = 100


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Open submissions in the areas the reviewer owns (all for maintainers), oldest first, with filters."""
    user = request.user
    areas = owned_prefixes(user)
    maintainer = is_maintainer(user)
    if not areas and not maintainer:
        raise PermissionDenied("The review queue is for reviewers and maintainers: ask a maintainer for an area.")
    filters = QueueFilterForm(request.GET)
    if not filters.is_valid():
        raise BadRequest("; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in filters.errors.items()))
    data = filters.cleaned_data
    items = list(
        selectors.review_queue(
            user=user, status=data["status"] or None, kind=data["kind"] or None, area=data["area"] or None,
            older_than_days=data["age"],
        )[:QUEUE_LIMIT]
    )
    for item in items:
        item.label = selectors.submission_label(item)  # type: ignore[attr-defined]
    return render(
        request,
        "submissions/queue.html",
        {"items": items, "filters": filters, "areas": areas, "maintainer": maintainer,
         "stats": selectors.reviewer_stats(user), "limit": QUEUE_LIMIT},
    )


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The signed-in user's submissions with InstructLab-style labels, and what they have contributed."""
    items = list(selectors.my_submissions(request.user))
    for item in items:
        item.label = selectors.submission_label(item)  # type: ignore[attr-defined]
    return render(
        request, "submissions/mine.html", {"items": items, "stats": selectors.contributor_stats(request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """In-app notifications, newest first; POST marks the chosen ones (or all) as read."""
    if request.method == "POST":
        form = MarkReadForm(request.POST)
        if not form.is_valid():
            raise BadRequest("Give notification ids as numbers.")
        ids = form.cleaned_data["ids"]
        count = notification_mark_read(user=signed_in_user(request), ids=ids or None)
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
        return redirect("submissions:notifications")
    items = list(selectors.notifications_for(request.user)[:NOTIFICATIONS_LIMIT])
    return render(request, "submissions/notifications.html", {"items": items, "unread": sum(1 for n in items if not n.read_at)})
