"""Pushing a published release to the Hugging Face Hub: the upload is prepared from stored files; the Hub is mocked."""

from __future__ import annotations

from unittest import mock

import pytest
from huggingface_hub import HfApi

from contrib.releases.exceptions import ReleaseInvalid, ReleaseStateError
from contrib.releases.services import release_build, release_create, release_publish, release_push
from tests.releases.factories import HAIKU, MERGED, distinct_pairs, planted_run, world_make

pytestmark = pytest.mark.django_db


def _published_release():  # type: ignore[no-untyped-def]
    world = world_make()
    run = planted_run(world.version, {HAIKU: distinct_pairs("h", 4), MERGED: distinct_pairs("m", 4)})
    release = release_create(version="2026.11.0", taxonomy_version=world.version.number, runs=[run.pk],
                             config=None, created_by=None)
    release_build(release=release)
    release.refresh_from_db()
    return release


def test_push_uploads_every_stored_file_and_tags_the_version(monkeypatch: pytest.MonkeyPatch) -> None:
    release = _published_release()
    release_publish(release=release)
    release.refresh_from_db()
    api = mock.create_autospec(HfApi, instance=True)
    api.list_repo_files.return_value = []
    api.create_commit.return_value = mock.Mock(oid="abc123")
    monkeypatch.setenv("HF_TOKEN", "hf_test_token")

    plan = release_push(release=release, repo_id="seedbed/community-data", api=api)

    stored = {f.name: f.sha256 for f in release.files.all()}
    assert {op.path_in_repo for op in plan.operations} == set(stored)
    assert "README.md" in stored and plan.tag == "2026.11.0"
    api.create_repo.assert_called_once()
    assert api.create_repo.call_args.kwargs["repo_type"] == "dataset"
    api.create_commit.assert_called_once()
    api.create_tag.assert_called_once()
    assert api.create_tag.call_args.kwargs["tag"] == "2026.11.0"


def test_push_refuses_unpublished_releases_and_missing_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    release = _published_release()
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with pytest.raises(ReleaseStateError, match="Only a published release"):
        release_push(release=release, repo_id="seedbed/x")
    release_publish(release=release)
    release.refresh_from_db()
    with pytest.raises(ReleaseInvalid) as caught:
        release_push(release=release, repo_id="")
    assert set(caught.value.errors) == {"repo_id", "token"}
