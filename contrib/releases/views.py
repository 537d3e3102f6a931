"""HTML pages of releases: the list and new-release form, a release with its charts and files, downloads, schedule."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from contrib.accounts.selectors import is_maintainer
from contrib.releases.charts import release_charts
from contrib.releases.choices import FileKind, ReleaseStatus, Split
from contrib.releases.downloads import file_response
from contrib.releases.exceptions import ReleaseError
from contrib.releases.forms import ReleaseCreateForm, ScheduleForm, WithdrawForm
from contrib.releases.models import Release, ReleaseFile
from contrib.releases.schedules import release_schedule_delete, release_schedule_set, release_schedules
from contrib.releases.selectors import release_progress
from contrib.releases.storage import release_storage
from contrib.synth.models import Teacher


def services():  # type: ignore[no-untyped-def]
    """The release services, imported on first use: they pull in the build pipeline (pyarrow, datasets)."""
    from contrib.releases import services as module

    return module


RELEASES_PER_PAGE = 25
CARD_MAX_BYTES = 256 * 1024
VERIFY_PROBLEMS_SHOWN = 20
PUBLIC_STATUSES = (ReleaseStatus.PUBLISHED, ReleaseStatus.WITHDRAWN)
# The files of a row count: parquet shards carry every row once (the jsonl files repeat them).
ROW_FILES = Q(files__kind=FileKind.PARQUET)

AnyUser = AbstractBaseUser | AnonymousUser


def releases_visible(user: AnyUser) -> QuerySet[Release]:
    """Every release for maintainers; published and withdrawn ones for everyone else, anonymous included."""
    releases = Release.objects.order_by("-created_at", "-pk")
    if is_maintainer(user):
        return releases
    return releases.filter(status__in=PUBLIC_STATUSES)


def release_visible(user: AnyUser, version: str) -> Release:
    """The release ``version`` if ``user`` may see it; Http404 otherwise (a draft is not revealed to exist)."""
    release = releases_visible(user).select_related("previous", "patch_of", "created_by").filter(version=version).first()
    if release is None:
        raise Http404(f"There is no release {version}.")
    return release


def _signed_in(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    return user


def _maintainer_only(request: HttpRequest, action: str) -> None:
    if not is_maintainer(request.user):
        raise PermissionDenied(f"Only maintainers {action}.")


def _form_errors(form: Any, exc: ReleaseError) -> None:
    for field, items in exc.errors.items():
        for item in items:
            form.add_error(field if field in form.fields else None, str(item))


def _messages_of(exc: ReleaseError) -> str:
    return " ".join(str(m) for items in exc.errors.values() for m in items)


# --- The list. ---

def _list_page(request: HttpRequest, form: ReleaseCreateForm | None, *, status: int = 200) -> HttpResponse:
    maintainer = is_maintainer(request.user)
    releases = releases_visible(request.user).annotate(
        parquet_rows=Sum("files__rows", filter=ROW_FILES),
        jsonl_rows=Sum("files__rows", filter=Q(files__kind=FileKind.JSONL)),
    )
    page = Paginator(releases, RELEASES_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for release in rows:
        release.rows_total = release.parquet_rows if release.parquet_rows is not None else (release.jsonl_rows or 0)  # type: ignore[attr-defined]
    context = {
        "page": page,
        "releases": rows,
        "can_create": maintainer,
        "form": (form or ReleaseCreateForm()) if maintainer else None,
    }
    return render(request, "releases/release_list.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def release_list(request: HttpRequest) -> HttpResponse:
    """Releases, newest first; maintainers create one here, and its build starts in the workers."""
    if request.method != "POST":
        return _list_page(request, None)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _maintainer_only(request, "create releases")
    form = ReleaseCreateForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    try:
        release = services().release_create(**form.service_kwargs(), created_by=_signed_in(request))
        services().release_build_enqueue(release=release, actor=_signed_in(request))
    except ReleaseError as exc:
        _form_errors(form, exc)
        return _list_page(request, form, status=400)
    messages.success(request, f"Release {release.version} is created; its build is queued.")
    return redirect("releases:detail", version=release.version)


# --- A release. ---

def _card_text(card: ReleaseFile | None) -> tuple[str, bool]:
    """The card's Markdown as text (to show escaped), and whether it was cut at CARD_MAX_BYTES."""
    if card is None:
        return "", False
    try:
        with release_storage().open(card.storage_name, "rb") as handle:
            data = handle.read(CARD_MAX_BYTES + 1)
    except OSError:
        return "", False
    return data[:CARD_MAX_BYTES].decode("utf-8", errors="replace"), len(data) > CARD_MAX_BYTES


