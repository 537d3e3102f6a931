"""Stages 7-8 of a build: the dataset card (README.md) and manifest.json, then the checksums of every file."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from contrib.releases.build.pipeline import BuildOutput
from contrib.releases.models import Release

CARD = "README.md"
MANIFEST = "manifest.json"


def _previous_snapshot(release: Release) -> tuple[Any, str]:
    from contrib.releases.formats.diff import Snapshot

    previous = release.previous
    if previous is None:
        return None, ""
    stats = previous.stats or {}
    return Snapshot(leaves=dict(stats.get("leaves", {})), rows_by_area=dict(stats.get("by_area", {}))), previous.version


def _card_info(release: Release, output: BuildOutput, diff: dict[str, Any], plan_leaves: list[Any]) -> Any:
    """CardInfo from what the build counted."""
    from django.conf import settings

    from contrib.releases.formats.card import (
        CardInfo,
        CompositionRow,
        GenerationInfo,
        SplitRows,
        attributions_from_text,
    )

    stats = output.stats
    included = set(stats["rows_by_leaf"])
    leaves_by_area_kind: dict[tuple[str, str], int] = {}
    attributions = []
    for leaf in plan_leaves:
        if leaf.path in included:
            key = (leaf.area, leaf.kind)
            leaves_by_area_kind[key] = leaves_by_area_kind.get(key, 0) + 1
            if leaf.attribution_text:
                attributions.extend(attributions_from_text(leaf.path, leaf.attribution_text))
    splits = []
    for name, rows in sorted(stats["rows_by_split"].items()):
        config_name, split = name.split("/")
        splits.append(SplitRows(config_name=config_name, split=split, rows=rows))
    return CardInfo(
        version=release.version,
        pretty_name=f"Seedbed {release.version}",
        composition=tuple(CompositionRow(area=row["area"], kind=row["kind"], rows=row["rows"],
                                         leaves=leaves_by_area_kind.get((row["area"], row["kind"]), 0))
                          for row in stats["by_area_kind"]),
        splits=tuple(splits),
        licenses=tuple(sorted(k for k in stats["licenses"] if k != "unknown")),
        contributors=tuple(stats["credits"]),
        attributions=tuple(attributions),
        generation=tuple(GenerationInfo(**g) for g in stats["generation"]),
        taxonomy_version=release.taxonomy_version_id,
        previous_version=release.previous.version if release.previous is not None else None,
        diff=diff,
        filtered=dict(stats["dropped"]),
        seed_rows=stats["by_origin"].get("seed", 0),
        synthetic_rows=stats["by_origin"].get("synthetic", 0),
        system_prompt=str(release.config.get("system_prompt") or ""),
        hub_repo_id=settings.SEEDBED_RELEASE_HUB_REPO,
    )


def finish_release_dir(release: Release, out: Path, output: BuildOutput, plan_leaves: list[Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Write README.md and manifest.json into ``out``; return every file's manifest entry, and the diff."""
    from contrib.releases.formats.card import render_card
    from contrib.releases.formats.diff import Snapshot, release_diff
    from contrib.releases.formats.manifest import FileEntry, render_manifest, sha256_file

    old, _ = _previous_snapshot(release)
    new = Snapshot(leaves=dict(output.stats["leaves"]), rows_by_area=dict(output.stats["by_area"]))
    diff = release_diff(old, new)

    def entry(f: Any) -> FileEntry:
        sha256, size = sha256_file(out / f.name)
        return FileEntry(name=f.name, kind=f.kind, config_name=f.config_name, split=f.split, rows=f.rows,
                         bytes=size, sha256=sha256)

    entries = [entry(f) for f in output.files]
    (out / CARD).write_text(render_card(_card_info(release, output, diff, plan_leaves)), encoding="utf-8")
    card = type("F", (), {"name": CARD, "kind": "card", "config_name": "", "split": "", "rows": 0})
    entries.append(entry(card))
    entries.sort(key=lambda e: e.name)
    extra = {"taxonomy_version": release.taxonomy_version_id, "config": dict(release.config),
             "stats": {k: output.stats[k] for k in ("rows", "rows_by_split", "dropped")}}
    (out / MANIFEST).write_bytes(render_manifest(release.version, entries, extra))
    manifest = type("F", (), {"name": MANIFEST, "kind": "manifest", "config_name": "", "split": "", "rows": 0})
    entries.append(entry(manifest))
    return [dataclasses.asdict(e) if dataclasses.is_dataclass(e) else dict(e._asdict()) for e in entries], diff
