"""Runs the git command line: never through a shell, never prompting, always under a time limit."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from taxonomy.exceptions import SourceUnavailable

#: Seconds a clone may take; other git commands are local and quick.
CLONE_TIMEOUT = 600
COMMAND_TIMEOUT = 120

# Only these transports may be used; ext:: and fd:: would let a source name run a command.
_PROTOCOLS = ("file", "https", "http", "ssh", "git")
PROTOCOL_CONFIG: tuple[str, ...] = ("-c", "protocol.allow=never") + tuple(
    arg for name in _PROTOCOLS for arg in ("-c", f"protocol.{name}.allow=always")
)


class GitError(SourceUnavailable):
    """A git command failed; the message holds git's own explanation."""


def git_env(extra: Mapping[str, str] | None = None, *, isolated: bool = False) -> dict[str, str]:
    """The environment for git: no prompt for credentials; with ``isolated``, no user or system config."""
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    env["LC_ALL"] = "C"
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_NAMESPACE"):
        env.pop(name, None)
    if isolated:
        env["GIT_CONFIG_GLOBAL"] = os.devnull
        env["GIT_CONFIG_NOSYSTEM"] = "1"
    if extra:
        env.update(extra)
    return env


def run_git(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = COMMAND_TIMEOUT,
    redact: Mapping[str, str] | None = None,
) -> bytes:
    """Run ``git args`` and return its output; raise GitError with git's message when it fails."""
    try:
        completed = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=input,
            env=dict(env) if env is not None else git_env(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise GitError(
            "The git command is not installed: install git to import or export git repositories."
        ) from None
    except subprocess.TimeoutExpired:
        raise GitError(
            f"git {args[0]} did not finish in {int(timeout)} seconds: check the source and the network."
        ) from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed"
        for secret, shown in (redact or {}).items():
            message = message.replace(secret, shown)
        raise GitError(message)
    return completed.stdout
