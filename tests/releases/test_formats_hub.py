"""The Hub push: the plan from a release directory, and the calls made, against a mocked HfApi (no network)."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

from contrib.releases.formats.hub import hub_plan, hub_push


def release_dir(root: Path) -> Path:
    for name, data in {
        "README.md": "---\nlicense: mit\n---\n# card\n",
        "manifest.json": "{}\n",
        "skills/train-00000-of-00001.parquet": "p",
        "skills/test-00000-of-00001.parquet": "q",
        "knowledge/train.jsonl": "{}\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(data)
    return root


def test_plan(tmp_path: Path) -> None:
    plan = hub_plan(release_dir(tmp_path), repo_id="org/seedbed", version="2026.11.0")
    assert [op.path_in_repo for op in plan.operations] == [
        "README.md",
        "knowledge/train.jsonl",
        "manifest.json",
        "skills/test-00000-of-00001.parquet",
        "skills/train-00000-of-00001.parquet",
    ]
    assert all(isinstance(op, CommitOperationAdd) for op in plan.operations)
    assert plan.operations[0].path_or_fileobj == str(tmp_path / "README.md")
    assert plan.tag == "2026.11.0" and plan.repo_id == "org/seedbed"
    assert plan.commit_message == "Release 2026.11.0"


def test_plan_needs_a_card(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="README.md"):
        hub_plan(tmp_path, repo_id="org/x", version="1")


def test_push_calls_the_hub_in_order(tmp_path: Path) -> None:
    plan = hub_plan(release_dir(tmp_path), repo_id="org/seedbed", version="2026.11.0")
    api = mock.create_autospec(HfApi, instance=True)
    api.list_repo_files.return_value = [".gitattributes", "README.md", "skills/train-00000-of-00002.parquet"]
    api.create_commit.return_value.oid = "c0ffee"
    assert hub_push(plan, token="hf_x", api=api) == "c0ffee"

    assert [call[0] for call in api.mock_calls if not call[0].startswith("create_commit()")] == [
        "create_repo",
        "list_repo_files",
        "create_commit",
        "create_tag",
    ]
    api.create_repo.assert_called_once_with(
        "org/seedbed", repo_type="dataset", exist_ok=True, private=None, token="hf_x"
    )
    (repo_id, operations), kwargs = api.create_commit.call_args
    assert repo_id == "org/seedbed"
    assert kwargs == {"commit_message": "Release 2026.11.0", "repo_type": "dataset", "token": "hf_x"}
    assert operations[: len(plan.operations)] == plan.operations
    deletions = operations[len(plan.operations) :]
    assert [type(op) for op in deletions] == [CommitOperationDelete]
    assert deletions[0].path_in_repo == "skills/train-00000-of-00002.parquet"
    api.create_tag.assert_called_once_with(
        "org/seedbed", tag="2026.11.0", revision="c0ffee", repo_type="dataset", token="hf_x"
    )
