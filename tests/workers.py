"""Real Celery worker processes for tests: a private queue, its environment, and workers a test may kill."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent


def worker_env(redis_url: str, tmp_path: Path, queue: str, **extra: str) -> dict[str, str]:
    """The environment of a worker on ``queue`` that uses this test's PostgreSQL database."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail("a worker process needs PostgreSQL (SQLite test databases live in memory)")
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": redis_url,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "SEEDBED_VAR_DIR": str(tmp_path / "var"),
            "CACHE_URL": os.environ.get("CACHE_URL", ""),
        }
    )
    env.update(extra)
    return env


def worker_start(queue: str, log_path: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start a solo worker on ``queue``, logging to ``log_path``, and wait until it says it is ready."""
    start = log_path.read_text(errors="replace").count("ready.") if log_path.exists() else 0
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "contrib", "worker", "--pool=solo", "-Q", queue, "-l", "info",
             "--without-gossip", "--without-mingle", "-n", f"{queue}-{uuid.uuid4().hex[:4]}@%h"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the Celery worker exited early:\n{log_path.read_text(errors='replace')[-3000:]}")
        if log_path.read_text(errors="replace").count("ready.") > start:
            return proc
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"the Celery worker did not start in 30 s:\n{log_path.read_text(errors='replace')[-3000:]}")


def worker_stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def private_queue(redis_url: str, tmp_path: Path, **extra_env: str) -> Iterator[dict[str, Any]]:
    """A private queue this process sends to, with the environment of its workers; stops them at the end.

    Yields ``{"queue", "env", "procs"}``: a test starts workers with :func:`worker_start` and appends them to
    ``procs`` so they are stopped however the test ends.
    """
    from contrib.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    procs: list[subprocess.Popen[bytes]] = []
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield {"queue": queue, "env": worker_env(redis_url, tmp_path, queue, **extra_env), "procs": procs}
    finally:
        app.conf.task_default_queue = previous
        for proc in procs:
            worker_stop(proc)
