"""Benchmark a full release build against the floor of one COPY of the same rows written to parquet.

    python tests/benchmarks/bench_release.py [--rows N[,N...]] [--leaves L] [--keep-db]

For each size (default 100,000 and 1,000,000 rows) it creates its own PostgreSQL database (DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/seedbed_bench), migrates it, COPYs N synthetic kept samples over ~L
leaves into it (mostly distinct texts, a few per cent exact and near duplicates), runs ``release_build``
timing every stage, then measures the floor in the same run: ``COPY (SELECT <the columns the build reads>
...) TO STDOUT`` read with psycopg and written to parquet with pyarrow. The build runs in a process of its
own, as on a worker, so its peak RSS is the build's alone. Prints time per stage, the ratio (build without
near-dup) / floor, near-dup rows/s and the build's peak RSS against the targets (<= 3x, >= 20,000 rows/s,
<= 1 GB), then how the peak grows from the smallest size to the largest (flat: <= 1.5x for 10x the rows),
and drops the database.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

REPO = Path(__file__).resolve().parents[2]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/seedbed_bench"
TARGET_RATIO, TARGET_NEARDUP, TARGET_RSS_MB = 3.0, 20_000, 1024
#: "Flat": ten times the rows may not take the build's peak RSS up by half. The rows stream through; only the
#: dedup and LSH indexes (~100 bytes a kept row) grow with them.
TARGET_FLAT = 1.5
COLUMNS = ("id", "leaf_revision_id", "run_id", "stage", "index", "pipeline", "pipeline_version", "teacher_model",
           "question", "answer", "context")


def admin_url(url: str) -> tuple[str, str]:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name:
        sys.exit("DATABASE_URL names no database")
    return urlunparse(parsed._replace(path="/postgres")), name


def database_recreate(url: str, *, drop_only: bool = False) -> None:
    import psycopg

    admin, name = admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


# ------------------------------------------------------------------------------------------------ data

WORDS = [hashlib.sha256(str(i).encode()).hexdigest()[: 3 + i % 7] for i in range(20_000)]


def world_make(leaves: int) -> tuple[int, list[tuple[int, int, str, str]]]:
    """A taxonomy version with ``leaves`` freeform-skill leaves, a succeeded run and one job per leaf."""
    from django.utils import timezone

    from contrib.synth.choices import JobStatus, RunScope, RunStatus
    from contrib.synth.models import GenerationRun, LeafJob, Teacher
    from taxonomy.choices import LeafKind, VersionOrigin
    from taxonomy.models import Blob, LeafRevision, Node, TaxonomyVersion

    now = timezone.now()
    version = TaxonomyVersion.objects.create(number=1, message="bench", origin=VersionOrigin.IMPORT,
                                             origin_ref="bench", created_at=now)
    areas = [f"compositional_skills/area{a:02d}" for a in range(20)]
    nodes = {}
    for area in areas:
        root = nodes.setdefault("compositional_skills", Node.objects.get_or_create(
            path="compositional_skills", defaults={"name": "compositional_skills", "depth": 0})[0])
        nodes[area] = Node.objects.create(path=area, parent=root, name=area.rsplit("/", 1)[1], depth=1)
    teacher = Teacher.objects.create(name="bench", base_url="http://127.0.0.1:9/v1", model="bench-teacher")
    run = GenerationRun.objects.create(scope=RunScope.TAXONOMY, taxonomy_version=version, teacher=teacher, scale=1,
                                       status=RunStatus.SUCCEEDED, pipelines={"freeform_skills": "1"},
                                       finished_at=now)
    out = []
    for i in range(leaves):
        area = areas[i % len(areas)]
        path = f"{area}/leaf{i:05d}"
        node = Node.objects.create(path=path, parent=nodes[area], name=f"leaf{i:05d}", depth=2)
        data = {"version": 3, "task_description": f"bench leaf {i}", "created_by": f"contributor{i % 37}"}
        raw = f"bench leaf {i}".encode()
        sha = hashlib.sha256(raw).hexdigest()
        blob = Blob.objects.create(sha256=sha, data=raw, size=len(raw))
        revision = LeafRevision.objects.create(node=node, sha256=sha, qna=blob, kind=LeafKind.FREEFORM_SKILL,
                                               schema_version=3, data=data, valid_from=version)
        job = LeafJob.objects.create(run=run, leaf_revision=revision, path=path, kind=revision.kind,
                                     leaf_sha256=sha, status=JobStatus.SUCCEEDED)
        out.append((revision.pk, job.pk, path, sha))
    return run.pk, out


def texts(rows: int, seed: int = 1):  # type: ignore[no-untyped-def]
    """(question, answer, kind) per row: ~96% distinct, ~2% exact copies, ~2% copies with one word changed."""
    rng = random.Random(seed)
    recent: list[tuple[str, str]] = []
    for i in range(rows):
        roll = rng.random()
        if recent and roll < 0.02:
            q, a = recent[rng.randrange(len(recent))]
            yield q, a, "exact"
            continue
        if recent and roll < 0.04:
            q, a = recent[rng.randrange(len(recent))]
            words = a.split(" ")
            words[rng.randrange(len(words))] = rng.choice(WORDS)
            yield q, " ".join(words), "near"
            continue
        q = f"Question {i}: " + " ".join(rng.choices(WORDS, k=14)) + "?"
        a = " ".join(rng.choices(WORDS, k=70)) + "."
        if len(recent) < 5000:
            recent.append((q, a))
        else:
            recent[rng.randrange(5000)] = (q, a)
        yield q, a, "distinct"


def samples_copy(run_id: int, leaves: list[tuple[int, int, str, str]], rows: int) -> dict[str, int]:
    from django.db import connection

    columns = ("run_id", "leaf_job_id", "leaf_revision_id", "leaf_path", "leaf_sha256", "idempotency_key", "stage",
               "index", "pipeline", "pipeline_version", "teacher_name", "teacher_model", "question", "answer",
               "context", "stage_outputs", "judge_scores", "judge_rationale", "kept", "filter_reason", "tokens_in",
               "tokens_out", "latency", "fingerprint", "reused", "created_at")
    kinds = {"distinct": 0, "exact": 0, "near": 0}
    now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        with raw.copy(f"COPY synth_sample ({', '.join(columns)}) FROM STDIN") as copy:
            for i, (q, a, kind) in enumerate(texts(rows)):
                kinds[kind] += 1
                rev, job, path, sha = leaves[i % len(leaves)]
                index = i // len(leaves)
                copy.write_row((run_id, job, rev, path, sha, f"{run_id}:{sha}:generate_answer:{index}",
                                "generate_answer", index, "freeform_skills", "1", "bench", "bench-teacher", q, a, "",
                                "{}", "{}", "", True, "", 0, 0, 0.0, hashlib.sha256(f"{q}\n{a}".encode()).hexdigest(),
                                False, now))
        cursor.execute("ANALYZE synth_sample")
    return kinds


# ------------------------------------------------------------------------------------------------ floor


def floor_measure(run_id: int, out: Path) -> tuple[float, int]:
    """One COPY of the columns the build reads, in the build's order, written to parquet with pyarrow."""
    import psycopg
    import pyarrow as pa
    import pyarrow.parquet as pq
    from django.db import connection

    schema = pa.schema([("id", pa.int64()), ("leaf_revision_id", pa.int64()), ("run_id", pa.int64()),
                        ("stage", pa.string()), ("index", pa.int64()), ("pipeline", pa.string()),
                        ("pipeline_version", pa.string()), ("teacher_model", pa.string()),
                        ("question", pa.string()), ("answer", pa.string()), ("context", pa.string())])
    select = ", ".join(f'"{c}"' for c in COLUMNS)
    sql = (f"COPY (SELECT {select} FROM synth_sample "
           f"WHERE run_id = {int(run_id)} AND kept "
           'ORDER BY leaf_path COLLATE "C", stage COLLATE "C", "index", run_id, id) TO STDOUT')
    started = time.perf_counter()
    rows = 0
    with connection.cursor() as cursor:
        raw: psycopg.Cursor = cursor.cursor
        with raw.copy(sql) as copy, pq.ParquetWriter(out, schema, compression="zstd") as writer:
            copy.set_types(["int8", "int8", "int8", "text", "int8", "text", "text", "text", "text", "text", "text"])
            batch: list[tuple] = []
            for row in copy.rows():
                batch.append(row)
                if len(batch) >= 50_000:
                    writer.write_table(pa.Table.from_pylist([dict(zip(COLUMNS, r)) for r in batch], schema))
                    rows += len(batch)
                    batch = []
            if batch:
                writer.write_table(pa.Table.from_pylist([dict(zip(COLUMNS, r)) for r in batch], schema))
                rows += len(batch)
    return time.perf_counter() - started, rows


