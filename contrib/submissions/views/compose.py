"""The guided submission form: compose and revise, live validation, the path picker and qna.yaml upload."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contrib.accounts.selectors import profile_of
from contrib.submissions import permissions
from contrib.submissions.choices import Action
from contrib.submissions.exceptions import SubmissionError
from contrib.submissions.forms import INITIAL_ROWS, ExampleFormSet, LeafForm, UploadForm, initial_from_data
from contrib.submissions.models import Submission
from contrib.submissions.services import document_add, revision_create, submission_create
from contrib.submissions.views.access import signed_in_user, visible_submission
from contrib.submissions.views.feedback import Feedback, apply_errors, check_form, place_feedback
from taxonomy.format import validate_text
from taxonomy.format.attribution import parse_attribution
from taxonomy.selectors import tree_index_at, version_head

PREFIX = "ex"
PICKER_LIMIT = 25


@dataclass
class Compose:
    """The bound or prefilled forms of the compose page, and what checking them found."""

    form: LeafForm
    formset: Any
    feedback: Feedback | None = None
    upload_form: UploadForm | None = None
    upload_messages: list[dict[str, Any]] = field(default_factory=list)


def _blank(request: HttpRequest, *, revise: bool, initial: dict[str, Any], rows: list[dict[str, str]]) -> Compose:
    rows = rows + [{} for _ in range(max(0, INITIAL_ROWS - len(rows)))]
    return Compose(form=LeafForm(initial=initial, revise=revise), formset=ExampleFormSet(initial=rows, prefix=PREFIX))


def _bound(request: HttpRequest, *, revise: bool) -> Compose:
    form = LeafForm(request.POST, request.FILES, revise=revise)
    formset = ExampleFormSet(request.POST, prefix=PREFIX)
    form.is_valid()
    formset.is_valid()
    return Compose(form=form, formset=formset)


def _with_row(compose: Compose) -> Compose:
    """The same page with one more blank seed-example row (the no-script "Add an example" button)."""
    rows = [f.cleaned_data for f in compose.formset.forms if getattr(f, "cleaned_data", None) is not None]
    rows = [{k: v for k, v in r.items() if k != "DELETE"} for r in rows if not r.get("DELETE")] + [{}]
    compose.formset = ExampleFormSet(initial=rows, prefix=PREFIX)
    return compose


def _uploads(request: HttpRequest) -> list[tuple[str, bytes, str]]:
    return [(f.name or "", f.read(), f.content_type or "text/plain") for f in request.FILES.getlist("documents")]


def _defaults(request: HttpRequest) -> dict[str, Any]:
    profile = profile_of(signed_in_user(request))
    return {"signoff": profile.signoff, "created_by": request.user.get_username()}


def _page(request: HttpRequest, compose: Compose, submission: Submission | None = None, status: int = 200) -> HttpResponse:
    if compose.feedback is not None and compose.form.is_bound:
        place_feedback(compose.form, compose.formset, compose.feedback, prefix=PREFIX)
    return render(
        request,
        "submissions/compose.html",
        {
            "c": compose,
            "form": compose.form,
            "formset": compose.formset,
            "feedback": compose.feedback,
            "upload_form": compose.upload_form or UploadForm(),
            "upload_messages": compose.upload_messages,
            "submission": submission,
            "revise": submission is not None,
            "kind": compose.form["kind"].value() or "freeform_skill",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """The guided form for a new submission; "Save draft" and "Open submission" create it."""
    if request.method == "GET":
        return _page(request, _blank(request, revise=False, initial=_defaults(request), rows=[]))
    compose = _bound(request, revise=False)
    intent = compose.form.chosen_intent()
    if intent == "add_row":
        return _page(request, _with_row(compose))
    compose.feedback = check_form(compose.form, compose.formset, prefix=PREFIX)
    if intent not in ("draft", "open") or not compose.form.is_valid() or compose.feedback.build_error:
        return _page(request, compose)
    data = compose.form.cleaned_data
    attribution = compose.form.attribution()
    try:
        submission = submission_create(
            author=signed_in_user(request),
            title=data["title"],
            description=data["description"],
            action=data["action"],
            path=data["path"],
            qna_yaml="" if data["action"] == Action.REMOVE else compose.feedback.qna_yaml,
            attribution=attribution if any(attribution.values()) else None,
            signoff=data["signoff"],
            draft=intent == "draft",
            documents=_uploads(request),
        )
    except SubmissionError as exc:
        apply_errors(compose.form, compose.feedback, exc.errors, prefix=PREFIX)
        return _page(request, compose)
    messages.success(request, "Draft saved." if intent == "draft" else "Submission opened: checks are running.")
    return redirect("submissions:detail", pk=submission.pk)


@login_required
@require_POST
def submit_validate(request: HttpRequest) -> JsonResponse:
    """Live validation: the form's qna.yaml and attribution.txt, built and checked as a submission would be."""
    compose = _bound(request, revise=request.POST.get("revise") == "1")
    feedback = check_form(compose.form, compose.formset, prefix=PREFIX, extra_documents=request.POST.getlist("document_names"))
    return JsonResponse(feedback.to_json())


