"""Benchmark: Seedbed's qna.yaml validator against instructlab-schema 0.4.2 on the 250-file shared corpus.

Run from the repository root:  .venv/bin/python tests/benchmarks/bench_validate.py

Both validators judge the same files, laid out at their taxonomy paths with an attribution.txt beside each,
in the same process. Seedbed runs cold: a fresh process, no cache of results. The reference runs as
InstructLab's CI runs it (yamllint as a command, yq for line numbers when on PATH); it is also timed with yq
switched off, since the yq found on PATH may not be the one InstructLab expects, to give the strictest ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SEEDBED_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "taxonomy-samples" / "corpus"
LINT_CONFIG = "{extends: relaxed, rules: {line-length: disable}}"


def lay_out(root: Path, entries: list[dict[str, Any]]) -> list[Path]:
    """Each corpus file at its taxonomy path, under a root of its own (paths repeat across versions)."""
    paths = []
    for entry in entries:
        target = root / entry["sha"] / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / f"{entry['sha']}.yaml", target)
        (target.parent / "attribution.txt").write_text(
            "Title of work: benchmark\nLicense of the work: CC-BY-4.0\n"
        )
        paths.append(target)
    return paths


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    """Swallow the reference's printed messages, its log records and its subprocesses' stderr."""
    saved_fd = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    logging.disable(logging.CRITICAL)
    try:
        sys.stderr.flush()
        os.dup2(devnull, 2)
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        os.close(devnull)
        logging.disable(logging.NOTSET)


def run_reference(paths: list[Path], *, use_yq: bool) -> tuple[float, list[str]]:
    from instructlab.schema.taxonomy import TaxonomyMessageFormat, TaxonomyParser

    parser = TaxonomyParser(
        schema_version=0, yamllint_config=LINT_CONFIG, message_format=TaxonomyMessageFormat.STANDARD
    )
    parser.yq_available = use_yq
    verdicts = []
    with silenced():
        started = time.perf_counter()
        for path in paths:
            try:
                verdicts.append("valid" if parser.parse(path).errors == 0 else "invalid")
            except Exception:  # noqa: BLE001  (any exception is the reference's crash verdict)
                verdicts.append("crash")
        elapsed = time.perf_counter() - started
    return elapsed, verdicts


def run_seedbed(paths: list[Path]) -> tuple[float, list[Any]]:
    from taxonomy.format import validate_file

    started = time.perf_counter()
    results = [validate_file(path) for path in paths]
    return time.perf_counter() - started, results


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument(
        "--skip-reference-with-yq", action="store_true", help="time the reference without yq only"
    )
    args = options.parse_args()

    sys.path.insert(0, str(REPO))
    # the reference runs the yamllint command: make sure it is the one installed beside this Python
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    entries: list[dict[str, Any]] = json.loads(
        (CORPUS / "reference_verdicts.json").read_text(encoding="utf-8")
    )

    with tempfile.TemporaryDirectory(prefix="seedbed-bench-") as tmp:
        paths = lay_out(Path(tmp), entries)

        started = time.perf_counter()
        import taxonomy.format  # noqa: F401  (import time reported apart from validation time)

        seedbed_import = time.perf_counter() - started
        seedbed_time, results = run_seedbed(paths)
        warm_time, _ = run_seedbed(paths)

        reference_runs: dict[str, tuple[float, list[str]]] = {}
        reference_runs["without yq"] = run_reference(paths, use_yq=False)
        if not args.skip_reference_with_yq and shutil.which("yq"):
            reference_runs[f"with yq ({shutil.which('yq')})"] = run_reference(paths, use_yq=True)

    live_verdicts = reference_runs["without yq"][1]
    judged = [i for i, verdict in enumerate(live_verdicts) if verdict != "crash"]
    crashed = [i for i, verdict in enumerate(live_verdicts) if verdict == "crash"]
    ours = ["valid" if result.ok else "invalid" for result in results]
    agree = sum(ours[i] == live_verdicts[i] for i in judged)
    clean = sum(
        any(m.rule == "yaml-syntax" and m.line >= 1 and m.col >= 1 for m in results[i].errors)
        for i in crashed
    )
    recorded = sum(live == entry["verdict"] for live, entry in zip(live_verdicts, entries))

    print(f"files:                         {len(paths)}")
    print(f"reference matches its record:  {recorded}/{len(entries)}")
    print(f"verdict agreement:             {agree}/{len(judged)} judgeable files")
    print(f"crash files cleanly handled:   {clean}/{len(crashed)} (yaml-syntax error with line and column)")
    print(f"seedbed import:                {seedbed_import:.3f} s (not counted below)")
    print(
        f"seedbed total (cold):          {seedbed_time:.3f} s  "
        f"({1000 * seedbed_time / len(paths):.2f} ms/file)"
    )
    print(f"seedbed total (warm, 2nd run): {warm_time:.3f} s")
    for label, (elapsed, _) in reference_runs.items():
        print(
            f"reference total {label}: {elapsed:.3f} s  "
            f"-> speed ratio reference/seedbed {elapsed / seedbed_time:.1f}x"
        )
    return 0 if agree == len(judged) and clean == len(crashed) else 1


if __name__ == "__main__":
    sys.exit(main())
