"""Writes the taxonomy at a version as an InstructLab directory tree, byte for byte as stored."""

from __future__ import annotations

from pathlib import Path

from django.db.models import prefetch_related_objects

from taxonomy.exceptions import TaxonomyError
from taxonomy.exchange.source_tree import ATTRIBUTION, QNA, document_name_ok
from taxonomy.models import LeafRevision
from taxonomy.paths import normalize_path
from taxonomy.selectors import tree_at


class ExportTargetError(TaxonomyError):
    """The export directory cannot be used (not empty, or not a directory)."""


def target_prepare(dest: Path) -> None:
    """Make ``dest`` an empty directory, refusing one that already holds anything."""
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise ExportTargetError(f"{dest} exists and is not a directory: choose a new or empty directory.")
    if dest.exists() and any(dest.iterdir()):
        raise ExportTargetError(
            f"{dest} is not empty: choose a new or empty directory, so nothing is overwritten."
        )
    dest.mkdir(parents=True, exist_ok=True)


def leaf_files(revision: LeafRevision) -> dict[str, bytes]:
    """The files of a leaf revision by name: qna.yaml, attribution.txt when stored, and its documents."""
    files = {QNA: bytes(revision.qna.data)}
    if revision.attribution is not None:
        files[ATTRIBUTION] = bytes(revision.attribution.data)
    for document in revision.documents.all():
        if not document_name_ok(document.name):
            raise ExportTargetError(
                f"{revision.node.path} has a document named {document.name!r}, which cannot be "
                "written safely: rename it."
            )
        files[document.name] = bytes(document.blob.data)
    return files


def leaf_write(dest: Path, revision: LeafRevision) -> None:
    """Write the files of ``revision`` under ``dest``, replacing the leaf's previous files."""
    # normalize_path again: a stored path becomes a directory here, so it must not climb out of dest.
    directory = dest.joinpath(*normalize_path(revision.node.path).split("/"))
    leaf_clear(dest, revision.node.path, prune=False)
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in leaf_files(revision).items():
        with open(directory / name, "xb") as handle:
            handle.write(data)


def leaf_clear(dest: Path, path: str, *, prune: bool = True) -> None:
    """Remove the files of the leaf at ``path`` (its sub-directories are other leaves), then empty parents."""
    directory = dest.joinpath(*normalize_path(path).split("/"))
    if not directory.is_dir():
        return
    for child in directory.iterdir():
        if child.is_file() and not child.is_symlink():
            child.unlink()
    if prune:
        current = directory
        while current != dest and not any(current.iterdir()):
            current.rmdir()
            current = current.parent


def tree_write(dest: Path, number: int) -> int:
    """Write the tree at version ``number`` into the new or empty directory ``dest``; count the leaves."""
    target_prepare(dest)
    revisions = tree_at(number)
    prefetch_related_objects(revisions, "documents__blob")
    for revision in revisions:
        leaf_write(dest, revision)
    return len(revisions)
