"""The releases API: shapes, who may read and change what, field errors, transitions, and file URLs that serve bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contrib.releases.choices import ReleaseStatus
from contrib.releases.models import Release
from tests.releases import test_views as shared
from tests.releases.test_views import DIFF, PARQUET, STATS, release_make, run_make
from tests.submissions.factories import api

pytestmark = pytest.mark.django_db

media = shared.media
people = shared.people

LIST = "/api/v1/releases/"
FILE_FIELDS = {"name", "kind", "config_name", "split", "rows", "bytes", "sha256", "url"}


def client(people: dict[str, Any], role: str) -> Any:
    return api(people[role])


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- Reading. ---

def test_a_release_answers_status_stats_diff_and_files_with_absolute_urls(media: Path, people: dict) -> None:
    release = release_make("2026.1.0", previous=release_make("2025.12.0"))
    run = run_make()
    release.runs.add(run)
    response = client(people, "anonymous").get(f"{LIST}2026.1.0/")
    assert response.status_code == 200
    data = response.json()
    assert data["version"] == "2026.1.0"
    assert data["status"] == "published"
    assert data["taxonomy_version"] == 1
    assert data["generation_runs"] == [run.pk]
    assert data["previous"] == "2025.12.0"
    assert data["stats"] == STATS and data["diff"] == DIFF
    assert data["url"] == "http://testserver/releases/2026.1.0/"
    files = {f["name"]: f for f in data["files"]}
    assert set(files) == set(release.files.values_list("name", flat=True))
    train = files["skills/train-00000-of-00001.parquet"]
    assert set(train) == FILE_FIELDS
    assert train["split"] == "train" and train["rows"] == 7 and train["bytes"] == len(PARQUET)
    assert train["url"] == "http://testserver/releases/2026.1.0/files/skills/train-00000-of-00001.parquet"


def test_every_file_url_serves_the_exact_bytes(media: Path, people: dict) -> None:
    release_make("2026.1.0")
    anonymous = client(people, "anonymous")
    for f in anonymous.get(f"{LIST}2026.1.0/").json()["files"]:
        response = anonymous.get(f["url"])
        assert response.status_code == 200, f["name"]
        data = body(response)
        assert len(data) == f["bytes"]
        import hashlib

        assert hashlib.sha256(data).hexdigest() == f["sha256"] == response["ETag"].strip('"')


def test_the_api_file_endpoint_serves_the_bytes_too(media: Path, people: dict) -> None:
    release_make("2026.1.0", ReleaseStatus.BUILT)
    url = f"{LIST}2026.1.0/files/skills/train-00000-of-00001.parquet"
    assert client(people, "anonymous").get(url).status_code == 404
    response = client(people, "maintainer").get(url, HTTP_ACCEPT="application/octet-stream")
    assert response.status_code == 200
    assert body(response) == PARQUET
    ranged = client(people, "maintainer").get(url, HTTP_RANGE="bytes=0-3")
    assert ranged.status_code == 206 and body(ranged) == PARQUET[:4]
    missing = client(people, "maintainer").get(f"{LIST}2026.1.0/files/nope.parquet")
    assert missing.status_code == 404 and "detail" in missing.json()


def test_the_list_shows_public_releases_to_everyone_and_all_to_maintainers(media: Path, people: dict) -> None:
    for n, status in enumerate(ReleaseStatus.values):
        release_make(f"2026.1.{n}", status)
    for role in ("anonymous", "contributor"):
        data = client(people, role).get(LIST).json()
        assert {r["status"] for r in data["results"]} == {"published", "withdrawn"}, role
    data = client(people, "maintainer").get(LIST).json()
    assert data["count"] == 6
    assert {r["status"] for r in data["results"]} == set(ReleaseStatus.values)
    assert all(set(r["files"][0]) == FILE_FIELDS for r in data["results"])


@pytest.mark.parametrize("status", ["draft", "building", "built", "failed"])
def test_an_unpublished_release_is_404_except_for_maintainers(media: Path, people: dict, status: str) -> None:
    release_make("2026.1.0", status)
    assert client(people, "anonymous").get(f"{LIST}2026.1.0/").status_code == 404
    assert client(people, "contributor").get(f"{LIST}2026.1.0/").status_code == 404
    assert client(people, "maintainer").get(f"{LIST}2026.1.0/").json()["status"] == status


def test_the_list_makes_the_same_number_of_queries_for_more_releases(media: Path, people: dict) -> None:
    maintainer = client(people, "maintainer")
    release_make("2026.1.0")
    maintainer.get(LIST)
    with CaptureQueriesContext(connection) as few:
        maintainer.get(LIST)
    for n in range(1, 6):
        release_make(f"2026.1.{n}").runs.add(run_make())
    with CaptureQueriesContext(connection) as many:
        assert maintainer.get(LIST).json()["count"] == 6
    assert len(many) == len(few)


# --- Creating. ---

def test_a_maintainer_creates_a_release_and_its_build_is_queued(media: Path, people: dict) -> None:
    run = run_make()
    response = client(people, "maintainer").post(
        LIST, {"version": "2026.2.0", "taxonomy_version": 1, "generation_runs": [run.pk], "config": {"seed": 7}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["version"] == "2026.2.0"
    assert data["status"] in ("draft", "building")
    assert data["generation_runs"] == [run.pk]
    assert data["config"]["seed"] == 7
    assert Release.objects.get(version="2026.2.0").created_by == people["maintainer"]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"version": "nope", "taxonomy_version": 1, "generation_runs": ["RUN"]}, {"version"}),
        ({"version": "2026.2.0", "taxonomy_version": 99, "generation_runs": ["RUN"]}, {"taxonomy_version"}),
        ({"version": "2026.2.0", "taxonomy_version": 1, "generation_runs": [987654]}, {"generation_runs"}),
        ({"version": "2026.2.0", "taxonomy_version": 1, "generation_runs": []}, {"generation_runs"}),
        ({"version": "2026.2.0", "taxonomy_version": 1, "generation_runs": ["RUN"], "config": [1]}, {"config"}),
        ({"version": "2026.2.0", "taxonomy_version": 1, "generation_runs": ["RUN"], "config": {"test_fraction": 2}},
         {"config"}),
        ({"taxonomy_version": "x"}, {"version", "taxonomy_version"}),
    ],
)
def test_invalid_requests_answer_400_with_field_errors(media: Path, people: dict, payload: dict, fields: set) -> None:
    run = run_make()
    payload = {k: ([run.pk if x == "RUN" else x for x in v] if isinstance(v, list) and k == "generation_runs" else v)
               for k, v in payload.items()}
    response = client(people, "maintainer").post(LIST, payload, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == fields, errors
    assert all(isinstance(m, str) and m for messages in errors.values() for m in messages)
    assert not Release.objects.exists()


def test_a_taken_version_is_a_field_error(media: Path, people: dict) -> None:
    release_make("2026.2.0")
    response = client(people, "maintainer").post(
        LIST, {"version": "2026.2.0", "taxonomy_version": 1, "generation_runs": [run_make().pk]}, format="json"
    )
    assert response.status_code == 400 and "version" in response.json()


@pytest.mark.parametrize(("role", "code"), [("anonymous", 401), ("contributor", 403)])
def test_only_maintainers_create(media: Path, people: dict, role: str, code: int) -> None:
    response = client(people, role).post(
        LIST, {"version": "2026.2.0", "taxonomy_version": 1, "generation_runs": [run_make().pk]}, format="json"
    )
    assert response.status_code == code
    assert "detail" in response.json()


# --- Publishing and withdrawing. ---

def test_publish_then_withdraw(media: Path, people: dict) -> None:
    release_make("2026.1.0", ReleaseStatus.BUILT)
    maintainer = client(people, "maintainer")
    response = maintainer.post(f"{LIST}2026.1.0/publish/")
    assert response.status_code == 200
    assert response.json()["status"] == "published" and response.json()["published_at"]
    assert maintainer.post(f"{LIST}2026.1.0/publish/").status_code == 409
    assert maintainer.post(f"{LIST}2026.1.0/withdraw/", {"reason": ""}, format="json").status_code == 400
    assert maintainer.post(f"{LIST}2026.1.0/withdraw/", {}, format="json").json() == {
        "reason": ["This field is required."]
    }
    response = maintainer.post(f"{LIST}2026.1.0/withdraw/", {"reason": "Consent withdrawn."}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "withdrawn" and data["withdrawn_reason"] == "Consent withdrawn."
    again = maintainer.post(f"{LIST}2026.1.0/withdraw/", {"reason": "Again."}, format="json")
    assert again.status_code == 409 and "status" in again.json()
    assert maintainer.post(f"{LIST}2026.1.0/publish/").status_code == 409


@pytest.mark.parametrize("status", ["draft", "building", "failed"])
def test_only_a_built_release_is_published(media: Path, people: dict, status: str) -> None:
    release_make("2026.1.0", status)
    response = client(people, "maintainer").post(f"{LIST}2026.1.0/publish/")
    assert response.status_code == 409
    assert "status" in response.json()


def test_only_a_published_release_is_withdrawn(media: Path, people: dict) -> None:
    release_make("2026.1.0", ReleaseStatus.BUILT)
    response = client(people, "maintainer").post(f"{LIST}2026.1.0/withdraw/", {"reason": "x"}, format="json")
    assert response.status_code == 409


@pytest.mark.parametrize(("role", "code"), [("anonymous", 401), ("contributor", 403)])
@pytest.mark.parametrize("action", ["publish", "withdraw"])
def test_only_maintainers_publish_and_withdraw(media: Path, people: dict, role: str, code: int, action: str) -> None:
    release_make("2026.1.0", ReleaseStatus.BUILT if action == "publish" else ReleaseStatus.PUBLISHED)
    response = client(people, role).post(f"{LIST}2026.1.0/{action}/", {"reason": "x"}, format="json")
    assert response.status_code == code


def test_an_unknown_release_is_404_for_every_action(media: Path, people: dict) -> None:
    maintainer = client(people, "maintainer")
    assert maintainer.get(f"{LIST}9.9.9/").status_code == 404
    assert maintainer.post(f"{LIST}9.9.9/publish/").status_code == 404
    assert maintainer.post(f"{LIST}9.9.9/withdraw/", {"reason": "x"}, format="json").status_code == 404


def test_every_endpoint_is_in_the_openapi_schema(media: Path) -> None:
    response = api().get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/releases/"])
    assert "get" in paths["/api/v1/releases/{version}/"]
    assert "post" in paths["/api/v1/releases/{version}/publish/"]
    assert "post" in paths["/api/v1/releases/{version}/withdraw/"]
    assert "get" in paths["/api/v1/releases/{version}/files/{name}"]
    create = paths["/api/v1/releases/"]["post"]
    assert {"201", "400", "401", "403"} <= set(create["responses"])
