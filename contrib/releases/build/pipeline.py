"""The build of a release into a directory: collect, normalise, dedup, near-dup, split, write, card, manifest.

Streamed end to end: rows flow from a server-side cursor through each stage to the writers, so memory
holds the dedup keys and the near-duplicate index, never the rows. Nothing here touches storage or the
release row; the service stores the directory once it is complete.
"""

from __future__ import annotations

import json
import time
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contrib.releases.build.collect import collect
from contrib.releases.build.leaves import ReleaseLeaf
from contrib.releases.build.write import SplitWriter, WrittenFile
from contrib.releases.formats.neardup import NearDupFilter, read_signatures, write_signatures
from contrib.releases.formats.rows import (
    SourceRow,
    config_for,
    jsonl_line_of,
    metadata_json_prefix,
    metadata_prefix,
    neardup_text,
    normalize_row,
    normalized_row_hash,
    normalized_user_content,
    row_id_of,
)

REPORT = "build_report.jsonl"
SIGNATURES = "neardup_signatures.bin"
NUM_PERM = 128
NEARDUP_SEED = 1
CONFIGS = ("skills", "knowledge")
SPLITS = ("train", "test")


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


@dataclass
class BuildOutput:
    """What a build wrote into its directory, with its statistics and the time each stage took."""

    files: list[WrittenFile]
    stats: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)


