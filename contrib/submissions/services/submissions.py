"""Writes of a submission's life: create, open, revise, add documents, withdraw."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from contrib.accounts.selectors import is_maintainer
from contrib.submissions.checks.runner import checks_run_sync, documents_rerun, schema_outcome
from contrib.submissions.choices import Action, CheckName, EventKind, Status
from contrib.submissions.exceptions import InvalidTransition, Messages, SubmissionInvalid
from contrib.submissions.models import Check, Document, Revision, Submission
from contrib.submissions.services.content import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    DocumentUpload,
    Head,
    Prepared,
    action_check,
    content_prepare,
    document_problem,
    documents_clean,
    head_state,
    leaf_sha256,
    path_clean,
    text_limits,
)
from contrib.submissions.services.events import checks_enqueue, event_record
from contrib.submissions.services.locks import (
    approvals_dismiss,
    require_author,
    require_not_closed,
    require_signed_in,
    submission_lock,
)
from taxonomy.choices import Root
from taxonomy.format.attribution import AttributionFields
from taxonomy.services import blob_put

AttributionInput = AttributionFields | Mapping[str, Any] | None


def _revision_store(
    *, submission: Submission, prepared: Prepared, head: Head, actor: AbstractBaseUser, content_types: Mapping[str, str]
) -> Revision:
    number = (submission.latest_revision.number if submission.latest_revision else 0) + 1
    revision = Revision.objects.create(
        submission=submission,
        number=number,
        qna_yaml=prepared.qna_yaml,
        attribution_txt=prepared.attribution_txt,
        signoff=prepared.signoff,
        base_version_id=head.number,
        base_leaf_sha256=head.leaf_sha256,
        kind=prepared.kind,
        schema_version=prepared.schema_version,
        data=prepared.data,
        validation=prepared.validation_dict(),
        sha256=prepared.sha256(),
        created_by_id=actor.pk,
    )
    for name, data in prepared.documents.items():
        blob = blob_put(data)
        Document.objects.create(
            submission=submission, revision=revision, name=name, blob=blob,
            content_type=content_types.get(name, "") or "text/markdown", size=len(data), uploaded_by_id=actor.pk,
        )
    submission.latest_revision = revision
    submission.base_version_id = head.number
    submission.base_leaf_sha256 = head.leaf_sha256
    submission.save(update_fields=["latest_revision", "base_version", "base_leaf_sha256", "updated_at"])
    checks_run_sync(revision)
    checks_enqueue(revision.pk)
    return revision


def _open(submission: Submission, actor: AbstractBaseUser) -> None:
    submission.status = Status.OPEN
    submission.opened_at = timezone.now()
    submission.save(update_fields=["status", "opened_at", "updated_at"])
    event_record(submission=submission, actor=actor, kind=EventKind.OPENED, data={"path": submission.path})


@transaction.atomic
def submission_create(
    *,
    author: AbstractBaseUser,
    title: str,
    description: str = "",
    action: str,
    path: str,
    qna_yaml: str = "",
    attribution_txt: str | None = None,
    attribution: AttributionInput = None,
    signoff: str,
    draft: bool = False,
    documents: Iterable[DocumentUpload] = (),
) -> Submission:
    """Propose adding, updating or removing the leaf at ``path`` against the current head; a draft is kept even if invalid."""
    require_signed_in(author, "submit")
    errors: Messages = {}
    strict = not draft
    title = (title or "").strip()
    text_limits({"title": (title, TITLE_MAX), "description": (description or "", DESCRIPTION_MAX)}, errors)
    if not title and strict:
        errors.setdefault("title", []).append("Give the submission a title, e.g. 'Add haiku about the sea'.")
    clean_path = path_clean(path, user=author, errors=errors)
    if action not in Action.values:
        errors.setdefault("action", []).append(f"{action!r} is not an action: use add, update or remove.")
    uploads = list(documents)
    docs = documents_clean(uploads, errors)
    if uploads and clean_path and clean_path.split("/", 1)[0] != Root.KNOWLEDGE:
        errors.setdefault("documents", []).append("Only knowledge leaves have documents: remove the uploads.")
    if errors:
        raise SubmissionInvalid(errors)

    head = head_state(clean_path)
    action_check(action, clean_path, head, errors if strict else {})
    prepared = content_prepare(
        action=action, path=clean_path, qna_yaml=qna_yaml or "", attribution_txt=attribution_txt,
        attribution=attribution, signoff=signoff, documents=docs, strict=strict, errors=errors,
    )
    if errors:
        raise SubmissionInvalid(errors)

    submission = Submission.objects.create(
        title=title or "Untitled draft", description=description or "", action=action, path=clean_path,
        author_id=author.pk, status=Status.DRAFT,
    )
    content_types = {name: content_type for name, _data, content_type in uploads}
    _revision_store(submission=submission, prepared=prepared, head=head, actor=author, content_types=content_types)
    if draft:
        event_record(submission=submission, actor=author, kind=EventKind.DRAFTED, data={"revision": 1})
    else:
        _open(submission, author)
    return submission


def _latest_documents(submission: Submission) -> dict[str, bytes]:
    revision = submission.latest_revision
    if revision is None:
        return {}
    return {d.name: bytes(d.blob.data) for d in revision.documents.select_related("blob")}


@transaction.atomic
def submission_open(*, submission: Submission, actor: AbstractBaseUser) -> Submission:
    """Turn a draft into an open submission against the current head, validating it as a new submission is."""
    submission = submission_lock(submission)
    require_author(submission, actor, "open it")
    if submission.status != Status.DRAFT:
        raise InvalidTransition(f"Submission #{submission.pk} is {submission.status}, not a draft: it is already open.")
    revision = submission.latest_revision
    assert revision is not None
    errors: Messages = {}
    if submission.title == "Untitled draft":
        errors.setdefault("title", []).append("Give the submission a title before opening it.")
    path_clean(submission.path, user=actor, errors=errors)
    head = head_state(submission.path)
    action_check(submission.action, submission.path, head, errors)
    docs = _latest_documents(submission)
    prepared = content_prepare(
        action=submission.action, path=submission.path, qna_yaml=revision.qna_yaml,
        attribution_txt=revision.attribution_txt, attribution=None, signoff=revision.signoff,
        documents=docs, strict=True, errors=errors,
    )
    if errors:
        raise SubmissionInvalid(errors)
    # Nobody has reviewed a draft: it is rebased in place onto the version current when it opens.
    revision.base_version_id, revision.base_leaf_sha256 = head.number, head.leaf_sha256
    revision.validation = prepared.validation_dict()
    revision.save(update_fields=["base_version", "base_leaf_sha256", "validation"])
    submission.base_version_id, submission.base_leaf_sha256 = head.number, head.leaf_sha256
    submission.save(update_fields=["base_version", "base_leaf_sha256", "updated_at"])
    checks_run_sync(revision)
    _open(submission, actor)
    return submission


@transaction.atomic
def revision_create(
    *,
    submission: Submission,
    actor: AbstractBaseUser,
    qna_yaml: str = "",
    attribution_txt: str | None = None,
    attribution: AttributionInput = None,
    signoff: str,
    draft: bool = False,
    action: str | None = None,
) -> Revision:
    """Push new content, rebased on the current head; earlier approvals are dismissed. ``action`` may change it."""
    submission = submission_lock(submission)
    require_author(submission, actor, "revise it")
    require_not_closed(submission, "be revised")
    errors: Messages = {}
    strict = not (draft and submission.status == Status.DRAFT)
    new_action = action or submission.action
    head = head_state(submission.path)
    action_check(new_action, submission.path, head, errors if strict else {})
    prepared = content_prepare(
        action=new_action, path=submission.path, qna_yaml=qna_yaml or "", attribution_txt=attribution_txt,
        attribution=attribution, signoff=signoff, documents=_latest_documents(submission), strict=strict,
        errors=errors,
    )
    if errors:
        raise SubmissionInvalid(errors)
    if new_action != submission.action:
        submission.action = new_action
        submission.save(update_fields=["action", "updated_at"])
    revision = _revision_store(submission=submission, prepared=prepared, head=head, actor=actor, content_types={})
    if submission.status == Status.DRAFT:
        if strict:
            _open(submission, actor)
        return revision
    approvals_dismiss(submission, actor, f"revision {revision.number}")
    event_record(
        submission=submission, actor=actor, kind=EventKind.REVISED,
        data={"revision": revision.number, "base_version": head.number},
    )
    return revision


@transaction.atomic
def document_add(
    *, submission: Submission, actor: AbstractBaseUser, name: str, data: bytes, content_type: str = ""
) -> Document:
    """Attach a Markdown or text document to the latest revision of a knowledge submission, replacing a same-named one."""
    submission = submission_lock(submission)
    require_author(submission, actor, "add documents")
    require_not_closed(submission, "take documents")
    if submission.root != Root.KNOWLEDGE:
        raise SubmissionInvalid({"file": ["Only knowledge submissions take documents; skills have none."]})
    problem = document_problem(name, data)
    if problem:
        raise SubmissionInvalid({"file": [problem]})
    revision = submission.latest_revision
    assert revision is not None
    Document.objects.filter(revision=revision, name=name).delete()
    document = Document.objects.create(
        submission=submission, revision=revision, name=name, blob=blob_put(data),
        content_type=content_type or "text/markdown", size=len(data), uploaded_by_id=actor.pk,
    )
    docs = _latest_documents(submission)
    prepared = content_prepare(
        action=submission.action, path=submission.path, qna_yaml=revision.qna_yaml,
        attribution_txt=revision.attribution_txt, attribution=None, signoff=revision.signoff,
        documents=docs, strict=False, errors={},
    )
    revision.validation = prepared.validation_dict()
    revision.sha256 = leaf_sha256(revision.qna_yaml, revision.attribution_txt, docs)
    revision.save(update_fields=["validation", "sha256"])
    outcome = schema_outcome(revision)
    Check.objects.update_or_create(
        revision=revision, name=CheckName.SCHEMA,
        defaults={"status": outcome.status, "summary": outcome.summary[:500], "details": outcome.details},
    )
    documents_rerun(revision)
    if submission.status != Status.DRAFT:
        approvals_dismiss(submission, actor, f"document {name} added")
    event_record(
        submission=submission, actor=actor, kind=EventKind.DOCUMENT_ADDED,
        data={"name": name, "size": len(data), "revision": revision.number},
    )
    return document


@transaction.atomic
def submission_withdraw(*, submission: Submission, actor: AbstractBaseUser) -> Submission:
    """The author (or a maintainer) takes the submission back; a merged one cannot be withdrawn."""
    submission = submission_lock(submission)
    require_signed_in(actor, "withdraw a submission")
    if submission.author_id != actor.pk and not is_maintainer(actor):
        raise PermissionDenied(f"Only the author of submission #{submission.pk} or a maintainer may withdraw it.")
    require_not_closed(submission, "be withdrawn")
    submission.status = Status.WITHDRAWN
    submission.closed_at = timezone.now()
    submission.save(update_fields=["status", "closed_at", "updated_at"])
    event_record(submission=submission, actor=actor, kind=EventKind.WITHDRAWN)
    return submission


__all__ = [
    "document_add",
    "revision_create",
    "submission_create",
    "submission_open",
    "submission_withdraw",
]
