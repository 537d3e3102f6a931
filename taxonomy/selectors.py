"""Reads of the taxonomy: the tree at a version, a leaf's history, search."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from taxonomy.models import LeafDocument, LeafRevision, Node, TaxonomyVersion


def version_head() -> TaxonomyVersion | None:
    """The newest version, or None before the first import."""
    return TaxonomyVersion.objects.order_by("-number").first()


def version_get(number: int) -> TaxonomyVersion:
    return TaxonomyVersion.objects.get(number=number)


def tree_at(number: int) -> list[LeafRevision]:
    """Every leaf revision live at version ``number``, by path."""
    return list(
        LeafRevision.objects.live_at(number).select_related("node", "qna", "attribution").order_by("node__path")
    )


def leaf_at(path: str, number: int) -> LeafRevision | None:
    return LeafRevision.objects.live_at(number).select_related("node", "qna", "attribution").filter(node__path=path).first()


def leaf_history(path: str) -> list[LeafRevision]:
    """Every revision the leaf at ``path`` has had, oldest first, with the versions that bound them."""
    return list(
        LeafRevision.objects.filter(node__path=path)
        .select_related("node", "valid_from", "valid_to")
        .order_by("valid_from_id")
    )


@dataclass(frozen=True)
class DirectoryEntry:
    """A child of a directory in the tree browser: a sub-directory or a leaf."""

    path: str
    name: str
    is_leaf: bool
    leaf_count: int
    kind: str = ""


def directory_at(path: str, number: int) -> list[DirectoryEntry]:
    """The children of directory ``path`` ("" for the top) at version ``number``, with leaf counts."""
    prefix = f"{path}/" if path else ""
    depth = path.count("/") + 1 if path else 0
    counts: dict[str, int] = {}
    leaves: dict[str, str] = {}
    rows = LeafRevision.objects.live_at(number).filter(node__path__startswith=prefix).values_list("node__path", "kind")
    for leaf_path, kind in rows:
        parts = leaf_path.split("/")
        child = "/".join(parts[: depth + 1])
        counts[child] = counts.get(child, 0) + 1
        if len(parts) == depth + 1:
            leaves[child] = kind
    return [
        DirectoryEntry(
            path=child,
            name=child.rsplit("/", 1)[-1],
            is_leaf=child in leaves,
            leaf_count=count,
            kind=leaves.get(child, ""),
        )
        for child, count in sorted(counts.items())
    ]


def leaf_search(query: str, number: int, limit: int = 50) -> list[LeafRevision]:
    """Leaves live at ``number`` whose path or qna.yaml text holds every word of ``query`` (case-insensitive)."""
    words = [w for w in query.split() if w][:8]
    qs = LeafRevision.objects.live_at(number).select_related("node")
    for word in words:
        # The parsed data is JSON text in every backend we support, so icontains searches the seed examples.
        qs = qs.filter(Q(node__path__icontains=word) | Q(data__icontains=word))
    return list(qs.order_by("node__path")[:limit])


def node_exists(path: str) -> bool:
    return Node.objects.filter(path=path).exists()


def version_find(number: int) -> TaxonomyVersion | None:
    """The version ``number``, or None when there is no such version."""
    return TaxonomyVersion.objects.filter(number=number).first()


def version_list(limit: int | None = None) -> list[TaxonomyVersion]:
    """Versions newest first, at most ``limit`` of them."""
    qs = TaxonomyVersion.objects.order_by("-number")
    return list(qs[:limit] if limit is not None else qs)


@dataclass(frozen=True)
class TreeEntry:
    """One leaf of the tree at a version, by its hashes only (no file contents)."""

    path: str
    sha256: str
    kind: str
    schema_version: int
    qna_sha256: str
    attribution_sha256: str | None


def tree_index_at(number: int) -> list[TreeEntry]:
    """Every leaf live at version ``number`` with its hashes, by path: one query that reads no blobs."""
    rows = (
        LeafRevision.objects.live_at(number)
        .order_by("node__path")
        .values_list("node__path", "sha256", "kind", "schema_version", "qna_id", "attribution_id")
    )
    return [TreeEntry(*row) for row in rows]


def leaf_document_names(revision: LeafRevision) -> list[str]:
    """The file names of the documents stored with ``revision``, sorted."""
    return list(LeafDocument.objects.filter(revision=revision).order_by("name").values_list("name", flat=True))