def _split_rows(files: list[ReleaseFile]) -> dict[str, int]:
    counted = [f for f in files if f.kind == FileKind.PARQUET] or [f for f in files if f.kind == FileKind.JSONL]
    totals = {"train": 0, "test": 0}
    for f in counted:
        if f.split in (Split.TRAIN, Split.TEST):
            totals[f.split] += f.rows
    return totals


def _generation_filtered(release: Release) -> dict[str, int]:
    """The samples the release's generation runs filtered out, by reason, summed over the runs."""
    totals: dict[str, int] = {}
    for reasons in release.runs.values_list("filtered_by_reason", flat=True):
        for reason, count in (reasons or {}).items():
            if isinstance(count, int):
                totals[str(reason)] = totals.get(str(reason), 0) + count
    return totals


def _detail_context(request: HttpRequest, release: Release) -> dict[str, Any]:
    files = list(release.files.order_by("name"))
    card = next((f for f in files if f.kind == FileKind.CARD), None) or next(
        (f for f in files if f.name == "README.md"), None
    )
    card_text, card_cut = _card_text(card)
    splits = _split_rows(files)
    maintainer = is_maintainer(request.user)
    status = release.status
    charts = release_charts(
        release.stats, release.diff, version=release.version,
        previous=release.previous.version if release.previous else "",
        generation_filtered=_generation_filtered(release),
    )
    return {
        "release": release,
        "files": files,
        "card": card,
        "card_text": card_text,
        "card_cut": card_cut,
        "splits": splits,
        "rows_total": splits["train"] + splits["test"],
        "bytes_total": sum(f.bytes for f in files),
        "runs": list(release.runs.order_by("pk").values_list("pk", flat=True)),
        "charts": charts,
        "progress": release_progress(release),
        "filtered_total": sum(count for _, count in charts.filtered),
        "withdrawn": status == ReleaseStatus.WITHDRAWN,
        "maintainer": maintainer,
        "can_publish": maintainer and status == ReleaseStatus.BUILT,
        "can_withdraw": maintainer and status == ReleaseStatus.PUBLISHED,
        "can_verify": maintainer and status in (ReleaseStatus.BUILT, *PUBLIC_STATUSES) and bool(files),
        "can_build": maintainer and status in (ReleaseStatus.DRAFT, ReleaseStatus.FAILED),
        "withdraw_form": WithdrawForm() if maintainer and status == ReleaseStatus.PUBLISHED else None,
        "patches": list(release.patches.filter(status__in=PUBLIC_STATUSES).values_list("version", flat=True))
        if not maintainer else list(release.patches.values_list("version", flat=True)),
    }


@require_http_methods(["GET", "HEAD"])
def release_detail(request: HttpRequest, version: str) -> HttpResponse:
    """A release: status, stats, charts, the diff against the previous release, its files and its card."""
    release = release_visible(request.user, version)
    return render(request, "releases/release_detail.html", _detail_context(request, release))


@require_http_methods(["GET", "HEAD"])
def release_progress_json(request: HttpRequest, version: str) -> JsonResponse:
    """The release's status and build progress as ``release_progress`` gives it, for the page's poller."""
    return JsonResponse(release_progress(release_visible(request.user, version)))


@login_required
@require_POST
def release_publish(request: HttpRequest, version: str) -> HttpResponse:
    release = release_visible(request.user, version)
    _maintainer_only(request, "publish releases")
    try:
        services().release_publish(release=release, actor=_signed_in(request))
    except ReleaseError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, f"Release {release.version} is published: it can no longer change.")
    return redirect("releases:detail", version=release.version)


@login_required
@require_POST
def release_withdraw(request: HttpRequest, version: str) -> HttpResponse:
    release = release_visible(request.user, version)
    _maintainer_only(request, "withdraw releases")
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        context = {**_detail_context(request, release), "withdraw_form": form}
        return render(request, "releases/release_detail.html", context, status=400)
    try:
        services().release_withdraw(release=release, actor=_signed_in(request), reason=form.cleaned_data["reason"])
    except ReleaseError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, f"Release {release.version} is withdrawn; its files stay downloadable for audit.")
    return redirect("releases:detail", version=release.version)


