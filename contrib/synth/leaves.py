"""What a run generates from: the leaves of a taxonomy version, or one submission revision, read as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contrib.submissions.models import Document, Revision
from contrib.synth.models import GenerationRun
from taxonomy.models import LeafDocument, LeafRevision
from taxonomy.selectors import tree_at


@dataclass(frozen=True)
class LeafSpec:
    """One leaf to generate from: its path, kind, content address, parsed qna.yaml and document texts."""

    path: str
    kind: str
    sha256: str
    data: dict[str, Any]
    documents: list[str] = field(default_factory=list)
    leaf_revision_id: int | None = None


def run_leaves(run: GenerationRun) -> list[LeafSpec]:
    """Every leaf of the run's scope, by path; documents are read only for knowledge leaves."""
    if run.submission_revision_id is not None:
        revision = Revision.objects.select_related("submission").get(pk=run.submission_revision_id)
        return [revision_leaf(revision)]
    assert run.taxonomy_version_id is not None
    leaves = tree_at(run.taxonomy_version_id)
    docs: dict[int, list[str]] = {}
    knowledge = [r.pk for r in leaves if r.kind == "knowledge"]
    for doc in LeafDocument.objects.filter(revision_id__in=knowledge).select_related("blob").order_by("name"):
        docs.setdefault(doc.revision_id, []).append(doc.blob.text)
    return [
        LeafSpec(path=r.node.path, kind=r.kind, sha256=r.sha256, data=r.data or {}, documents=docs.get(r.pk, []),
                 leaf_revision_id=r.pk)
        for r in leaves
    ]


def revision_leaf(revision: Revision) -> LeafSpec:
    documents = [
        bytes(d.blob.data).decode("utf-8", errors="replace")
        for d in Document.objects.filter(revision=revision).select_related("blob").order_by("name")
    ]
    return LeafSpec(path=revision.submission.path, kind=revision.kind, sha256=revision.sha256,
                    data=revision.data or {}, documents=documents)


def job_leaf(run: GenerationRun, leaf_revision_id: int | None) -> LeafSpec:
    """The one leaf a leaf job generates from."""
    if leaf_revision_id is None:
        assert run.submission_revision_id is not None
        revision = Revision.objects.select_related("submission").get(pk=run.submission_revision_id)
        return revision_leaf(revision)
    leaf = LeafRevision.objects.select_related("node").get(pk=leaf_revision_id)
    documents = [d.blob.text for d in LeafDocument.objects.filter(revision=leaf).select_related("blob").order_by("name")]
    return LeafSpec(path=leaf.node.path, kind=leaf.kind, sha256=leaf.sha256, data=leaf.data or {},
                    documents=documents, leaf_revision_id=leaf.pk)
