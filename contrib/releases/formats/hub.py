"""Pushing a built release to a Hugging Face Hub dataset repo: the plan (no network), then the push."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

REPO_TYPE = "dataset"


@dataclass(frozen=True)
class HubPlan:
    """What a push uploads: one add per file of the release (README.md at the root), the message and the tag."""

    repo_id: str
    operations: list[CommitOperationAdd]
    commit_message: str
    tag: str


def hub_plan(release_dir: str | Path, *, repo_id: str, version: str) -> HubPlan:
    """The push of every file under ``release_dir``, at its release-relative path, sorted; tagged ``version``."""
    root = Path(release_dir)
    if not (root / "README.md").is_file():
        raise ValueError(f"{root} has no README.md: build the release (its card) before pushing it.")
    files = sorted(path for path in root.rglob("*") if path.is_file())
    operations = [
        CommitOperationAdd(path_in_repo=path.relative_to(root).as_posix(), path_or_fileobj=str(path))
        for path in files
    ]
    return HubPlan(
        repo_id=repo_id,
        operations=operations,
        commit_message=f"Release {version}",
        tag=version,
    )


def hub_push(plan: HubPlan, *, token: str, api: HfApi | None = None, private: bool | None = None) -> str:
    """Create the dataset repo if needed, commit the plan's files (deleting files of earlier releases the
    plan does not have, so a data_files glob never picks up a stale shard), and tag the commit with the
    version. Returns the commit id."""
    api = api or HfApi(token=token)
    api.create_repo(plan.repo_id, repo_type=REPO_TYPE, exist_ok=True, private=private, token=token)
    planned = {operation.path_in_repo for operation in plan.operations}
    existing = api.list_repo_files(plan.repo_id, repo_type=REPO_TYPE, token=token)
    deletions = [
        CommitOperationDelete(path_in_repo=name)
        for name in sorted(existing)
        if name not in planned and name != ".gitattributes"
    ]
    commit = api.create_commit(
        plan.repo_id,
        [*plan.operations, *deletions],
        commit_message=plan.commit_message,
        repo_type=REPO_TYPE,
        token=token,
    )
    api.create_tag(plan.repo_id, tag=plan.tag, revision=commit.oid, repo_type=REPO_TYPE, token=token)
    return str(commit.oid)
