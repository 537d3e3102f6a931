"""The submission pages through Django's test client: the form, live validation, upload, review, merge, dashboards."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contrib.submissions.choices import Status, Verdict
from contrib.submissions.models import Comment, Notification, Submission
from contrib.submissions.services import comment_add, review_submit, submission_merge
from tests.submissions.factories import (
    DOCUMENT,
    FRESH,
    LIMERICKS,
    PASSWORD,
    SIGNOFF,
    SKILLS_AREA,
    approve,
    checks_settle,
    knowledge_qna,
    ready,
    skill_qna,
    submit,
    tree_make,
    user_make,
)

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def login(user: Any, client: Client | None = None) -> Client:
    client = client or Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def skill_form(n: int = 5, **overrides: str) -> dict[str, str]:
    """POST data of the compose form for a freeform skill with ``n`` seed examples."""
    data = {
        "kind": "freeform_skill", "path": FRESH, "action": "add", "title": "Add fables", "description": "Five fables.",
        "task_description": "Write a short fable about the subject given.", "created_by": "ada",
        "title_of_work": "Seedbed tests", "link_to_work": "https://example.org/tests", "revision": "main",
        "license_of_the_work": "CC-BY-4.0", "creator_names": "Ada", "signoff": SIGNOFF, "signoff_confirmed": "on",
        "intent": "open", "ex-TOTAL_FORMS": str(max(n, 5)), "ex-INITIAL_FORMS": "0",
        "ex-MIN_NUM_FORMS": "0", "ex-MAX_NUM_FORMS": "50",
    }
    animals = ["ant", "hare", "crow", "grasshopper", "dog", "fox", "owl"]
    for i in range(n):
        data[f"ex-{i}-question_1"] = f"Write a fable about a {animals[i]}: yes, no, or *maybe*?"
        data[f"ex-{i}-answer_1"] = f"Once a {animals[i]} said: yes.\nThe moral: * globs and colons: are fine."
    data.update(overrides)
    return data


def knowledge_form(**overrides: str) -> dict[str, str]:
    data = skill_form(0, kind="knowledge", path="knowledge/history/harbours", task_description="",
                      domain="History", document_outline="Harbours through the ages.", document_patterns="harbours.md",
                      document_repo="https://example.org/notes.git", document_commit="0" * 40)
    for i in range(5):
        data[f"ex-{i}-context"] = f"Harbour fact number {i}: ships shelter in harbours."
        for n in range(1, 4):
            data[f"ex-{i}-question_{n}"] = f"Question {n} about fact {i}?"
            data[f"ex-{i}-answer_{n}"] = f"Answer {n} about fact {i}."
    data.update(overrides)
    return data


@pytest.fixture
def tree() -> Any:
    return tree_make()


@pytest.fixture
def author(tree: Any) -> Any:
    return user_make("author")


@pytest.fixture
def reviewer(tree: Any) -> Any:
    return user_make("reviewer", role="reviewer", area=SKILLS_AREA)


# --- The form ----------------------------------------------------------------------------------------------


def test_submit_needs_login_and_shows_five_rows_with_signoff(author: Any) -> None:
    assert Client().get("/submit/").status_code == 302
    author.profile.dco_name = "Ada Lovelace"
    author.profile.save()
    html = login(author).get("/submit/").content.decode()
    assert html.count('class="example-row"') == 6  # five rows and the row template
    assert 'value="Signed-off-by: Ada Lovelace &lt;author@example.org&gt;"' in html
    assert 'id="stepper"' in html and "Save draft" in html and "Open submission" in html
    for licence in ("CC0-1.0", "CDLA-Permissive-2.0", "CC-BY-4.0", "CC-BY-SA-4.0", "Apache-2.0", "MIT"):
        assert f'<option value="{licence}"' in html


def test_open_a_skill_from_the_form(author: Any) -> None:
    client = login(author)
    response = client.post("/submit/", skill_form())
    assert response.status_code == 302, re.findall(r'<p class="error">(.*?)</p>', response.content.decode())
    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/submissions/{submission.pk}/"
    assert submission.status == Status.OPEN and submission.path == FRESH
    revision = submission.latest_revision
    assert revision.kind == "freeform_skill" and revision.validation["errors"] == []
    assert "License of the work: CC-BY-4.0" in revision.attribution_txt
    assert revision.data["seed_examples"][0]["question"].endswith("yes, no, or *maybe*?")


def test_save_a_draft_without_signoff_and_it_stays_private(author: Any) -> None:
    client = login(author)
    data = skill_form(3, intent="draft", signoff="", signoff_confirmed="")
    response = client.post("/submit/", data)
    submission = Submission.objects.get()
    assert response.status_code == 302 and submission.status == Status.DRAFT
    assert client.get(f"/submissions/{submission.pk}/").status_code == 200
    assert login(user_make("other")).get(f"/submissions/{submission.pk}/").status_code == 404


def test_open_without_signoff_or_with_too_few_examples_shows_errors_at_fields(author: Any) -> None:
    client = login(author)
    html = client.post("/submit/", skill_form(signoff_confirmed="")).content.decode()
    assert Submission.objects.count() == 0
    assert re.search(r'id="msg-signoff_confirmed" role="alert"><p class="error">Tick the sign-off', html)
    html = client.post("/submit/", skill_form(4, signoff="not a signoff")).content.decode()
    assert Submission.objects.count() == 0
    assert re.search(r'id="msg-signoff" role="alert"><p class="error">.*is not a sign-off', html)
    assert re.search(r'id="msg-examples" role="alert">.*at least 5', html)


def test_live_validation_maps_yaml_paths_to_row_fields(author: Any) -> None:
    client = login(author)
    body = client.post("/submit/validate/", skill_form(4)).json()
    assert body["valid"] is False
    assert any(e["field"] == "examples" and e["yaml_path"] == ".seed_examples" for e in body["errors"])
    data = skill_form(5, **{"ex-2-answer_1": ""})
    body = client.post("/submit/validate/", data).json()
    assert [e["field"] for e in body["errors"]] == ["ex-2-answer_1"]
    assert body["errors"][0]["yaml_path"] == ".seed_examples[2].answer" and body["errors"][0]["line"]
    # A deleted row is skipped: the rows after it keep their own field names.
    data = skill_form(6, **{"ex-1-DELETE": "on", "ex-4-answer_1": ""})
    body = client.post("/submit/validate/", data).json()
    assert [e["field"] for e in body["errors"]] == ["ex-4-answer_1"]
    body = client.post("/submit/validate/", skill_form()).json()
    assert body["valid"] is True and body["errors"] == []
    assert body["qna_yaml"].startswith("version: 3\n") and "Title of work: Seedbed tests" in body["attribution_txt"]
    assert body["word_counts"]["ex-0-qa_1"] > 10 and body["word_counts"]["total"] > 50


def test_live_validation_reports_word_limits_and_licence(author: Any) -> None:
    client = login(author)
    long_answer = " ".join(["word"] * 260)
    body = client.post("/submit/validate/", skill_form(**{"ex-0-answer_1": long_answer})).json()
    assert [(w["field"], w["rule"]) for w in body["warnings"]] == [("ex-0", "seedbed/qa-words")]
    assert body["word_counts"]["ex-0-qa_1"] > 250
    body = client.post("/submit/validate/", skill_form(license_of_the_work="WTFPL")).json()
    assert any(e["field"] == "license_of_the_work" for e in body["errors"])


def test_path_picker_lists_directories_and_leaves(author: Any) -> None:
    client = login(author)
    results = client.get("/submit/paths/", {"q": "writing"}).json()["results"]
    paths = {(r["path"], r["type"]) for r in results}
    assert ("compositional_skills/writing", "directory") in paths and (LIMERICKS, "leaf") in paths
    assert all(not r["path"].startswith("foundational_skills") for r in client.get("/submit/paths/").json()["results"])


def test_upload_prefills_the_form_and_broken_yaml_is_located(author: Any) -> None:
    client = login(author)
    upload = SimpleUploadedFile("qna.yaml", skill_qna("fables").encode(), content_type="application/x-yaml")
    html = client.post("/submit/upload/", {"qna_file": upload}).content.decode()
    assert "Write one of the fables about a loyal dog." in html
    assert re.search(r'value="freeform_skill" id="id_kind_0" required checked', html)
    broken = SimpleUploadedFile("qna.yaml", b"version: 3\nseed_examples: [oops\n", content_type="application/x-yaml")
    response = client.post("/submit/upload/", {"qna_file": broken})
    assert response.status_code == 200
    html = response.content.decode()
    assert "cannot be parsed" in html and "line 3" in html


def test_knowledge_with_a_document(author: Any) -> None:
    client = login(author)
    data: dict[str, Any] = knowledge_form()
    data["documents"] = SimpleUploadedFile("harbours.md", b"# Harbours\n\nShips shelter here.\n", content_type="text/markdown")
    response = client.post("/submit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    submission = Submission.objects.get()
    assert submission.latest_revision.kind == "knowledge"
    assert [d.name for d in submission.documents.all()] == ["harbours.md"]
    html = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert "harbours.md" in html


def test_binary_document_is_refused_at_the_documents_field(author: Any) -> None:
    client = login(author)
    data: dict[str, Any] = knowledge_form()
    data["documents"] = SimpleUploadedFile("harbours.md", b"\x00\x01binary", content_type="text/markdown")
    html = client.post("/submit/", data).content.decode()
    assert Submission.objects.count() == 0 and "binary file" in html


def test_revise_prefills_from_the_latest_revision(author: Any, reviewer: Any) -> None:
    submission = submit(author)
    client = login(author)
    html = client.get(f"/submissions/{submission.pk}/revise/").content.decode()
    assert "Write one of the fables about a loyal dog." in html and "Seedbed test examples" in html
    assert login(reviewer).get(f"/submissions/{submission.pk}/revise/").status_code == 403
    response = client.post(f"/submissions/{submission.pk}/revise/", skill_form(path="", title=""))
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.latest_revision.number == 2


# --- The submission page -----------------------------------------------------------------------------------


def test_detail_shows_checks_diff_and_comments_and_escapes_user_text(author: Any, reviewer: Any) -> None:
    submission = submit(author, title=f"Fables {XSS}", description=XSS, action="update", path=LIMERICKS,
                        qna_yaml=skill_qna("limericks").replace("number 1.", f"number 1 {XSS}."))
    comment_add(submission=submission, author=reviewer, body=f"Line note {XSS}", line=7)
    comment_add(submission=submission, author=reviewer, body="General note")
    html = login(reviewer).get(f"/submissions/{submission.pk}/").content.decode()
    assert "<script>" not in html and "&lt;script&gt;" in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert 'data-check="schema"' in html and 'data-status="pass"' in html and 'data-check="pii"' in html
    assert re.search(r'<tr class="dl dl--add" id="L\d+"', html) and "<code>.seed_examples[0].answer</code>" in html
    # The line comment sits right under line 7; the general one is in the comments section.
    after_line = html.split('id="L7"', 1)[1]
    assert after_line.index("Line note") < after_line.index('id="L8"')
    assert "General note" in html.split('id="comments-title"', 1)[1]
    assert 'name="verdict" value="request_changes"' in html and f'action="/submissions/{submission.pk}/merge/"' in html


def test_unknown_submission_is_404_and_anonymous_is_sent_to_login(author: Any) -> None:
    assert login(author).get("/submissions/999999/").status_code == 404
    submission = submit(author)
    assert Client().get(f"/submissions/{submission.pk}/")["Location"].startswith("/accounts/login/")


def test_request_changes_with_a_line_comment_then_approve_and_merge(author: Any, reviewer: Any) -> None:
    submission = submit(author)
    checks_settle(submission)
    client = login(reviewer)
    response = client.post(f"/submissions/{submission.pk}/comments/",
                           {"body": "Make this one rhyme.", "line": "6", "yaml_path": ".seed_examples[0].answer",
                            "verdict": "request_changes"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Status.CHANGES_REQUESTED
    assert Comment.objects.get().yaml_path == ".seed_examples[0].answer"
    author_client = login(author)
    assert author_client.post(f"/submissions/{submission.pk}/revise/", skill_form(path="", title="")).status_code == 302
    checks_settle(submission)
    assert client.post(f"/submissions/{submission.pk}/review/", {"verdict": "approve", "body": "Good"}).status_code == 302
    response = client.post(f"/submissions/{submission.pk}/merge/")
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Status.MERGED and submission.merged_version_id == 2
    assert client.get(f"/leaf/{FRESH}/?version=2").status_code == 200
    html = author_client.get(f"/submissions/{submission.pk}/").content.decode()
    assert "merged" in html and "Timeline" in html


def test_reject_needs_a_reason_and_self_review_is_forbidden(author: Any, reviewer: Any) -> None:
    submission = submit(author)
    client = login(reviewer)
    html = client.post(f"/submissions/{submission.pk}/review/", {"verdict": "reject"}).content.decode()
    assert "Choose why the submission is rejected." in html
    assert client.post(f"/submissions/{submission.pk}/review/", {"verdict": "reject", "reason": "repetitive"}).status_code == 302
    submission.refresh_from_db()
    assert submission.status == Status.REJECTED
    own = submit(reviewer, path="compositional_skills/writing/myths", title="Myths")
    response = login(reviewer).post(f"/submissions/{own.pk}/review/", {"verdict": "approve"})
    assert response.status_code in (400, 403)


def test_merge_conflict_shows_what_changed(author: Any, reviewer: Any) -> None:
    first = ready(author, reviewer, action="update", path=LIMERICKS, qna_yaml=skill_qna("limericks").replace("number 1", "no. 1"))
    second = ready(author, reviewer, action="update", path=LIMERICKS, title="Other limericks",
                   qna_yaml=skill_qna("limericks").replace("number 2", "no. 2"))
    submission_merge(submission=first, actor=reviewer)
    response = login(reviewer).post(f"/submissions/{second.pk}/merge/")
    assert response.status_code == 409
    html = response.content.decode()
    assert "Merge refused" in html and "New revision" in html and 'class="dl dl--add"' in html


def test_merge_not_ready_is_explained(author: Any, reviewer: Any) -> None:
    submission = submit(author)
    response = login(reviewer).post(f"/submissions/{submission.pk}/merge/")
    assert response.status_code == 400 and "approv" in response.content.decode()
    assert login(author).post(f"/submissions/{submission.pk}/merge/").status_code == 403


def test_withdraw_and_open_a_draft(author: Any) -> None:
    client = login(author)
    draft = submit(author, draft=True)
    assert client.post(f"/submissions/{draft.pk}/open/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.OPEN
    assert client.post(f"/submissions/{draft.pk}/withdraw/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.WITHDRAWN


# --- Dashboards --------------------------------------------------------------------------------------------


def test_queue_is_for_reviewers_with_filters_and_stats(author: Any, reviewer: Any) -> None:
    submit(author)
    submit(author, path="compositional_skills/writing/myths", title="Myths")
    assert login(author).get("/review/").status_code == 403
    client = login(reviewer)
    html = client.get("/review/").content.decode()
    assert html.index("Add fables") < html.index("Myths") and "Waiting in your queue" in html
    assert "Myths" not in client.get("/review/", {"area": "compositional_skills/writing/fables"}).content.decode()
    assert "Add fables" not in client.get("/review/", {"kind": "knowledge"}).content.decode()
    assert "Add fables" not in client.get("/review/", {"age": "3"}).content.decode()
    assert client.get("/review/", {"age": "abc"}).status_code == 400


def test_my_submissions_labels_and_stats(author: Any, reviewer: Any) -> None:
    submit(author)
    changes = submit(author, path="compositional_skills/writing/myths", title="Myths")
    review_submit(submission=changes, reviewer=reviewer, verdict=Verdict.REQUEST_CHANGES, body="More.")
    merged = ready(author, reviewer, path="compositional_skills/writing/sagas", title="Sagas")
    submission_merge(submission=merged, actor=reviewer)
    html = login(author).get("/submissions/mine/").content.decode()
    for label in ("needs triage", "changes requested", "merged"):
        assert label in html
    assert re.search(r"<dt>Merged leaves</dt><dd>1</dd>", html) and re.search(r"<dt>Seed examples merged</dt><dd>5</dd>", html)


def test_notifications_and_mark_read(author: Any, reviewer: Any) -> None:
    submission = submit(author)
    review_submit(submission=submission, reviewer=reviewer, verdict=Verdict.COMMENT, body="Hello")
    client = login(author)
    assert Notification.objects.filter(user=author, read_at__isnull=True).exists()
    html = client.get("/notifications/").content.decode()
    assert "Add fables" in html and 'class="nav-count"' in html
    assert client.post("/notifications/").status_code == 302
    assert not Notification.objects.filter(user=author, read_at__isnull=True).exists()


# --- CSRF and query counts ---------------------------------------------------------------------------------


def test_csrf_is_enforced_on_every_form(author: Any, reviewer: Any) -> None:
    submission = submit(author)
    posts = [
        "/submit/", "/submit/validate/", "/submit/upload/", f"/submissions/{submission.pk}/revise/",
        f"/submissions/{submission.pk}/review/", f"/submissions/{submission.pk}/comments/",
        f"/submissions/{submission.pk}/merge/", f"/submissions/{submission.pk}/withdraw/",
        f"/submissions/{submission.pk}/open/", "/notifications/", "/accounts/logout/", "/accounts/profile/",
    ]
    client = login(author, Client(enforce_csrf_checks=True))
    for url in posts:
        assert client.post(url, {"body": "x"}).status_code == 403, url
    anonymous = Client(enforce_csrf_checks=True)
    for url in ("/accounts/login/", "/accounts/signup/"):
        assert anonymous.post(url, {"username": "x"}).status_code == 403, url


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_submission_page_queries_are_constant_in_comments(author: Any, reviewer: Any) -> None:
    submission = submit(author)
    client = login(reviewer)

    def with_comments(n: int) -> int:
        while Comment.objects.filter(submission=submission).count() < n:
            k = Comment.objects.count()
            comment_add(submission=submission, author=reviewer if k % 2 else author, body=f"note {k}", line=(k % 8) + 1)
        return _queries(client, f"/submissions/{submission.pk}/")

    assert with_comments(3) == with_comments(12)


def test_queue_queries_are_constant_in_submissions(author: Any, reviewer: Any) -> None:
    client = login(reviewer)

    def with_submissions(n: int) -> int:
        while Submission.objects.count() < n:
            k = Submission.objects.count()
            submit(author, path=f"compositional_skills/writing/tales_{k}", title=f"Tales {k}",
                   qna_yaml=skill_qna(f"tales{k}"))
        return _queries(client, "/review/")

    assert with_submissions(3) == with_submissions(12)
    assert _queries(client, "/submissions/mine/") > 0


def test_knowledge_document_constant_exists() -> None:
    assert DOCUMENT and knowledge_qna() and approve


def test_without_script_the_form_adds_rows_and_previews(author: Any) -> None:
    client = login(author)
    html = client.post("/submit/", skill_form(intent="add_row")).content.decode()
    assert 'name="ex-TOTAL_FORMS" value="6"' in html and "Write a fable about a crow" in html
    html = client.post("/submit/", skill_form(4, intent="preview")).content.decode()
    assert Submission.objects.count() == 0
    assert '<pre class="preview" id="preview-qna">version: 3' in html and "at least 5" in html
    html = client.post("/submit/", skill_form(**{"ex-1-answer_1": "", "intent": "preview"})).content.decode()
    assert re.search(r'id="msg-ex-1-answer_1" role="alert"><p class="error">.*non-empty', html)
