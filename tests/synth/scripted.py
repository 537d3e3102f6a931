"""Starts the scripted teacher on a free localhost port for a test, in a thread or a subprocess.

    from tests.synth.scripted import run_scripted_teacher

    with run_scripted_teacher(latency=0.01, slots=16, judge_fail_rate=0) as teacher:
        teacher.base_url          # "http://127.0.0.1:<port>/v1", for TeacherConfig.base_url
        teacher.stats()           # the server's /stats as a dict
        teacher.reset_stats()
        teacher.stop()            # the teacher goes down (connections refused from now on)

Options are the fields of ``contrib.synth.scripted.server.ScriptedOptions`` (``latency``, ``slots``,
``error_rate``, ``faults``, ``seed``, ``model``, ``timeout_hold``, ``retry_after``, ``judge_fail_rate``,
``fail_all``). ``mode="process"`` runs it as ``python -m contrib.synth.scripted.server`` in a subprocess,
which is what a test wants when a Celery worker process is the client and the test process is busy.
The ``scripted_teacher`` fixture below gives one with defaults fit for exact counts (``judge_fail_rate=0``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from contrib.synth.scripted.server import ScriptedOptions, start

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 20.0


class ScriptedTeacherHandle:
    """A running scripted teacher: its base URL, its stats, and a way to take it down."""

    def __init__(self, base_url: str, stopper: Any) -> None:
        self.base_url = base_url
        self.root = base_url.removesuffix("/v1")
        self._stopper = stopper
        self.stopped = False

    def __str__(self) -> str:
        return self.base_url

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.root}/stats", timeout=5) as response:
            return json.loads(response.read())

    def reset_stats(self) -> dict[str, Any]:
        request = urllib.request.Request(f"{self.root}/stats/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self._stopper()


@contextlib.contextmanager
def run_scripted_teacher(*, mode: str = "thread", **options: Any) -> Iterator[ScriptedTeacherHandle]:
    """A scripted teacher on 127.0.0.1 and a free port for the duration of the block."""
    opts = replace(ScriptedOptions(), host="127.0.0.1", port=0, **options)
    if mode == "thread":
        handle = _in_thread(opts)
    elif mode == "process":
        handle = _in_process(opts)
    else:
        raise ValueError(f"mode must be 'thread' or 'process', not {mode!r}")
    try:
        yield handle
    finally:
        handle.stop()


def _in_thread(opts: ScriptedOptions) -> ScriptedTeacherHandle:
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box: dict[str, Any] = {}

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            box["runner"], box["url"] = loop.run_until_complete(start(opts))
        except Exception as exc:  # noqa: BLE001 - reported to the starting thread
            box["error"] = exc
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(box["runner"].cleanup())
        loop.close()

    thread = threading.Thread(target=serve, name="scripted-teacher", daemon=True)
    thread.start()
    if not ready.wait(START_TIMEOUT) or "error" in box:
        raise RuntimeError(f"The scripted teacher did not start: {box.get('error')!r}")

    def stop() -> None:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

    return ScriptedTeacherHandle(box["url"], stop)


def _in_process(opts: ScriptedOptions) -> ScriptedTeacherHandle:
    args = [
        sys.executable, "-m", "contrib.synth.scripted.server",
        "--host", opts.host, "--port", "0", "--latency", str(opts.latency), "--slots", str(opts.slots),
        "--error-rate", str(opts.error_rate), "--faults", ",".join(opts.faults), "--seed", str(opts.seed),
        "--model", opts.model, "--timeout-hold", str(opts.timeout_hold), "--retry-after", str(opts.retry_after),
        "--judge-fail-rate", str(opts.judge_fail_rate),
    ]  # fmt: skip
    if opts.fail_all:
        args.append("--fail-all")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(START_TIMEOUT)
    if not line or not line[0].startswith("listening on "):
        proc.kill()
        raise RuntimeError(f"The scripted teacher process did not start (exit code {proc.poll()}).")

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    handle = ScriptedTeacherHandle(line[0].removeprefix("listening on ").strip(), stop)
    handle.process = proc  # type: ignore[attr-defined]
    return handle


@pytest.fixture
def scripted_teacher() -> Iterator[ScriptedTeacherHandle]:
    """A scripted teacher with no latency, 16 slots, no faults and no hash-bucket judge failures."""
    with run_scripted_teacher(slots=16, judge_fail_rate=0.0) as handle:
        yield handle
