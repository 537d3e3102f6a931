"""The leaves a release reads: their provenance (submission, contributor, licence) and the takedowns that hit them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from contrib.accounts.models import Profile
from contrib.releases.choices import TakedownKind
from contrib.releases.models import Takedown
from contrib.submissions.models import Submission
from taxonomy.choices import VersionOrigin
from taxonomy.format.attribution import normalize_license, parse_attribution
from taxonomy.models import LeafRevision, TaxonomyVersion

SUBMISSION_REF = "submission:"


@dataclass(frozen=True)
class ReleaseLeaf:
    """One leaf live at the release's taxonomy version, with everything a row's provenance needs."""

    revision_id: int
    path: str
    sha256: str
    kind: str
    data: dict[str, Any]
    submission_id: int | None
    contributor: str
    contributor_user_id: int | None
    created_by: str
    license: str
    attribution_text: str = ""
    takedown_id: int | None = None

    @property
    def area(self) -> str:
        return area_of(self.path)


def area_of(path: str) -> str:
    """The area of a leaf for composition tables: its first two path segments."""
    return "/".join(path.split("/")[:2])


def submission_of(origin: str, origin_ref: str) -> int | None:
    if origin == VersionOrigin.MERGE and origin_ref.startswith(SUBMISSION_REF):
        tail = origin_ref[len(SUBMISSION_REF):]
        return int(tail) if tail.isdigit() else None
    return None


def credit_name(user: Any) -> str:
    """The name a row credits for ``user``, by their consent (a pseudonym unless they chose to be named)."""
    profile = Profile.objects.filter(user=user).first() or Profile(user=user)
    return profile.credit_name


def leaves_at(number: int, takedowns: Sequence[Takedown] = ()) -> list[ReleaseLeaf]:
    """Every leaf live at version ``number``, sorted by path (code point order, the same on every database)."""
    revisions = list(LeafRevision.objects.live_at(number).select_related("node", "attribution"))
    origins = {
        v.number: (v.origin, v.origin_ref)
        for v in TaxonomyVersion.objects.filter(number__in={r.valid_from_id for r in revisions})
    }
    submission_ids = {s for r in revisions if (s := submission_of(*origins[r.valid_from_id])) is not None}
    authors = dict(Submission.objects.filter(pk__in=submission_ids).values_list("pk", "author_id"))
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=set(authors.values()))}
    names = {pk: credit_name(user) for pk, user in users.items()}
    leaves = []
    for revision in revisions:
        data = revision.data or {}
        submission_id = submission_of(*origins[revision.valid_from_id])
        author_id = authors.get(submission_id) if submission_id is not None else None
        created_by = str(data.get("created_by") or "")
        attribution = parse_attribution(revision.attribution.text) if revision.attribution is not None else None
        raw_license = attribution.license_of_the_work if attribution else ""
        leaf = ReleaseLeaf(
            revision_id=revision.pk,
            path=revision.node.path,
            sha256=revision.sha256,
            kind=revision.kind,
            data=data,
            submission_id=submission_id if author_id is not None else None,
            contributor=names[author_id] if author_id is not None else created_by,
            contributor_user_id=author_id,
            created_by=created_by,
            license=(normalize_license(raw_license) or raw_license) if raw_license else "",
            attribution_text=revision.attribution.text if revision.attribution is not None else "",
        )
        hit = takedown_hit(leaf, takedowns)
        if hit is not None:
            leaf = ReleaseLeaf(**{**leaf.__dict__, "takedown_id": hit})
        leaves.append(leaf)
    leaves.sort(key=lambda leaf: leaf.path)
    return leaves


def takedown_matches(takedown: Takedown, *, path: str, submission_id: int | None, user_id: int | None,
                     created_by: str) -> bool:
    """Whether ``takedown`` removes a leaf's rows, given what the leaf was made from."""
    if takedown.kind == TakedownKind.LEAF_PATH:
        prefix = takedown.leaf_path.strip("/")
        return path == prefix or path.startswith(f"{prefix}/")
    if takedown.kind == TakedownKind.SUBMISSION:
        return submission_id is not None and submission_id == takedown.submission_id
    if takedown.kind == TakedownKind.CONTRIBUTOR:
        if user_id is not None:
            return user_id == takedown.contributor_id
        # An imported leaf has no Seedbed author: its qna.yaml names the contributor by handle.
        return bool(created_by) and takedown.contributor is not None and created_by == takedown.contributor.get_username()
    return False


def takedown_hit(leaf: ReleaseLeaf, takedowns: Iterable[Takedown]) -> int | None:
    for takedown in takedowns:
        if takedown_matches(takedown, path=leaf.path, submission_id=leaf.submission_id,
                            user_id=leaf.contributor_user_id, created_by=leaf.created_by):
            return takedown.pk
    return None
