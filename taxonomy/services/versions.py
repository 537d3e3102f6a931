"""Writes of taxonomy versions: leaf changes applied as one new, linear version."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from taxonomy.choices import VersionOrigin
from taxonomy.models import Blob, LeafDocument, LeafRevision, Node, TaxonomyVersion
from taxonomy.paths import ancestors, normalize_path


@dataclass(frozen=True)
class LeafContent:
    """The files of one leaf as they are on disk: exact bytes, plus what the validator read from them."""

    path: str
    qna: bytes
    attribution: bytes | None
    kind: str
    schema_version: int
    data: Any
    documents: Mapping[str, bytes] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        """Content address of the whole leaf: the hashes of its files, in a fixed order."""
        h = hashlib.sha256()
        h.update(b"qna.yaml\0" + hashlib.sha256(self.qna).hexdigest().encode())
        if self.attribution is not None:
            h.update(b"\0attribution.txt\0" + hashlib.sha256(self.attribution).hexdigest().encode())
        for name in sorted(self.documents):
            h.update(b"\0" + name.encode() + b"\0" + hashlib.sha256(self.documents[name]).hexdigest().encode())
        return h.hexdigest()


@dataclass(frozen=True)
class LeafRemoval:
    """The removal of the leaf at ``path``."""

    path: str


Change = LeafContent | LeafRemoval


@dataclass(frozen=True)
class VersionResult:
    """What ``version_create`` did: the new version (None when nothing changed) and the paths it touched."""

    version: TaxonomyVersion | None
    added: list[str]
    updated: list[str]
    removed: list[str]
    unchanged: list[str]


class VersionConflict(Exception):
    """The tree moved on since ``expected_head``: the change was made against an older version."""


def blob_put(data: bytes) -> Blob:
    """Store ``data`` once, addressed by its sha256."""
    sha = hashlib.sha256(data).hexdigest()
    blob, _ = Blob.objects.get_or_create(sha256=sha, defaults={"data": data, "size": len(data)})
    return blob


def node_ensure(path: str) -> Node:
    """The node at ``path``, created with its ancestors when missing."""
    parent: Node | None = None
    for prefix in [*ancestors(path), path]:
        parent, _ = Node.objects.get_or_create(
            path=prefix, defaults={"parent": parent, "name": prefix.rsplit("/", 1)[-1], "depth": prefix.count("/")}
        )
    assert parent is not None
    return parent


def _lock_head() -> TaxonomyVersion | None:
    """Lock the newest version row so concurrent writers queue up behind each other."""
    return TaxonomyVersion.objects.select_for_update().order_by("-number").first()


def version_create(
    *,
    changes: Sequence[Change],
    message: str,
    origin: str,
    origin_ref: str = "",
    author: AbstractBaseUser | None = None,
    author_name: str = "",
    author_email: str = "",
    signoff: str = "",
    expected_head: int | None = None,
    replace_all: bool = False,
) -> VersionResult:
    """Apply ``changes`` as one new version on top of the current head.

    Unchanged leaves are skipped; when nothing changes, no version is made. With ``replace_all`` the
    changes describe the whole tree and every live leaf they do not mention is removed (an import).
    With ``expected_head`` the call fails with VersionConflict if the head is not that version.
    """
    if origin not in VersionOrigin.values:
        raise ValueError(f"origin must be one of {VersionOrigin.values}, not {origin!r}.")
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _version_create_locked(
                    changes=changes,
                    message=message,
                    origin=origin,
                    origin_ref=origin_ref,
                    author=author,
                    author_name=author_name,
                    author_email=author_email,
                    signoff=signoff,
                    expected_head=expected_head,
                    replace_all=replace_all,
                )
        except IntegrityError:
            # Only the very first version has no row to lock: two first writers meet on the unique
            # number instead, and the loser simply tries again on top of the winner.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _version_create_locked(
    *,
    changes: Sequence[Change],
    message: str,
    origin: str,
    origin_ref: str,
    author: AbstractBaseUser | None,
    author_name: str,
    author_email: str,
    signoff: str,
    expected_head: int | None,
    replace_all: bool,
) -> VersionResult:
    head = _lock_head()
    head_number = head.number if head else 0
    if expected_head is not None and expected_head != head_number:
        raise VersionConflict(f"The taxonomy is at version {head_number}, not {expected_head}.")

    live = {r.node.path: r for r in LeafRevision.objects.current().select_related("node")}
    added: list[str] = []
    updated: list[str] = []
    removed: list[str] = []
    unchanged: list[str] = []
    puts: list[LeafContent] = []
    closes: list[LeafRevision] = []
    mentioned: set[str] = set()

    for change in changes:
        path = normalize_path(change.path)
        mentioned.add(path)
        current = live.get(path)
        if isinstance(change, LeafRemoval):
            if current is not None:
                closes.append(current)
                removed.append(path)
            continue
        if current is not None and current.sha256 == change.sha256:
            unchanged.append(path)
            continue
        (updated if current is not None else added).append(path)
        if current is not None:
            closes.append(current)
        puts.append(change)

    if replace_all:
        for path, current in sorted(live.items()):
            if path not in mentioned:
                closes.append(current)
                removed.append(path)

    if not puts and not closes:
        return VersionResult(None, added, updated, removed, unchanged)

    version = TaxonomyVersion.objects.create(
        number=head_number + 1,
        parent=head,
        author_id=author.pk if author is not None else None,
        author_name=author_name or (getattr(author, "get_full_name", lambda: "")() if author else ""),
        author_email=author_email or (getattr(author, "email", "") if author else ""),
        message=message,
        signoff=signoff,
        origin=origin,
        origin_ref=origin_ref,
        created_at=timezone.now(),
    )
    if closes:
        LeafRevision.objects.filter(pk__in=[r.pk for r in closes]).update(valid_to=version)
    for content in puts:
        revision = LeafRevision.objects.create(
            node=node_ensure(normalize_path(content.path)),
            sha256=content.sha256,
            qna=blob_put(content.qna),
            attribution=blob_put(content.attribution) if content.attribution is not None else None,
            kind=content.kind,
            schema_version=content.schema_version,
            data=content.data,
            valid_from=version,
        )
        LeafDocument.objects.bulk_create(
            LeafDocument(revision=revision, name=name, blob=blob_put(data))
            for name, data in sorted(content.documents.items())
        )
    return VersionResult(version, added, updated, removed, unchanged)