@login_required
@require_GET
def submit_paths(request: HttpRequest) -> JsonResponse:
    """The path picker: directories and leaves at the head whose path holds every word of ``?q=``."""
    words = request.GET.get("q", "").lower().split()[:8]
    head = version_head()
    leaves = {e.path: e.kind for e in tree_index_at(head.number)} if head else {}
    dirs = {"compositional_skills", "knowledge"}
    for path in leaves:
        parts = path.split("/")
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
    found = [{"path": p, "type": "leaf", "kind": k} for p, k in leaves.items()]
    found += [{"path": p, "type": "directory", "kind": ""} for p in dirs if p not in leaves]
    found = [r for r in found if all(w in r["path"].lower() for w in words) and not r["path"].startswith("foundational_skills")]
    found.sort(key=lambda r: (r["path"].count("/"), r["path"]))
    return JsonResponse({"version": head.number if head else None, "results": found[:PICKER_LIMIT]})


@login_required
@require_POST
def submit_upload(request: HttpRequest) -> HttpResponse:
    """Prefill the form from an uploaded qna.yaml; broken YAML is shown located, on the page."""
    upload = UploadForm(request.POST, request.FILES)
    if not upload.is_valid():
        compose = _blank(request, revise=False, initial=_defaults(request), rows=[])
        compose.upload_form = upload
        return _page(request, compose)
    content: bytes = upload.cleaned_data["qna_file"]
    attribution_text: str | None = upload.cleaned_data["attribution_file"]
    result = validate_text(content, path="qna.yaml", attribution=attribution_text, check_attribution=attribution_text is not None)
    initial, rows = initial_from_data(result.data)
    initial = {**_defaults(request), **initial}
    if attribution_text:
        fields = parse_attribution(attribution_text)
        initial.update({k: v for k, v in vars(fields).items() if v})
    compose = _blank(request, revise=False, initial=initial, rows=rows)
    compose.upload_messages = [m.to_dict() for m in result.errors + result.warnings]
    if result.data is None:
        messages.error(request, "The uploaded file could not be read as a qna.yaml: see the problems below.")
    else:
        messages.info(request, f"The form is filled from the uploaded file ({len(rows)} seed examples). Check it, then continue.")
    return _page(request, compose)


def _revisable(request: HttpRequest, pk: int) -> Submission:
    submission = visible_submission(request, pk)
    if not permissions.can_revise(request.user, submission):
        raise PermissionDenied("Only the author may revise an open submission.")
    return submission


@login_required
@require_http_methods(["GET", "POST"])
def revise(request: HttpRequest, pk: int) -> HttpResponse:
    """A new revision of a submission: the same form, prefilled from its latest revision."""
    submission = _revisable(request, pk)
    if request.method == "GET":
        latest = submission.latest_revision
        initial, rows = initial_from_data(latest.data if latest else None)
        initial = {**_defaults(request), **initial}
        if latest and latest.attribution_txt:
            initial.update({k: v for k, v in vars(parse_attribution(latest.attribution_txt)).items() if v})
        return _page(request, _blank(request, revise=True, initial=initial, rows=rows), submission)
    compose = _bound(request, revise=True)
    intent = compose.form.chosen_intent()
    if intent == "add_row":
        return _page(request, _with_row(compose), submission)
    existing = [d.name for d in submission.documents.all()]
    compose.feedback = check_form(compose.form, compose.formset, prefix=PREFIX, path=submission.path, extra_documents=existing)
    if intent not in ("draft", "open") or not compose.form.is_valid() or compose.feedback.build_error:
        return _page(request, compose, submission)
    attribution = compose.form.attribution()
    try:
        for name, data, content_type in _uploads(request):
            document_add(submission=submission, actor=signed_in_user(request), name=name, data=data, content_type=content_type)
        revision_create(
            submission=submission,
            actor=signed_in_user(request),
            qna_yaml="" if submission.action == Action.REMOVE else compose.feedback.qna_yaml,
            attribution=attribution if any(attribution.values()) else None,
            signoff=compose.form.cleaned_data["signoff"],
            draft=intent == "draft",
        )
    except SubmissionError as exc:
        apply_errors(compose.form, compose.feedback, exc.errors, prefix=PREFIX)
        return _page(request, compose, submission)
    messages.success(request, "New revision saved." if intent == "draft" else "New revision pushed: checks are running.")
    return redirect("submissions:detail", pk=submission.pk)