class _Clock:
    """Adds up the seconds each stage takes inside the one streamed loop."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] += now - self._last
        self._last = now


def _report_line(handle: Any, entry: dict[str, Any]) -> None:
    handle.write((json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))


def run_pipeline(plan: BuildPlan, out: Path) -> BuildOutput:
    """Build the release described by ``plan`` into the empty directory ``out``."""
    from contrib.releases.formats.split import assign_split

    config = plan.config
    clock = _Clock()
    near = NearDupFilter(float(config["near_dup_threshold"]), num_perm=NUM_PERM, seed=NEARDUP_SEED)
    references = 0
    if plan.previous_signatures is not None:
        with plan.previous_signatures() as handle:
            num_perm, seed, pairs = read_signatures(handle)
            if (num_perm, seed) == (NUM_PERM, NEARDUP_SEED):
                for key, values in pairs:
                    near.add_reference_signature(key, values)
                    references += 1
    clock.lap("reference_signatures")

    writers = {(c, s): SplitWriter(out, c, s, plan.shard_rows) for c in CONFIGS for s in SPLITS}
    split_of: dict[str, str] = {}
    seen: set[bytes] = set()
    dropped: Counter[str] = Counter()
    considered = 0
    by_area: Counter[str] = Counter()
    by_area_kind: Counter[tuple[str, str]] = Counter()
    by_origin: Counter[str] = Counter()
    leaves_rows: Counter[str] = Counter()
    contributors: set[int] = set()
    handles: set[str] = set()
    submissions: set[int] = set()
    credits: set[str] = set()
    teachers: set[str] = set()
    pipelines: set[str] = set()
    runs_used: set[int] = set()
    licenses: Counter[str] = Counter()
    generation: Counter[tuple[int, str, str, str]] = Counter()
    system_prompt = str(config.get("system_prompt") or "")
    pending: deque[tuple[ReleaseLeaf, SourceRow, str]] = deque()
    meta_of: dict[tuple[Any, str], tuple[tuple[Any, ...], str]] = {}

    with open(out / REPORT, "wb") as report:

        def candidates() -> Iterator[tuple[str, str]]:
            nonlocal considered
            rows = collect(plan.leaves, plan.run_ids, include_seed_examples=bool(config["include_seed_examples"]))
            for leaf, raw in rows:
                clock.lap("collect")
                considered += 1
                row = normalize_row(raw)  # the only normalisation: everything below reads these texts
                hash_hex = normalized_row_hash(row)
                rid = row_id_of(row, hash_hex)
                clock.lap("normalize")
                if leaf.takedown_id is not None:
                    dropped["takedown"] += 1
                    _report_line(report, {"id": rid, "reason": "takedown", "takedown": leaf.takedown_id,
                                          "leaf_path": leaf.path, "sample_id": row.sample_id})
                    clock.lap("exact_dedup")
                    continue
                digest = bytes.fromhex(hash_hex)[:16]
                if digest in seen or not (row.question and row.answer):
                    reason = "exact_duplicate" if digest in seen else "empty"
                    dropped[reason] += 1
                    _report_line(report, {"id": rid, "reason": reason, "row_hash": hash_hex,
                                          "leaf_path": leaf.path, "sample_id": row.sample_id})
                    clock.lap("exact_dedup")
                    continue
                seen.add(digest)
                pending.append((leaf, row, rid))
                clock.lap("exact_dedup")
                yield rid, neardup_text(row)
                clock.lap("near_dup")

        for key, match in near.stream(candidates()):
            clock.lap("near_dup")
            leaf, row, rid = pending.popleft()
            if match is not None:
                dropped["near_duplicate"] += 1
                _report_line(report, {"id": rid, "reason": "near_duplicate", "matched": match.key,
                                      "similarity": round(match.similarity, 4),
                                      "previous_release": match.reference,
                                      "leaf_path": leaf.path, "sample_id": row.sample_id})
                clock.lap("near_dup")
                continue
            split = split_of.get(leaf.path)
            if split is None:
                split = split_of[leaf.path] = assign_split(
                    leaf.path, test_fraction=float(config["test_fraction"]), seed=int(config["seed"])
                )
            clock.lap("split")
            prov = row.provenance
            meta = meta_of.get((prov, row.kind))
            if meta is None:
                prefix = metadata_prefix(row)
                meta = meta_of[(prov, row.kind)] = (prefix, metadata_json_prefix(prefix))
            user = normalized_user_content(row)
            line = jsonl_line_of(rid, system_prompt, user, row.answer, meta[1], row.sample_id, prov.license)
            writers[(config_for(leaf.kind), split)].write_row(
                rid, system_prompt, user, row.answer, (*meta[0], row.sample_id, prov.license), line
            )
            clock.lap("write")
            by_area[leaf.area] += 1
            by_area_kind[(leaf.area, leaf.kind)] += 1
            by_origin[prov.origin] += 1
            leaves_rows[leaf.path] += 1
            if leaf.contributor_user_id is not None:
                contributors.add(leaf.contributor_user_id)
            if leaf.created_by:
                handles.add(leaf.created_by)
            if leaf.submission_id is not None:
                submissions.add(leaf.submission_id)
            if leaf.contributor:
                credits.add(leaf.contributor)
            if prov.teacher_model:
                teachers.add(prov.teacher_model)
            if prov.pipeline:
                pipelines.add(f"{prov.pipeline}=={prov.pipeline_version}")
            if prov.run_id is not None:
                runs_used.add(prov.run_id)
                generation[(prov.run_id, prov.teacher_model, prov.pipeline, prov.pipeline_version)] += 1
            licenses[prov.license or "unknown"] += 1
            clock.lap("stats")

    files: list[WrittenFile] = []
    for writer in writers.values():
        files.extend(writer.close())
    clock.lap("write")
    with open(out / SIGNATURES, "wb") as handle:
        written = write_signatures(handle, near.kept_signatures(), num_perm=NUM_PERM, seed=NEARDUP_SEED)
    files.append(WrittenFile(SIGNATURES, "signatures", "", "", written))
    files.append(WrittenFile(REPORT, "report", "", "", sum(dropped.values())))
    clock.lap("near_dup")

    kept = {f"{w.config_name}/{w.split}": w.rows for w in writers.values()}
    stats: dict[str, Any] = {
        "rows": sum(kept.values()),
        "rows_by_split": kept,
        "considered": considered,
        "dropped": dict(sorted(dropped.items())),
        "by_area": dict(sorted(by_area.items())),
        "by_area_kind": [{"area": a, "kind": k, "rows": n} for (a, k), n in sorted(by_area_kind.items())],
        "by_origin": dict(sorted(by_origin.items())),
        "leaves": {leaf.path: leaf.sha256 for leaf in plan.leaves if leaf.path in leaves_rows},
        "rows_by_leaf": dict(sorted(leaves_rows.items())),
        "splits": {path: split_of[path] for path in sorted(split_of)},
        "included": {
            "leaf_paths": sorted(leaves_rows),
            "contributor_user_ids": sorted(contributors),
            "contributor_handles": sorted(handles),
            "submission_ids": sorted(submissions),
        },
        "credits": sorted(credits),
        "teachers": sorted(teachers),
        "pipelines": sorted(pipelines),
        "runs": sorted(runs_used),
        "licenses": dict(sorted(licenses.items())),
        "generation": [{"run_id": r, "teacher_model": t, "pipeline": p, "pipeline_version": v, "rows": n}
                       for (r, t, p, v), n in sorted(generation.items())],
        "reference_rows": references,
        "takedowns_applied": sorted({leaf.takedown_id for leaf in plan.leaves if leaf.takedown_id is not None}),
    }
    return BuildOutput(files=files, stats=stats, timings=dict(clock.seconds))


def leaves_of(plan: BuildPlan) -> Sequence[ReleaseLeaf]:
    return plan.leaves
