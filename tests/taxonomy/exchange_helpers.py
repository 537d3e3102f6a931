"""Builders of import sources for tests: copies of the sample tree, and git repositories made with git."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

INVALID_QNA = b"version: 3\ncreated_by: tester\nseed_examples: this is not a list\n"


def tree_copy(samples: Path, dest: Path) -> Path:
    """A private copy of the shared InstructLab sample tree, safe to change."""
    shutil.copytree(samples / "tree", dest, symlinks=True)
    return dest


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` with a fixed identity and no user configuration; return its output."""
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Tester",
        "GIT_AUTHOR_EMAIL": "tester@example.org",
        "GIT_COMMITTER_NAME": "Tester",
        "GIT_COMMITTER_EMAIL": "tester@example.org",
    }
    return subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def git_repo_from(tree: Path) -> Path:
    """Make ``tree`` a git work tree with everything committed on ``main``; return it."""
    git(tree, "init", "--quiet", "-b", "main")
    git(tree, "add", "--all")
    git(tree, "commit", "--quiet", "-m", "Sample tree")
    return tree


def files_of(root: Path, *, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every regular file under ``root`` by relative path, except those under ``skip`` and .git."""
    out: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.split("/", 1)[0] in (".git", *skip) or not path.is_file():
            continue
        out[rel] = path.read_bytes()
    return out