# ------------------------------------------------------------------------------------------------ main


def build_child(version: str, run_id: int) -> None:
    """The build, in a process of its own (as on a worker), so its peak RSS is its own; prints one JSON line."""
    import json

    from contrib.releases.services import release_build, release_create

    release = release_create(version=version, taxonomy_version=1, runs=[run_id],
                             config={"include_seed_examples": False, "test_fraction": 0.1})
    rss_before = rss_mb()
    started = time.perf_counter()
    result = release_build(release=release)
    seconds = time.perf_counter() - started
    release.refresh_from_db()
    assert release.status == "built", release.error
    print(json.dumps({"seconds": seconds, "stats": result.stats, "timings": result.timings,
                      "rss_before": rss_before, "rss_peak": rss_mb()}))


def build_run(url: str, run_id: int) -> dict:
    import json
    import subprocess

    env = {**os.environ, "DATABASE_URL": url}
    out = subprocess.run([sys.executable, __file__, "--child-build", str(run_id)], env=env, check=True,
                         stdout=subprocess.PIPE, text=True, cwd=REPO).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(url: str, rows: int, leaves_wanted: int, work: Path) -> dict:
    """One size: a fresh database with ``rows`` samples, the build in its own process, then the floor."""
    import django
    from django.core.management import call_command
    from django.db import connections

    database_recreate(url)
    django.setup()
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"\n=== {rows:,} rows ===\nmigrate: {time.perf_counter() - t:.1f}s")

    t = time.perf_counter()
    run_id, leaves = world_make(leaves_wanted)
    kinds = samples_copy(run_id, leaves, rows)
    print(f"setup: {rows:,} samples over {len(leaves):,} leaves by COPY in {time.perf_counter() - t:.1f}s "
          f"({kinds['distinct']:,} distinct, {kinds['exact']:,} exact and {kinds['near']:,} near duplicates)",
          flush=True)
    connections.close_all()

    built = build_run(url, run_id)
    build_s, stats, timings = built["seconds"], built["stats"], built["timings"]
    near_s = timings.get("near_dup", 0.0)
    dropped = stats["dropped"]
    into_near = stats["considered"] - sum(v for k, v in dropped.items() if k != "near_duplicate")
    floor_s, floor_rows = floor_measure(run_id, work / "floor.parquet")
    connections.close_all()

    print(f"\nbuild of {stats['considered']:,} rows -> {stats['rows']:,} kept; dropped {dropped}")
    print(f"{'stage':<22}{'seconds':>10}")
    for stage, seconds in timings.items():
        print(f"{stage:<22}{seconds:>10.2f}")
    other = build_s - sum(timings.values())
    print(f"{'(unaccounted)':<22}{other:>10.2f}")
    print(f"{'total release_build':<22}{build_s:>10.2f}")
    print(f"\nfloor: COPY of {floor_rows:,} rows -> parquet (pyarrow): {floor_s:.2f}s")
    ratio = (build_s - near_s) / floor_s if floor_s else float("inf")
    near_rate = into_near / near_s if near_s else float("inf")
    peak = built["rss_peak"]
    print(f"\nbuild without near-dup / floor: {build_s - near_s:.2f}s / {floor_s:.2f}s = {ratio:.2f}x "
          f"(target <= {TARGET_RATIO:.0f}x) {verdict(ratio <= TARGET_RATIO)}")
    print(f"near-dup: {into_near:,} rows in {near_s:.2f}s = {near_rate:,.0f} rows/s "
          f"(target >= {TARGET_NEARDUP:,}) {verdict(near_rate >= TARGET_NEARDUP)}")
    print(f"peak RSS of the build process: {peak:,.0f} MB (before the build {built['rss_before']:,.0f} MB; "
          f"target <= {TARGET_RSS_MB:,} MB) {verdict(peak <= TARGET_RSS_MB)}", flush=True)
    return {"rows": stats["considered"], "peak": peak, "before": built["rss_before"]}


