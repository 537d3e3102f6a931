"""The generation pages: runs list and start form, a run's page and progress JSON, cancel, and submission previews."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contrib.synth.choices import FilterReason, RunScope, RunStatus
from contrib.synth.models import GenerationRun, LeafJob, Sample, Teacher
from contrib.synth.services import generation_run_create, teacher_configure
from taxonomy.models import TaxonomyVersion
from tests.submissions.factories import People, latest, people_make, submit, tree_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db: None) -> People:
    tree_make()
    return people_make()


@pytest.fixture
def teacher(db: None) -> Teacher:
    return teacher_configure(name="local-vllm", base_url="http://127.0.0.1:9/v1", model="granite-7b")


def as_user(user: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def csrf_post(client: Client, url: str, data: dict[str, Any] | None = None, *, page: str = "/runs/") -> Any:
    """POST like a browser: read the CSRF cookie from a page first and send its token."""
    client.get(page)
    token = client.cookies["csrftoken"].value
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token})


def version_run(maintainer: Any, teacher: Teacher, **extra: Any) -> GenerationRun:
    return generation_run_create(
        teacher=teacher, scale=2, taxonomy_version=TaxonomyVersion.objects.get(number=1), created_by=maintainer, **extra
    )


def samples_add(run: GenerationRun, n: int, *, answer: str = "An answer.", path: str = "a/b") -> None:
    job, _ = LeafJob.objects.get_or_create(run=run, path=path, defaults={"kind": "freeform_skill", "leaf_sha256": "f" * 64})
    start = Sample.objects.filter(run=run).count()
    for index in range(start, start + n):
        kept = index % 2 == 0
        Sample.objects.create(
            run=run, leaf_job=job, leaf_path=path, leaf_sha256="f" * 64, idempotency_key=f"{run.pk}:{path}:x:{index}",
            stage="judge_answer", index=index, pipeline="freeform_skill", pipeline_version="1.0",
            teacher_name="local-vllm", teacher_model="granite-7b", question=f"Question {index}?", answer=answer,
            context="", judge_scores={"question": 3, "answer": 2 if kept else 0}, judge_rationale=f"Rationale {index}.",
            kept=kept, filter_reason="" if kept else FilterReason.ANSWER_REJECTED,
        )


def test_the_runs_list_shows_runs_newest_first_with_their_figures(cast: People, teacher: Teacher) -> None:
    first = version_run(cast.maintainer, teacher)
    preview = generation_run_create(teacher=teacher, scale=1, submission_revision=latest(submit(cast.author)), created_by=cast.author)
    GenerationRun.objects.filter(pk=first.pk).update(
        requests_done=5, requests_total=10, samples_kept=7, samples_filtered=3, tokens_in=1234, tokens_out=567
    )
    page = as_user(cast.maintainer).get("/runs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(f'data-run="{preview.pk}"') < html.index(f'data-run="{first.pk}"')
    assert preview.submission_revision is not None
    assert "taxonomy version 1" in html and f"submission #{preview.submission_revision.submission_id} revision r1" in html
    assert "local-vllm" in html and "7 / 3" in html and "1234 / 567" in html and 'aria-valuenow="50"' in html
    assert "Start a run" in html
    # A contributor sees their own previews and no start form; anonymous users are sent to log in.
    mine = as_user(cast.author).get("/runs/").content.decode()
    assert f'data-run="{preview.pk}"' in mine and f'data-run="{first.pk}"' not in mine and "Start a run" not in mine
    assert as_user(None).get("/runs/").status_code == 302


def test_the_runs_list_costs_the_same_queries_for_more_runs(cast: People, teacher: Teacher) -> None:
    client = as_user(cast.maintainer)
    version_run(cast.maintainer, teacher)
    generation_run_create(teacher=teacher, scale=1, submission_revision=latest(submit(cast.author)), created_by=cast.author)
    client.get("/runs/")
    with CaptureQueriesContext(connection) as few:
        client.get("/runs/")
    for _ in range(4):
        version_run(cast.maintainer, teacher)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/runs/").status_code == 200
    assert len(many) == len(few)


def test_maintainers_start_runs_with_the_form(cast: People, teacher: Teacher) -> None:
    body = {"taxonomy_version": "1", "teacher": str(teacher.pk), "scale": "3", "seed": "7", "incremental_from": ""}
    assert csrf_post(as_user(cast.author), "/runs/", body).status_code == 403
    assert csrf_post(as_user(cast.reviewer), "/runs/", body).status_code == 403
    assert as_user(cast.maintainer).post("/runs/", body).status_code == 403  # no CSRF token
    response = csrf_post(as_user(cast.maintainer), "/runs/", body)
    run = GenerationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/runs/{run.pk}/"
    assert (run.scope, run.taxonomy_version_id, run.scale, run.seed, run.created_by_id) == (
        RunScope.TAXONOMY, 1, 3, 7, cast.maintainer.pk
    )
    # The service's reasons land on the form's fields.
    again = csrf_post(as_user(cast.maintainer), "/runs/", {**body, "scale": "2", "incremental_from": str(run.pk)})
    assert again.status_code == 400 and "use the same scale and seed" in again.content.decode()
    bad = csrf_post(as_user(cast.maintainer), "/runs/", {**body, "scale": "0"})
    assert bad.status_code == 400 and GenerationRun.objects.count() == 1


def test_the_start_form_says_how_to_configure_a_teacher(cast: People) -> None:
    html = as_user(cast.maintainer).get("/runs/").content.decode()
    assert "manage.py configure_teacher" in html and "Start the run" not in html


def test_the_run_page_and_its_progress_json(cast: People, teacher: Teacher) -> None:
    run = version_run(cast.maintainer, teacher)
    GenerationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, requests_done=3, requests_total=12, samples_kept=2, samples_filtered=1,
        filtered_by_reason={"answer_rejected": 1}, tokens_in=100, tokens_out=50,
    )
    samples_add(run, 3)
    client = as_user(cast.maintainer)
    page = client.get(f"/runs/{run.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Question 0?" in html and "Rationale 1." in html and "The answer judge failed it" in html
    assert "freeform_skill v1.0" in html and "a/b" in html and "granite-7b" in html and "Cancel run" in html
    assert "runs.js" in html and 'data-live="1"' in html and 'aria-valuenow="25"' in html
    progress = client.get(f"/runs/{run.pk}/progress.json")
    assert progress.status_code == 200 and progress["Content-Type"] == "application/json"
    data = progress.json()
    assert set(data) == {
        "status", "requests_done", "requests_total", "samples_kept", "samples_filtered", "filtered_by_reason",
        "tokens_in", "tokens_out", "eta_seconds",
    }
    assert (data["status"], data["requests_done"], data["requests_total"]) == ("running", 3, 12)
    assert data["filtered_by_reason"] == {"answer_rejected": 1}
    # Filters: kept or filtered, one leaf.
    kept = client.get(f"/runs/{run.pk}/?kept=kept").content.decode()
    assert "Question 0?" in kept and "Question 1?" not in kept
    assert "Question 1?" in client.get(f"/runs/{run.pk}/samples/?kept=filtered").content.decode()
    assert "No samples match" in client.get(f"/runs/{run.pk}/?leaf=c/d").content.decode()


def test_unknown_or_hidden_runs_are_404(cast: People, teacher: Teacher) -> None:
    run = version_run(cast.maintainer, teacher)
    for url in (f"/runs/{run.pk}/", f"/runs/{run.pk}/progress.json", f"/runs/{run.pk}/samples/"):
        assert as_user(cast.author).get(url).status_code == 404
    assert as_user(cast.maintainer).get("/runs/999999/").status_code == 404
    assert as_user(cast.maintainer).get("/runs/999999/progress.json").status_code == 404


def test_the_run_page_costs_the_same_queries_for_more_samples(cast: People, teacher: Teacher) -> None:
    run = version_run(cast.maintainer, teacher)
    client = as_user(cast.maintainer)
    samples_add(run, 2)
    client.get(f"/runs/{run.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/runs/{run.pk}/")
    samples_add(run, 20)
    samples_add(run, 5, path="c/d")
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/runs/{run.pk}/").status_code == 200
    assert len(many) == len(few)


def test_cancel_is_for_maintainers_and_the_creator(cast: People, teacher: Teacher) -> None:
    revision = latest(submit(cast.author))
    preview = generation_run_create(teacher=teacher, scale=1, submission_revision=revision, created_by=cast.author)
    # The reviewer of the area sees the preview but did not start it.
    assert csrf_post(as_user(cast.reviewer), f"/runs/{preview.pk}/cancel/").status_code == 403
    assert csrf_post(as_user(cast.other), f"/runs/{preview.pk}/cancel/").status_code == 404
    assert as_user(cast.author).post(f"/runs/{preview.pk}/cancel/").status_code == 403  # no CSRF token
    done = csrf_post(as_user(cast.author), f"/runs/{preview.pk}/cancel/")
    assert done.status_code == 302 and done["Location"] == f"/runs/{preview.pk}/"
    preview.refresh_from_db()
    assert preview.status == RunStatus.CANCELLED
    # A finished run cannot be cancelled again: a message, not an error page.
    again = as_user(cast.author)
    response = csrf_post(again, f"/runs/{preview.pk}/cancel/")
    assert response.status_code == 302
    assert "only queued or running runs can be cancelled" in again.get(response["Location"]).content.decode()
    run = version_run(cast.maintainer, teacher)
    response = csrf_post(as_user(cast.maintainer), f"/runs/{run.pk}/cancel/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/runs/{run.pk}/"
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED


def test_previews_start_from_the_submission_page(cast: People, teacher: Teacher) -> None:
    submission = submit(cast.author)
    url = f"/submissions/{submission.pk}/preview/"
    page = f"/submissions/{submission.pk}/"
    assert "Preview generated data" in as_user(cast.author).get(page).content.decode()
    assert "Preview generated data" not in as_user(cast.outsider).get(page).content.decode()
    assert csrf_post(as_user(cast.outsider), url).status_code == 403
    assert csrf_post(as_user(cast.other), url).status_code in (403, 404)
    assert as_user(cast.author).post(url).status_code == 403  # no CSRF token
    for user in (cast.author, cast.reviewer):
        response = csrf_post(as_user(user), url)
        assert response.status_code == 302 and response["Location"] == f"{page}#preview-title"
    runs = GenerationRun.objects.filter(scope=RunScope.PREVIEW).order_by("pk")
    assert [(r.submission_revision_id, r.teacher_id, r.scale) for r in runs] == [(latest(submission).pk, teacher.pk, 2)] * 2
    assert [r.created_by_id for r in runs] == [cast.author.pk, cast.reviewer.pk]


def test_without_a_teacher_the_preview_says_to_configure_one(cast: People) -> None:
    submission = submit(cast.author)
    client = as_user(cast.author)
    html = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert "Generation preview" in html and "manage.py configure_teacher" in html
    response = csrf_post(client, f"/submissions/{submission.pk}/preview/")
    assert response.status_code == 302 and not GenerationRun.objects.exists()
    assert "configure_teacher" in client.get(response["Location"]).content.decode()


def test_the_preview_shows_samples_beside_the_seed_examples(cast: People, teacher: Teacher) -> None:
    submission = submit(cast.author)
    run = generation_run_create(teacher=teacher, scale=2, submission_revision=latest(submission), created_by=cast.author)
    samples_add(run, 2, path=submission.path)
    html = as_user(cast.author).get(f"/submissions/{submission.pk}/").content.decode()
    seeds, generated = html.split('preview-column--seeds', 1)[1].split('preview-column--generated', 1)
    assert "Write one of the fables about a patient ant." in seeds
    assert "Question 0?" in generated and "Rationale 1." in generated and "The answer judge failed it" in generated
    assert f"/runs/{run.pk}/progress.json" in html and "runs.js" in html
    fragment = as_user(cast.author).get(f"/runs/{run.pk}/samples/?layout=preview")
    assert fragment.status_code == 200 and "Question 1?" in fragment.content.decode()


def test_model_written_text_is_escaped(cast: People, teacher: Teacher) -> None:
    submission = submit(cast.author)
    run = generation_run_create(teacher=teacher, scale=2, submission_revision=latest(submission), created_by=cast.author)
    samples_add(run, 1, answer="<script>alert('x')</script>", path=submission.path)
    client = as_user(cast.author)
    for url in (f"/runs/{run.pk}/", f"/submissions/{submission.pk}/", f"/runs/{run.pk}/samples/?layout=preview"):
        html = client.get(url).content.decode()
        assert "<script>alert(" not in html and "&lt;script&gt;alert(" in html, url
