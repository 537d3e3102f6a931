"""Settings read from the environment, and a production mode that passes `check --deploy`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from contrib.env import env_bool, env_int, env_list
from tests.conftest import REPO


def _run(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SEEDBED_PRODUCTION", "SECRET_KEY"}}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_production_mode_passes_check_deploy_without_warnings() -> None:
    done = _run(
        {
            "SEEDBED_PRODUCTION": "1",
            "SECRET_KEY": "k3y-" + "x9Yq2Lm8Pz4Rt6Vb1Nc5Hd7Jf0Gs3Wa" * 2,
            "ALLOWED_HOSTS": "seedbed.example.org",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_development_mode_is_flagged_by_check_deploy() -> None:
    done = _run({}, "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr or "DEBUG" in done.stderr


def test_production_without_secret_key_refuses_to_start() -> None:
    done = _run({"SEEDBED_PRODUCTION": "1", "ALLOWED_HOSTS": "x.example"}, "check")
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


def test_env_parsers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "off")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_bool("X_BOOL", True) is False
    assert env_int("X_INT", 1) == 42
    assert env_list("X_LIST", []) == ["a", "b", "c"]
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ValueError, match="not a boolean"):
        env_bool("X_BOOL", True)
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ValueError, match="not a whole number"):
        env_int("X_INT", 1)
