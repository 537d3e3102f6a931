"""The embedded first run: SQLite, the filesystem broker, a real worker and web server, /healthz all green."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, wait_for

pytestmark = pytest.mark.worker


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _embedded_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}}
    env.update({"SEEDBED_VAR_DIR": str(var_dir), "SEEDBED_WORKER_HEARTBEAT_SECONDS": "1", "DEBUG": "1"})
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_embedded_first_run_serves_healthz_with_a_live_worker(tmp_path: Path) -> None:
    env = _embedded_env(tmp_path / "var")
    _manage(env, "migrate", "--noinput")
    loaded = _manage(env, "load_starter_taxonomy")
    assert "Loaded the starter taxonomy as version 1 (4 leaves)" in loaded
    assert "not loaded again" in _manage(env, "load_starter_taxonomy")
    first = _manage(env, "ensure_demo_admin")
    assert "username 'admin', password '" in first
    assert _manage(env, "ensure_demo_admin") == first, "the demo password must be stable across runs"

    port = _free_port()
    logs = open(tmp_path / "procs.log", "w+")
    web = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=REPO, env=env, stdout=logs, stderr=subprocess.STDOUT,
    )
    worker = None
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        status, body = wait_for(lambda: _try(url), timeout=30) or (0, {})
        assert status == 503, body
        assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]
        assert body["checks"]["worker"]["ok"] is False, "no worker is running yet"
        assert "celery -A contrib worker" in body["checks"]["worker"]["error"]

        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "contrib", "worker", "--pool=solo", "-l", "info"],
            cwd=REPO, env=env, stdout=logs, stderr=subprocess.STDOUT,
        )
        healthy = wait_for(lambda: (r := _try(url)) and r[0] == 200 and r, timeout=40)
        logs.seek(0)
        assert healthy, f"healthz never turned green:\n{logs.read()[-3000:]}"
        assert healthy[1]["status"] == "ok"
        assert healthy[1]["checks"]["broker"]["transport"] == "filesystem"
        assert healthy[1]["checks"]["database"]["vendor"] == "sqlite"
    finally:
        for proc in (web, worker):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        logs.close()


def _try(url: str) -> tuple[int, dict] | None:
    try:
        return _get_json(url)
    except (urllib.error.URLError, ConnectionError, json.JSONDecodeError):
        time.sleep(0.2)
        return None