@login_required
@require_POST
def release_verify(request: HttpRequest, version: str) -> HttpResponse:
    """Recompute every file's checksum now and say what, if anything, differs from the manifest."""
    release = release_visible(request.user, version)
    _maintainer_only(request, "verify releases")
    try:
        result = services().release_verify(release=release)
    except ReleaseError as exc:
        messages.error(request, _messages_of(exc))
        return redirect("releases:detail", version=release.version)
    if result.ok:
        messages.success(request, f"Verified {release.version}: every file's size and sha256 match its manifest.")
    else:
        problems = [str(p) for p in result.problems]
        messages.error(request, f"Verification of {release.version} failed with {len(problems)} problem(s).")
        for problem in problems[:VERIFY_PROBLEMS_SHOWN]:
            messages.error(request, problem)
    return redirect("releases:detail", version=release.version)


@login_required
@require_POST
def release_build(request: HttpRequest, version: str) -> HttpResponse:
    """Queue the build of a draft, or again of a failed release."""
    release = release_visible(request.user, version)
    _maintainer_only(request, "build releases")
    try:
        services().release_build_enqueue(release=release, actor=_signed_in(request))
    except ReleaseError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, f"The build of {release.version} is queued.")
    return redirect("releases:detail", version=release.version)


# --- Downloads. ---

def download_user(request: HttpRequest) -> AnyUser:
    """The session's user, or the user of an ``Authorization: Token`` header, so API clients download drafts too."""
    if request.user.is_authenticated:
        return request.user
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() == "token" and key.strip():
        from rest_framework.authtoken.models import Token

        token = Token.objects.select_related("user").filter(key=key.strip()).first()
        if token is not None and token.user.is_active:
            return token.user
    return request.user


def serve_release_file(request: HttpRequest, user: AnyUser, version: str, name: str) -> HttpResponseBase:
    """The bytes of file ``name`` of release ``version``, if ``user`` may see the release; Http404 otherwise."""
    release = release_visible(user, version)
    release_file = ReleaseFile.objects.filter(release=release, name=name).first()
    if release_file is None:
        raise Http404(f"Release {version} has no file {name}.")
    release_file.release = release
    return file_response(request, release_file)


@require_http_methods(["GET", "HEAD"])
def release_file_download(request: HttpRequest, version: str, name: str) -> HttpResponseBase:
    """One file of a release, streamed, with ETag and Range; withdrawn releases' files are marked, drafts hidden."""
    return serve_release_file(request, download_user(request), version, name)


# --- The schedule. ---

def _schedule_page(request: HttpRequest, form: ScheduleForm | None, *, status: int = 200) -> HttpResponse:
    context = {
        "schedules": release_schedules(),
        "form": form or ScheduleForm(),
        "has_teacher": Teacher.objects.filter(enabled=True).exists(),
    }
    return render(request, "releases/schedule.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def release_schedule(request: HttpRequest) -> HttpResponse:
    """When release candidates are cut automatically (django-celery-beat), and a form to set a schedule."""
    _maintainer_only(request, "see and set the release schedule")
    if request.method == "GET":
        return _schedule_page(request, None)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        return _schedule_page(request, form, status=400)
    data = form.cleaned_data
    try:
        task = release_schedule_set(
            name=data["name"], crontab=data["crontab"], teacher=data["teacher"].name, scale=data["scale"],
            enabled=data["enabled"],
        )
    except ReleaseError as exc:
        _form_errors(form, exc)
        return _schedule_page(request, form, status=400)
    messages.success(request, f"Schedule {task.name!r} is set.")
    return redirect("releases:schedule")


@login_required
@require_POST
def release_schedule_remove(request: HttpRequest) -> HttpResponse:
    _maintainer_only(request, "change the release schedule")
    name = request.POST.get("name", "")
    if release_schedule_delete(name=name):
        messages.success(request, f"Schedule {name!r} is removed.")
    else:
        messages.error(request, f"There is no schedule {name!r}.")
    return redirect("releases:schedule")
