"""Writes of whole-tree imports: read a directory or git repository, validate every leaf, make one version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from taxonomy.choices import VersionOrigin
from taxonomy.exceptions import ImportRefused, SourceUnavailable
from taxonomy.exchange.source_tree import SkippedLeaf, SourceLeaf, UnsafeEntry, problem
from taxonomy.exchange.sources import source_check_web, source_read
from taxonomy.format import MAX_FILE_BYTES, validate_text
from taxonomy.models import LeafRevision, TaxonomyVersion, TreeImport
from taxonomy.paths import ROOTS
from taxonomy.services.versions import (
    LeafContent,
    LeafRemoval,
    VersionConflict,
    VersionResult,
    version_create,
)


@dataclass(frozen=True)
class ImportResult:
    """What ``tree_import`` did: the new version (None when nothing changed or it was refused), and why."""

    source: str
    ref: str | None
    version: TaxonomyVersion | None
    added: list[str]
    updated: list[str]
    removed: list[str]
    unchanged: list[str]
    skipped: list[SkippedLeaf]
    unsafe: list[UnsafeEntry]
    refused: bool = False

    @property
    def ok(self) -> bool:
        """True when every leaf of the source was imported and nothing was refused."""
        return not (self.skipped or self.unsafe or self.refused)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "ref": self.ref,
            "version": self.version.number if self.version else None,
            "refused": self.refused,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [s.to_dict() for s in self.skipped],
            "unsafe": [u.to_dict() for u in self.unsafe],
        }


def tree_import(
    *,
    source: str,
    ref: str | None = None,
    message: str = "",
    all_or_nothing: bool = False,
    author: AbstractBaseUser | None = None,
) -> ImportResult:
    """Import the InstructLab tree at ``source`` (a directory, or a git repository at ``ref``) as one version.

    Every leaf is validated; invalid or unsafe leaves are skipped and reported, and a leaf already in the
    taxonomy that could not be read or validated this time is kept as it is, never removed. Live leaves
    absent from the source are removed. With ``all_or_nothing`` any skipped leaf refuses the whole import.
    Raises SourceUnavailable or UnsafeSource when the source as a whole cannot be read.
    """
    ref = (ref or "").strip() or None
    parsed, tree = source_read(source, ref, max_bytes=MAX_FILE_BYTES)
    shown = parsed.shown
    if not tree.leaves and not tree.refused:
        raise SourceUnavailable(
            f"{shown} holds no qna.yaml under {', '.join(ROOTS)}: give the top of an InstructLab taxonomy."
        )
    contents, invalid = _leaves_validate(tree.leaves)
    skipped = sorted([*tree.refused, *invalid], key=lambda s: s.path)

    def result(vr: VersionResult | None, refused: bool = False) -> ImportResult:
        return ImportResult(
            source=shown,
            ref=ref,
            version=vr.version if vr else None,
            added=vr.added if vr else [],
            updated=vr.updated if vr else [],
            removed=vr.removed if vr else [],
            unchanged=vr.unchanged if vr else [],
            skipped=skipped,
            unsafe=tree.unsafe,
            refused=refused,
        )

    if all_or_nothing and (skipped or tree.unsafe):
        return result(None, refused=True)
    # What could not be read this time is kept as it was: only leaves truly gone from the source are removed.
    kept = [s.path for s in skipped] + [u.path for u in tree.unsafe]
    present = {c.path for c in contents}
    for _attempt in range(3):
        head = TaxonomyVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0
        live = LeafRevision.objects.current().values_list("node__path", flat=True)
        removals = [
            LeafRemoval(path)
            for path in sorted(live)
            if path not in present and not any(path == k or path.startswith(f"{k}/") for k in kept)
        ]
        try:
            vr = version_create(
                changes=[*contents, *removals],
                message=message or f"Import from {shown}",
                origin=VersionOrigin.IMPORT,
                origin_ref=(f"{shown}@{ref}" if ref else shown)[:500],
                author=author,
                expected_head=head,
            )
        except VersionConflict:
            # Another writer made a version while we compared: compare again against the new head.
            continue
        return result(vr)
    raise ImportRefused("The taxonomy kept changing while the import ran: run the import again.")


def _leaves_validate(leaves: Sequence[SourceLeaf]) -> tuple[list[LeafContent], list[SkippedLeaf]]:
    contents: list[LeafContent] = []
    invalid: list[SkippedLeaf] = []
    for leaf in leaves:
        texts: dict[str, str] = {}
        problems = []
        for name, data in [("attribution.txt", leaf.attribution), *leaf.documents.items()]:
            if data is None:
                continue
            try:
                texts[name] = data.decode("utf-8")
            except UnicodeDecodeError:
                message = f"{name} is not UTF-8 text: save it as UTF-8."
                problems.append(problem(f"{leaf.path}/{name}", message, "encoding"))
        if problems:
            invalid.append(SkippedLeaf(leaf.path, "invalid", tuple(problems)))
            continue
        attribution = texts.pop("attribution.txt", None)
        checked = validate_text(
            leaf.qna, path=f"{leaf.path}/qna.yaml", attribution=attribution, documents=texts or None
        )
        if not checked.ok or checked.kind is None or checked.version is None:
            errors = tuple({"path": m.path, **m.to_dict()} for m in checked.errors)
            invalid.append(SkippedLeaf(leaf.path, "invalid", errors))
            continue
        contents.append(
            LeafContent(
                path=leaf.path,
                qna=leaf.qna,
                attribution=leaf.attribution,
                kind=checked.kind,
                schema_version=checked.version,
                data=checked.data,
                documents=dict(leaf.documents),
            )
        )
    return contents, invalid


def tree_import_enqueue(
    *,
    source: str,
    ref: str | None = None,
    message: str = "",
    all_or_nothing: bool = False,
    requested_by: AbstractBaseUser | None = None,
) -> TreeImport:
    """Record an import of ``source`` and run it on a worker once committed; for web and API requests.

    Raises ValueError unless ``source`` is an https, ssh or git URL, or a path under SEEDBED_IMPORT_ROOTS.
    """
    from taxonomy.tasks import tree_import_run

    source_check_web(source, settings.SEEDBED_IMPORT_ROOTS)
    if ref is not None and (not ref.strip() or ref.strip().startswith("-")):
        raise ValueError(f"The ref {ref!r} is not a branch, tag or commit name: give one such as main or v1.")
    with transaction.atomic():
        row = TreeImport.objects.create(
            source=source.strip(),
            ref=(ref or "").strip(),
            message=message,
            all_or_nothing=all_or_nothing,
            requested_by_id=requested_by.pk if requested_by is not None else None,
        )
        transaction.on_commit(lambda: tree_import_run.delay(row.pk))
    return row
