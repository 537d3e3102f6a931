"""The build of a release into a directory: collect, normalise, dedup, near-dup, split, write, card, manifest.

Streamed end to end, a batch at a time: rows flow from the database through each stage to the writers, so
memory holds one batch, the dedup keys and the near-duplicate index (whose signatures live in a temporary
file), never the rows. Nothing here touches storage or the release row; the service stores the directory
once it is complete.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from contrib.releases.build.collect import Source, collect
from contrib.releases.build.dedup import SeenHashes
from contrib.releases.build.leaves import ReleaseLeaf
from contrib.releases.build.write import SplitWriter, WrittenFile
from contrib.releases.choices import BuildStage
from contrib.releases.formats.neardup import NearDupFilter, read_signatures, write_signatures
from contrib.releases.formats.rows import (
    LineParts,
    config_for,
    id_for,
    jsonl_line_of,
    line_parts,
    metadata_prefix,
    neardup_text_of,
    normalize_text,
    text_hash,
    user_content_of,
)
from contrib.releases.formats.split import assign_split

REPORT = "build_report.jsonl"
SIGNATURES = "neardup_signatures.bin"
NUM_PERM = 128
NEARDUP_SEED = 1
CONFIGS = ("skills", "knowledge")
SPLITS = ("train", "test")

#: A row between stages: source, sample id, question, answer, context (all normalised), row hash, row id.
Row = tuple[Source, int | None, str, str, str, str, str]


@dataclass
class BuildPlan:
    """Everything a build reads, resolved by the service: no database object beyond the sample cursor."""

    version: str
    leaves: list[ReleaseLeaf]
    run_ids: list[int]
    config: dict[str, Any]
    shard_rows: int
    previous_signatures: Any = None  # a callable returning a binary file of the previous release's signatures
    previous_version: str = ""
    #: Told (a BuildStage, rows considered so far) after every batch and when a later stage starts.
    progress: Callable[[str, int], None] | None = None


@dataclass
class BuildOutput:
    """What a build wrote into its directory, with its statistics and the time each stage took."""

    files: list[WrittenFile]
    stats: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)


class _Clock:
    """Adds up the seconds each stage takes, lapped once per batch."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._last
        self._last = now


