"""The merge of an approved submission into a new taxonomy version, refused on conflict, safe under concurrency."""

from __future__ import annotations

import difflib
import re
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contrib.accounts.selectors import can_review, required_approvals_for
from contrib.submissions.choices import Action, CheckStatus, EventKind, Status
from contrib.submissions.exceptions import MergeConflict, MergeNotAllowed
from contrib.submissions.models import Check, Revision, Submission
from contrib.submissions.services.events import event_record
from contrib.submissions.services.locks import require_signed_in, submission_lock
from contrib.submissions.services.reviews import approvals_count
from taxonomy.choices import VersionOrigin
from taxonomy.models import LeafRevision, TaxonomyVersion
from taxonomy.services import LeafContent, LeafRemoval, VersionConflict, version_create

SIGNOFF_IDENTITY = re.compile(r"^Signed-off-by: (?P<name>.+) <(?P<email>[^@\s]+@[^@\s]+)>$")
#: Each retry means another merge committed first; this bounds the wait, not correctness.
MAX_ATTEMPTS = 50


def _readiness(submission: Submission) -> list[str]:
    """What still stands between the submission and a merge (empty when it may merge)."""
    missing: list[str] = []
    if submission.status != Status.APPROVED:
        missing.append(f"the submission is {submission.status}, not approved")
    need = required_approvals_for(submission.path)
    have = approvals_count(submission)
    if have < need:
        missing.append(f"{need} approval(s) of the latest revision are required, it has {have}")
    checks = Check.objects.filter(revision_id=submission.latest_revision_id or 0)
    for check in checks:
        if check.status == CheckStatus.FAIL:
            missing.append(f"the {check.name} check fails: {check.summary}")
        elif check.status == CheckStatus.PENDING:
            missing.append(f"the {check.name} check is still pending; wait for the worker")
    return missing


def conflict_changes(submission: Submission, current: LeafRevision | None) -> dict[str, Any]:
    """What happened to the leaf since the submission's base: hashes, the versions that touched it, and a diff."""
    base_number = submission.base_version_id or 0
    base = (
        LeafRevision.objects.live_at(base_number).select_related("qna").filter(node__path=submission.path).first()
        if base_number
        else None
    )
    touched = LeafRevision.objects.filter(node__path=submission.path).filter(
        Q(valid_from_id__gt=base_number) | Q(valid_to_id__gt=base_number)
    )
    numbers = {n for pair in touched.values_list("valid_from_id", "valid_to_id") for n in pair if n and n > base_number}
    versions = TaxonomyVersion.objects.filter(number__in=numbers).order_by("number")
    old = base.qna.text if base else ""
    new = current.qna.text if current else ""
    diff = "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True),
            fromfile=f"v{base_number}/{submission.path}/qna.yaml", tofile=f"head/{submission.path}/qna.yaml",
        )
    )
    return {
        "path": submission.path,
        "base_version": submission.base_version_id,
        "base_sha256": submission.base_leaf_sha256,
        "current_sha256": current.sha256 if current else "",
        "current_version": TaxonomyVersion.objects.order_by("-number").values_list("number", flat=True).first(),
        "versions": [
            {"number": v.number, "message": v.message, "origin": v.origin, "origin_ref": v.origin_ref,
             "author": v.author_name, "created_at": v.created_at.isoformat()}
            for v in versions
        ],
        "diff": diff,
    }


def _change(submission: Submission, revision: Revision) -> LeafContent | LeafRemoval:
    if submission.action == Action.REMOVE:
        return LeafRemoval(path=submission.path)
    documents = {d.name: bytes(d.blob.data) for d in revision.documents.select_related("blob")}
    return LeafContent(
        path=submission.path,
        qna=revision.qna_yaml.encode(),
        attribution=revision.attribution_txt.encode() if revision.attribution_txt else None,
        kind=revision.kind,
        schema_version=revision.schema_version or 0,
        data=revision.data,
        documents=documents,
    )


def _merge_locked(submission: Submission, actor: AbstractBaseUser) -> TaxonomyVersion:
    missing = _readiness(submission)
    if missing:
        raise MergeNotAllowed({"merge": [f"Submission #{submission.pk} cannot merge yet: {m}." for m in missing]})
    revision = submission.latest_revision
    assert revision is not None
    identity = SIGNOFF_IDENTITY.match(revision.signoff)
    for _attempt in range(MAX_ATTEMPTS):
        try:
            with transaction.atomic():
                # Queue behind other writers of the tree, then read the head and the leaf as they are now.
                TaxonomyVersion.objects.select_for_update().order_by("-number").first()
                head = TaxonomyVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0
                current = LeafRevision.objects.current().select_related("qna").filter(node__path=submission.path).first()
                if (current.sha256 if current else "") != submission.base_leaf_sha256:
                    message = (
                        f"The leaf at {submission.path} changed since version {submission.base_version_id}, "
                        "which this submission was made against: the author must push a revision against the "
                        "current tree."
                    )
                    raise MergeConflict({"merge": [message]}, changes=conflict_changes(submission, current))
                result = version_create(
                    changes=[_change(submission, revision)],
                    message=submission.title,
                    origin=VersionOrigin.MERGE,
                    origin_ref=f"submission:{submission.pk}",
                    author=submission.author,
                    author_name=identity["name"] if identity else "",
                    author_email=identity["email"] if identity else "",
                    signoff=revision.signoff,
                    expected_head=head,
                )
        except VersionConflict:
            continue
        if result.version is None:
            raise MergeNotAllowed({"merge": ["The revision is identical to the current leaf: there is nothing to merge."]})
        return result.version
    raise MergeNotAllowed({"merge": ["The tree is busy with other merges: try again in a moment."]})


def submission_merge(*, submission: Submission, actor: AbstractBaseUser) -> TaxonomyVersion:
    """Merge an approved submission with passing checks as a new version; a changed leaf is a MergeConflict."""
    require_signed_in(actor, "merge")
    try:
        with transaction.atomic():
            locked = submission_lock(submission)
            if not can_review(actor, locked.path):
                raise PermissionDenied(f"Only reviewers of the area of {locked.path} or a maintainer merge it.")
            version = _merge_locked(locked, actor)
            locked.status = Status.MERGED
            locked.merged_version = version
            locked.closed_at = timezone.now()
            locked.save(update_fields=["status", "merged_version", "closed_at", "updated_at"])
            event_record(
                submission=locked, actor=actor, kind=EventKind.MERGED,
                data={"version": version.number, "message": f"merged as version {version.number}"},
            )
            return version
    except MergeConflict as conflict:
        # The refusal belongs on the timeline even though the merge rolled back: record it on its own.
        with transaction.atomic():
            event_record(
                submission=Submission.objects.get(pk=submission.pk), actor=actor, kind=EventKind.MERGE_CONFLICT,
                data={"message": conflict.errors["merge"][0], **{k: v for k, v in conflict.changes.items() if k != "diff"}},
            )
        raise