def verdict(good: bool) -> str:
    return "OK" if good else "MISSED"


def flatness(small: dict, large: dict) -> None:
    """How the build's peak RSS grows from the smallest size to the largest."""
    growth = large["peak"] / small["peak"]
    per_row = (large["peak"] - small["peak"]) * 1024 * 1024 / max(large["rows"] - small["rows"], 1)
    print(f"\n=== flat ===\npeak RSS {small['peak']:,.0f} MB at {small['rows']:,} rows, {large['peak']:,.0f} MB at "
          f"{large['rows']:,} rows: {growth:.2f}x for {large['rows'] / small['rows']:.0f}x the rows, "
          f"{per_row:,.0f} bytes a row more (target <= {TARGET_FLAT:.1f}x) {verdict(growth <= TARGET_FLAT)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="100000,1000000",
                        help="comma-separated sizes, each measured on a fresh database (default: %(default)s)")
    parser.add_argument("--leaves", type=int, default=1_000)
    parser.add_argument("--keep-db", action="store_true", help="do not drop the benchmark database at the end")
    parser.add_argument("--child-build", type=int, help=argparse.SUPPRESS)  # internal: the build process
    args = parser.parse_args()

    if args.child_build is not None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contrib.settings")
        sys.path.insert(0, str(REPO))
        import django

        django.setup()
        build_child("2026.1.0", args.child_build)
        return 0

    try:
        sizes = sorted({int(size.replace("_", "")) for size in args.rows.split(",") if size.strip()})
    except ValueError:
        parser.error(f"--rows takes comma-separated row counts such as 100000,1000000, not {args.rows!r}")
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_URL
    work = Path(tempfile.mkdtemp(prefix="bench-release-"))
    os.environ["DATABASE_URL"] = url
    os.environ["SEEDBED_VAR_DIR"] = str(work / "var")
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ["SEEDBED_RELEASE_SCRATCH"] = str(work / "scratch")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contrib.settings")
    sys.path.insert(0, str(REPO))
    try:
        results = [measure(url, rows, args.leaves, work) for rows in sizes]
        if len(results) > 1:
            flatness(results[0], results[-1])
    finally:
        with contextlib.suppress(Exception):  # Django may not be set up yet
            from django.db import connections

            connections.close_all()
        if not args.keep_db:
            database_recreate(url, drop_only=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
