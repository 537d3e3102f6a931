"""HTML pages of generation: the runs list and start form, a run's live page, and previews of submissions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contrib.accounts.selectors import is_maintainer
from contrib.submissions.views.access import signed_in_user, visible_submission
from contrib.synth import permissions
from contrib.synth.choices import RunScope
from contrib.synth.exceptions import RunFinished, SynthError
from contrib.synth.forms import RunStartForm, SampleFilterForm
from contrib.synth.models import GenerationRun, Teacher
from contrib.synth.selectors import run_progress, run_samples
from contrib.synth.services import generation_run_cancel, generation_run_create
from contrib.synth.templatetags.synth_display import PREVIEW_SAMPLES

RUNS_PER_PAGE = 25
SAMPLES_PER_PAGE = 25
PREVIEW_SCALE = 2
NO_TEACHER = (
    "No teacher is configured, so nothing can be generated yet. A maintainer registers one with "
    "`python manage.py configure_teacher NAME --base-url URL --model MODEL`."
)


def _runs_visible_to(user: Any) -> QuerySet[GenerationRun]:
    """Every run for maintainers; for others, the previews they started or of their own submissions."""
    runs = GenerationRun.objects.select_related("teacher", "submission_revision__submission").order_by("-created_at", "-pk")
    if is_maintainer(user):
        return runs
    return runs.filter(Q(created_by=user) | Q(submission_revision__submission__author=user), scope=RunScope.PREVIEW)


def _visible_run(request: HttpRequest, pk: int) -> GenerationRun:
    """The run with what its page shows, or 404 when it does not exist or the user may not see it."""
    run = (
        GenerationRun.objects.select_related("teacher", "created_by", "submission_revision__submission")
        .filter(pk=pk)
        .first()
    )
    if run is None or not permissions.can_view(request.user, run):
        raise Http404("There is no such generation run.")
    return run


def _field_errors(form: Any, exc: SynthError) -> None:
    for field, items in exc.errors.items():
        for item in items:
            form.add_error(field if field in form.fields else None, str(item))


def _list_page(request: HttpRequest, form: RunStartForm | None, *, status: int = 200) -> HttpResponse:
    user = request.user
    maintainer = is_maintainer(user)
    page = Paginator(_runs_visible_to(user), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "runs": list(page.object_list),
        "can_start": maintainer,
        "form": (form or RunStartForm()) if maintainer else None,
        "has_teacher": Teacher.objects.filter(enabled=True).exists() if maintainer else True,
        "no_teacher": NO_TEACHER,
    }
    return render(request, "synth/run_list.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def run_list(request: HttpRequest) -> HttpResponse:
    """Generation runs, newest first; maintainers start a run over a taxonomy version here."""
    if request.method == "GET":
        return _list_page(request, None)
    if not permissions.can_start(request.user, revision=None):
        raise PermissionDenied("Only maintainers start runs over a taxonomy version.")
    form = RunStartForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    data = form.cleaned_data
    try:
        run = generation_run_create(
            teacher=data["teacher"], scale=data["scale"], seed=data["seed"], taxonomy_version=data["taxonomy_version"],
            incremental_from=data["incremental_from"], created_by=signed_in_user(request),
        )
    except SynthError as exc:
        _field_errors(form, exc)
        return _list_page(request, form, status=400)
    messages.success(request, f"Run {run.pk} is queued.")
    return redirect("synth:run", pk=run.pk)


def _samples_context(request: HttpRequest, run: GenerationRun) -> dict[str, Any]:
    filters = SampleFilterForm(request.GET)
    kept, leaf = filters.selection()
    page = Paginator(run_samples(run, kept=kept, leaf=leaf), SAMPLES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"run": run, "filters": filters, "page": page, "samples": list(page.object_list), "query": query.urlencode()}


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A run's live progress, its cancel button, and its samples, filtered and paginated."""
    run = _visible_run(request, pk)
    context = {
        **_samples_context(request, run),
        "progress": run_progress(run),
        "can_cancel": permissions.can_cancel(request.user, run),
        "leaves": list(run.leaf_jobs.values_list("path", flat=True)),
    }
    return render(request, "synth/run_detail.html", context)


@login_required
@require_GET
def run_progress_json(request: HttpRequest, pk: int) -> JsonResponse:
    """The run's progress as ``run_progress`` gives it, for the page's poller."""
    return JsonResponse(run_progress(_visible_run(request, pk)))


@login_required
@require_GET
def run_samples_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """The samples part of a page, re-rendered for the poller: the run page's table, or a preview's cards."""
    run = _visible_run(request, pk)
    if request.GET.get("layout") == "preview":
        samples = list(run_samples(run)[:PREVIEW_SAMPLES])
        return render(request, "synth/_preview_samples.html", {"run": run, "samples": samples, "limit": PREVIEW_SAMPLES})
    return render(request, "synth/_samples.html", _samples_context(request, run))


@login_required
@require_POST
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a queued or running run: maintainers, or whoever started it."""
    run = _visible_run(request, pk)
    if not permissions.can_cancel(request.user, run):
        raise PermissionDenied("Only maintainers and whoever started the run can cancel it.")
    try:
        generation_run_cancel(run=run, actor=signed_in_user(request))
    except RunFinished as exc:
        messages.error(request, str(exc.errors["status"][0]))
    else:
        messages.success(request, f"Run {run.pk} is cancelled; its leaves stop before their next request.")
    return redirect(_safe_next(request, run))


def _safe_next(request: HttpRequest, run: GenerationRun) -> str:
    """Back to where the cancel button was (the submission page for a preview), or the run page."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("synth:run", kwargs={"pk": run.pk})


@login_required
@require_POST
def submission_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a small preview run on the submission's latest revision with the first enabled teacher."""
    submission = visible_submission(request, pk)
    revision = submission.latest_revision
    if revision is None or not permissions.can_preview(request.user, revision):
        raise PermissionDenied("Only the submission's author and reviewers of its area can preview its data.")
    teacher = Teacher.objects.filter(enabled=True).order_by("name").first()
    if teacher is None:
        messages.error(request, NO_TEACHER)
        return redirect(_preview_anchor(pk))
    try:
        generation_run_create(
            teacher=teacher, scale=PREVIEW_SCALE, submission_revision=revision, created_by=signed_in_user(request)
        )
    except SynthError as exc:
        messages.error(request, " ".join(str(m) for items in exc.errors.values() for m in items))
        return redirect(_preview_anchor(pk))
    messages.success(request, f"Generating a preview of revision r{revision.number} with {teacher.name}.")
    return redirect(_preview_anchor(pk))


def _preview_anchor(pk: int) -> str:
    return reverse("submissions:detail", kwargs={"pk": pk}) + "#preview-title"
