"""The generation API: who may start, see and cancel runs; the shapes it answers; errors, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from contrib.synth.choices import RunStatus
from contrib.synth.models import GenerationRun, LeafJob, Sample, Teacher
from contrib.synth.services import teacher_configure
from tests.submissions.factories import People, latest, people_make, submit, tree_make

pytestmark = pytest.mark.django_db
URL = "/api/v1/generation-runs/"


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db: None) -> People:
    tree_make()
    return people_make()


@pytest.fixture
def teacher(db: None) -> Teacher:
    return teacher_configure(name="t", base_url="http://127.0.0.1:9/v1", model="m")


def as_user(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_maintainers_start_runs_over_a_version(cast: People, teacher: Teacher) -> None:
    body = {"taxonomy_version": 1, "teacher": "t", "scale": 2, "seed": 3}
    assert as_user(None).post(URL, body, format="json").status_code in (401, 403)
    assert as_user(cast.author).post(URL, body, format="json").status_code == 403
    response = as_user(cast.maintainer).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    run = GenerationRun.objects.get(pk=response.json()["id"])
    assert (run.scale, run.seed, run.status, run.created_by_id) == (2, 3, RunStatus.QUEUED, cast.maintainer.pk)


def test_invalid_requests_answer_400_with_field_reasons(cast: People, teacher: Teacher) -> None:
    client = as_user(cast.maintainer)
    response = client.post(URL, {"taxonomy_version": 99, "teacher": "nope", "scale": 1}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"taxonomy_version", "teacher"}
    response = client.post(URL, {"teacher": "t", "scale": 1}, format="json")
    assert response.status_code == 400 and "submission_revision" in response.json()
    response = client.post(URL, {"taxonomy_version": 1, "teacher": "t", "scale": "lots"}, format="json")
    assert response.status_code == 400 and "scale" in response.json()
    response = client.post(URL, {"taxonomy_version": 1, "teacher": "t", "scale": 1, "incremental_from": 42}, format="json")
    assert response.status_code == 400 and "incremental_from" in response.json()


def test_previews_by_the_author_or_a_reviewer_of_the_area(cast: People, teacher: Teacher) -> None:
    revision = latest(submit(cast.author))
    body = {"submission_revision": revision.pk, "teacher": "t", "scale": 1}
    assert as_user(cast.other).post(URL, body, format="json").status_code == 403
    assert as_user(cast.outsider).post(URL, body, format="json").status_code == 403
    for user in (cast.author, cast.reviewer):
        assert as_user(user).post(URL, body, format="json").status_code == 201
    too_big = as_user(cast.author).post(URL, {**body, "scale": 50}, format="json")
    assert too_big.status_code == 400 and "scale" in too_big.json()


def test_run_detail_samples_and_cancel(cast: People, teacher: Teacher) -> None:
    client = as_user(cast.maintainer)
    run_id = client.post(URL, {"taxonomy_version": 1, "teacher": "t", "scale": 1}, format="json").json()["id"]
    run = GenerationRun.objects.get(pk=run_id)
    job = LeafJob.objects.create(run=run, path="a/b", kind="freeform_skill", leaf_sha256="s")
    for index, kept in enumerate([True, False, True]):
        Sample.objects.create(
            run=run, leaf_job=job, leaf_path="a/b", leaf_sha256="s", idempotency_key=f"{run.pk}:s:x:{index}",
            stage="x", index=index, pipeline="p", pipeline_version="1", teacher_name="t", teacher_model="m",
            question=f"q{index}", kept=kept, filter_reason="" if kept else "duplicate",
        )
    detail = client.get(f"{URL}{run_id}/").json()
    assert detail["status"] == "queued" and set(detail["progress"]) >= {"requests_done", "requests_total", "eta_seconds"}
    assert set(detail["counts"]) == {"kept", "filtered", "filtered_by_reason"} and set(detail["tokens"]) == {"in", "out"}
    samples = client.get(f"{URL}{run_id}/samples/?kept=true&leaf=a/b").json()
    assert samples["count"] == 2 and {s["question"] for s in samples["results"]} == {"q0", "q2"}
    assert client.get(f"{URL}{run_id}/samples/?kept=maybe").status_code == 400
    assert as_user(cast.author).get(f"{URL}{run_id}/").status_code == 404
    assert as_user(cast.author).post(f"{URL}{run_id}/cancel/").status_code == 404
    cancelled = client.post(f"{URL}{run_id}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.post(f"{URL}{run_id}/cancel/").status_code == 409
    assert client.get(f"{URL}999999/").status_code == 404


def test_the_schema_documents_the_endpoints(cast: People) -> None:
    response = as_user(cast.maintainer).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/generation-runs/{id}/samples/" in response.content