class _Build:
    """The state of one build: its filters, writers, report and what it has counted."""

    def __init__(self, plan: BuildPlan, out: Path, report: Any, executor: ThreadPoolExecutor, spill: Path) -> None:
        self.plan = plan
        self.out = out
        self.report = report
        self.config = plan.config
        self.system_prompt = str(plan.config.get("system_prompt") or "")
        self.near = NearDupFilter(float(plan.config["near_dup_threshold"]), num_perm=NUM_PERM, seed=NEARDUP_SEED,
                                  spill_dir=spill)
        self.seen = SeenHashes()
        self.writers = {(c, s): SplitWriter(out, c, s, plan.shard_rows, self.system_prompt, executor)
                        for c in CONFIGS for s in SPLITS}
        self.dropped: Counter[str] = Counter()
        self.considered = 0
        self.references = 0
        self.targets: dict[Source, tuple[SplitWriter, int, LineParts, str]] = {}
        self.splits: dict[str, str] = {}

    def drop(self, reason: str, row: Row, **detail: Any) -> None:
        self.dropped[reason] += 1
        entry = {"id": row[6], "reason": reason, **detail, "leaf_path": row[0].leaf.path, "sample_id": row[1]}
        self.report.write((json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))

    # -- the stages, each given a batch --------------------------------------------------------------

    def references_load(self) -> None:
        """Index the previous published release's signatures: its rows are matched, never dropped."""
        if self.plan.previous_signatures is None:
            return
        with self.plan.previous_signatures() as handle:
            num_perm, seed, pairs = read_signatures(handle)
            if (num_perm, seed) == (NUM_PERM, NEARDUP_SEED):
                self.references = self.near.add_reference_signatures(pairs)

    @staticmethod
    def normalized(batch: Sequence[tuple[Source, int | None, str, str, str]]) -> list[Row]:
        """Stage 2: the texts normalised once (everything below reads these), with their hash and row id."""
        rows: list[Row] = []
        for source, sample_id, question, answer, context in batch:
            question, answer, context = normalize_text(question), normalize_text(answer), normalize_text(context)
            hash_hex = text_hash(question, context, answer)
            prov = source.provenance
            rid = id_for(prov.leaf_revision_sha, prov.origin, sample_id, hash_hex)
            rows.append((source, sample_id, question, answer, context, hash_hex, rid))
        return rows

    def exact_unique(self, rows: list[Row]) -> list[Row]:
        """Stage 3: rows neither taken down, nor empty, nor an exact repeat of an earlier row."""
        live = []
        for row in rows:
            takedown = row[0].leaf.takedown_id
            if takedown is not None:
                self.drop("takedown", row, takedown=takedown)
            elif not (row[2] and row[3]):
                self.drop("empty", row, row_hash=row[5])
            else:
                live.append(row)
        if not live:
            return live
        new = self.seen.add(np.array([int(row[5][:16], 16) for row in live], dtype=np.uint64))
        unique = []
        for row, is_new in zip(live, new.tolist(), strict=True):
            if is_new:
                unique.append(row)
            else:
                self.drop("exact_duplicate", row, row_hash=row[5])
        return unique

    def near_unique(self, rows: list[Row]) -> list[Row]:
        """Stage 4: rows that are no near duplicate of an earlier kept row or of the previous release."""
        matches = self.near.offer_many([(row[6], neardup_text_of(row[2], row[3])) for row in rows])
        kept = []
        for row, match in zip(rows, matches, strict=True):
            if match is None:
                kept.append(row)
            else:
                self.drop("near_duplicate", row, matched=match.key, similarity=round(match.similarity, 4),
                          previous_release=match.reference)
        return kept

    def write(self, rows: list[Row]) -> None:
        """Stages 5-6: each row to its config and its leaf's split, as parquet columns and a jsonl line."""
        buckets: dict[SplitWriter, list[tuple[str, str, str, int | None, int, str]]] = {}
        for row in rows:
            source, sample_id, question, answer, context, _, rid = row
            target = self.targets.get(source)
            if target is None:
                target = self.targets[source] = self._target(source)
            writer, index, parts, kind = target
            user = user_content_of(kind, question, context)
            bucket = buckets.get(writer)
            if bucket is None:
                bucket = buckets[writer] = []
            bucket.append((rid, user, answer, sample_id, index, jsonl_line_of(rid, user, answer, sample_id, parts)))
            source.kept += 1
        for writer, bucket in buckets.items():
            writer.write_rows(bucket)

    def _target(self, source: Source) -> tuple[SplitWriter, int, LineParts, str]:
        """Where the rows of ``source`` go (its leaf's split is drawn once), and what they share."""
        leaf, prov = source.leaf, source.provenance
        split = self.splits.get(leaf.path)
        if split is None:
            split = self.splits[leaf.path] = assign_split(
                leaf.path, test_fraction=float(self.config["test_fraction"]), seed=int(self.config["seed"])
            )
        writer = self.writers[(config_for(leaf.kind), split)]
        prefix = metadata_prefix(prov, leaf.kind)
        return (writer, writer.source((*prefix, prov.license)), line_parts(self.system_prompt, prefix, prov.license),
                leaf.kind)

    # -- the end -------------------------------------------------------------------------------------

    def close(self) -> list[WrittenFile]:
        files: list[WrittenFile] = []
        for writer in self.writers.values():
            files.extend(writer.close())
        return files

    def signatures_write(self) -> WrittenFile:
        """The kept rows' signatures, for the next release to match against."""
        with open(self.out / SIGNATURES, "wb") as handle:
            written = write_signatures(handle, self.near.kept_signatures(), num_perm=NUM_PERM, seed=NEARDUP_SEED)
        self.near.close()
        return WrittenFile(SIGNATURES, "signatures", "", "", written)

    def stats(self) -> dict[str, Any]:
        """What the build kept, counted by source: every row of a source shares its leaf and provenance."""
        by_area: Counter[str] = Counter()
        by_area_kind: Counter[tuple[str, str]] = Counter()
        by_origin: Counter[str] = Counter()
        leaves_rows: Counter[str] = Counter()
        licenses: Counter[str] = Counter()
        generation: Counter[tuple[int, str, str, str]] = Counter()
        kept_leaves: dict[str, ReleaseLeaf] = {}
        provs = []
        for source in self.targets:
            leaf, prov, rows = source.leaf, source.provenance, source.kept
            kept_leaves[leaf.path] = leaf
            provs.append(prov)
            by_area[leaf.area] += rows
            by_area_kind[(leaf.area, leaf.kind)] += rows
            by_origin[prov.origin] += rows
            leaves_rows[leaf.path] += rows
            licenses[prov.license or "unknown"] += rows
            if prov.run_id is not None:
                generation[(prov.run_id, prov.teacher_model, prov.pipeline, prov.pipeline_version)] += rows
        leaves = kept_leaves.values()
        kept = {f"{w.config_name}/{w.split}": w.rows for w in self.writers.values()}
        return {
            "rows": sum(kept.values()),
            "rows_by_split": kept,
            "considered": self.considered,
            "dropped": dict(sorted(self.dropped.items())),
            "by_area": dict(sorted(by_area.items())),
            "by_area_kind": [{"area": a, "kind": k, "rows": n} for (a, k), n in sorted(by_area_kind.items())],
            "by_origin": dict(sorted(by_origin.items())),
            "leaves": {leaf.path: leaf.sha256 for leaf in self.plan.leaves if leaf.path in leaves_rows},
            "rows_by_leaf": dict(sorted(leaves_rows.items())),
            "splits": {path: self.splits[path] for path in sorted(leaves_rows)},
            "included": {
                "leaf_paths": sorted(leaves_rows),
                "contributor_user_ids": sorted({lf.contributor_user_id for lf in leaves} - {None}),  # type: ignore[type-var]
                "contributor_handles": sorted({lf.created_by for lf in leaves} - {""}),
                "submission_ids": sorted({lf.submission_id for lf in leaves} - {None}),  # type: ignore[type-var]
            },
            "credits": sorted({lf.contributor for lf in leaves} - {""}),
            "teachers": sorted({p.teacher_model for p in provs} - {""}),
            "pipelines": sorted({f"{p.pipeline}=={p.pipeline_version}" for p in provs if p.pipeline}),
            "runs": sorted({p.run_id for p in provs} - {None}),  # type: ignore[type-var]
            "licenses": dict(sorted(licenses.items())),
            "generation": [{"run_id": r, "teacher_model": t, "pipeline": p, "pipeline_version": v, "rows": n}
                           for (r, t, p, v), n in sorted(generation.items())],
            "reference_rows": self.references,
            "takedowns_applied": sorted({lf.takedown_id for lf in self.plan.leaves} - {None}),  # type: ignore[type-var]
        }


