"""Writes the taxonomy's history as a git repository: one commit, tagged v<N>, per taxonomy version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from taxonomy.exchange.git_cli import git_env, run_git
from taxonomy.exchange.tree_writer import leaf_clear, leaf_write, target_prepare
from taxonomy.models import LeafRevision, TaxonomyVersion

FALLBACK_NAME = "Seedbed"
FALLBACK_EMAIL = "seedbed@localhost"
# Fixed settings, so that the same database always gives the same commit ids whatever the user's git config.
_SETTINGS = (
    f"user.name={FALLBACK_NAME}",
    f"user.email={FALLBACK_EMAIL}",
    "commit.gpgsign=false",
    "tag.gpgsign=false",
    "core.autocrlf=false",
    "core.safecrlf=false",
    "core.filemode=true",
    "i18n.commitEncoding=UTF-8",
)
_CONFIG = tuple(arg for setting in _SETTINGS for arg in ("-c", setting))


@dataclass(frozen=True)
class ExportedCommit:
    """The commit written for one taxonomy version."""

    number: int
    sha: str


def _ident(text: str, fallback: str) -> str:
    # git refuses angle brackets and line breaks in an identity.
    clean = " ".join(text.replace("<", "").replace(">", "").split())
    return clean or fallback


def commit_message(version: TaxonomyVersion, name: str, email: str) -> str:
    """The version's message, a blank line, and its Signed-off-by trailer (built from the author if unset)."""
    signoff = version.signoff.strip() or f"{name} <{email}>"
    if not signoff.lower().startswith("signed-off-by:"):
        signoff = f"Signed-off-by: {signoff}"
    message = version.message.strip()
    if signoff in message.splitlines():
        return f"{message}\n"
    return f"{message}\n\n{signoff}\n" if message else f"{signoff}\n"


def git_history_write(dest: Path, number: int) -> list[ExportedCommit]:
    """Write versions 1..``number`` into a new git repository at ``dest``, the work tree at the last one."""
    target_prepare(dest)
    env = git_env(isolated=True)
    run_git([*_CONFIG, "init", "--quiet", "-b", "main", "--template=", str(dest)], env=env)
    commits: list[ExportedCommit] = []
    for version in TaxonomyVersion.objects.filter(number__lte=number).order_by("number"):
        closed = LeafRevision.objects.filter(valid_to_id=version.number).select_related("node")
        for revision in closed:
            leaf_clear(dest, revision.node.path)
        opened = (
            LeafRevision.objects.filter(valid_from_id=version.number)
            .select_related("node", "qna", "attribution")
            .prefetch_related("documents__blob")
        )
        for revision in opened:
            leaf_write(dest, revision)
        commits.append(ExportedCommit(version.number, _commit(dest, version, env)))
    return commits


def _commit(dest: Path, version: TaxonomyVersion, env: dict[str, str]) -> str:
    name = _ident(version.author_name, FALLBACK_NAME)
    email = _ident(version.author_email, FALLBACK_EMAIL)
    date = f"@{int(version.created_at.timestamp())} +0000"
    identity = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": date,
    }
    commit_env = {**env, **identity}
    run_git([*_CONFIG, "add", "--all", "."], cwd=dest, env=commit_env)
    run_git(
        [
            *_CONFIG,
            "commit",
            "--quiet",
            "--no-verify",
            "--allow-empty",
            "--allow-empty-message",
            "--cleanup=whitespace",
            "-F",
            "-",
        ],
        cwd=dest,
        env=commit_env,
        input=commit_message(version, name, email).encode("utf-8"),
    )
    run_git([*_CONFIG, "tag", f"v{version.number}"], cwd=dest, env=commit_env)
    return run_git(["rev-parse", "HEAD"], cwd=dest, env=commit_env).decode().strip()
