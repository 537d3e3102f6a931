"""Shared fixtures: the real services (PostgreSQL, Redis, a Celery worker process) and the shared samples."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SEEDBED_SHARED", REPO.parent / "shared"))
SAMPLES = SHARED / "taxonomy-samples"
IN_CI = bool(os.environ.get("CI"))


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI a missing service is a failure, never a silent skip."""
    if not IN_CI:
        return
    problems = []
    db_url = os.environ.get("DATABASE_URL", "")
    if not db_url.startswith(("postgres://", "postgresql://")):
        problems.append("DATABASE_URL must point at PostgreSQL in CI (run the tests with `make test`).")
    elif not _reachable(db_url, 5432):
        problems.append(f"PostgreSQL is not reachable at {db_url}.")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        problems.append("CELERY_BROKER_URL must point at Redis in CI (run the tests with `make test`).")
    elif not _reachable(broker, 6379):
        problems.append(f"Redis is not reachable at {broker}.")
    if not SAMPLES.is_dir():
        problems.append(f"The shared taxonomy samples are missing at {SAMPLES}.")
    if problems:
        pytest.exit("Required services are missing:\n  " + "\n  ".join(problems), returncode=3)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Give each test session its own database, so two sessions on one machine never drop each other's."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_{os.getpid()}"


@pytest.fixture(scope="session")
def samples() -> Path:
    """The shared InstructLab taxonomy samples (read in place, never copied into the repo)."""
    if not SAMPLES.is_dir():
        if IN_CI:
            pytest.fail(f"shared samples missing at {SAMPLES}")
        pytest.skip(f"shared samples missing at {SAMPLES}")
    return SAMPLES


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://") or not _reachable(url, 6379):
        if IN_CI:
            pytest.fail("Redis is required: set CELERY_BROKER_URL=redis://127.0.0.1:6379/0")
        pytest.skip("Redis is not configured: run with `make test`")
    return url


@pytest.fixture
def celery_worker_process(redis_url: str, transactional_db: None, tmp_path: Path) -> Iterator[str]:
    """A real `celery -A contrib worker` process on a private queue, using the test database.

    Tests that use it must commit their data (``transactional_db``), since the worker is another process.
    Yields the queue name; tasks sent by this process go to it.
    """
    from tests.workers import private_queue, worker_start

    with private_queue(redis_url, tmp_path) as workers:
        workers["procs"].append(worker_start(workers["queue"], tmp_path / "worker.log", workers["env"]))
        yield workers["queue"]


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until it returns a truthy value or ``timeout`` passes; return the value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