def run_pipeline(plan: BuildPlan, out: Path) -> BuildOutput:
    """Build the release described by ``plan`` into the empty directory ``out``."""
    clock = _Clock()
    include_seeds = bool(plan.config["include_seed_examples"])
    progress = plan.progress or (lambda stage, rows: None)
    with open(out / REPORT, "wb") as report, ThreadPoolExecutor(1, thread_name_prefix="release-write") as executor:
        # the near-dup signatures spill to an unnamed file beside the release directory, never into it
        build = _Build(plan, out, report, executor, spill=out.parent)
        try:
            build.references_load()
            clock.lap("reference_signatures")
            for batch in collect(plan.leaves, plan.run_ids, include_seed_examples=include_seeds):
                clock.lap("collect")
                build.considered += len(batch)
                rows = build.normalized(batch)
                clock.lap("normalize")
                rows = build.exact_unique(rows)
                clock.lap("exact_dedup")
                rows = build.near_unique(rows)
                clock.lap("near_dup")
                build.write(rows)
                clock.lap("write")
                progress(BuildStage.ROWS, build.considered)
            progress(BuildStage.FILES, build.considered)
            files = build.close()
            clock.lap("write")
            files.append(build.signatures_write())
            clock.lap("near_dup")
        finally:
            build.near.close()
    files.append(WrittenFile(REPORT, "report", "", "", sum(build.dropped.values())))
    stats = build.stats()
    clock.lap("stats")
    return BuildOutput(files=files, stats=stats, timings=dict(clock.seconds))
