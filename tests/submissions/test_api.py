"""Tests of the submissions API: the contributor's and reviewer's flow, bad input, visibility and query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contrib.submissions.choices import Action, Status, Verdict
from contrib.submissions.models import Document, Submission
from contrib.submissions.services import comment_add, review_submit
from tests.submissions.factories import (
    ATTRIBUTION,
    ATTRIBUTION_TXT,
    DOCUMENT,
    FRESH,
    LIGHTHOUSES,
    LIMERICKS,
    SIGNOFF,
    People,
    api,
    checks_settle,
    knowledge_qna,
    payload,
    ready,
    skill_qna,
    submit,
    user_make,
)

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert('xss')</script>"


def test_contributor_and_reviewer_flow(tree: int, cast: People) -> None:
    author, reviewer = api(cast.author), api(cast.reviewer)

    created = author.post("/api/v1/submissions/", payload(), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "open" and body["url"].endswith(f"/submissions/{body['id']}/")
    assert {c["name"]: c["status"] for c in body["checks"]} == {
        "schema": "pass", "near_duplicates": "pending", "pii": "pending"
    }
    pk = body["id"]

    review = reviewer.post(f"/api/v1/submissions/{pk}/reviews/", {
        "verdict": "request_changes", "body": "Tighten the second answer.",
        "comments": [{"yaml_path": ".seed_examples[1].answer", "body": "Too long."}, {"line": 1, "body": "Fine."}],
    }, format="json")
    assert review.status_code == 201 and review.json()["status"] == "changes_requested"

    revised = author.post(f"/api/v1/submissions/{pk}/revisions/", {
        "qna_yaml": skill_qna("fables", created_by="ada"), "attribution_txt": ATTRIBUTION_TXT, "signoff": SIGNOFF,
    }, format="json")
    assert revised.status_code == 201 and revised.json()["number"] == 2 and revised.json()["status"] == "open"

    checks_settle(Submission.objects.get(pk=pk))
    approved = reviewer.post(f"/api/v1/submissions/{pk}/reviews/", {"verdict": "approve"}, format="json")
    assert approved.json()["status"] == "approved" and approved.json()["approvals"] == 1

    merged = reviewer.post(f"/api/v1/submissions/{pk}/merge/", format="json")
    assert merged.status_code == 200 and merged.json() == {"taxonomy_version": tree + 1, "status": "merged"}
    leaf = api(cast.other).get(f"/api/v1/taxonomy/leaves/{FRESH}/")
    assert leaf.status_code == 200 and "created_by: ada" in leaf.json()["qna_yaml"]

    detail = author.get(f"/api/v1/submissions/{pk}/").json()
    assert detail["status"] == "merged" and detail["label"] == "merged" and detail["merged_version"] == tree + 1
    assert [r["number"] for r in detail["revisions"]] == [1, 2]
    assert [c["yaml_path"] for c in detail["comments"]] == [".seed_examples[1].answer", ""]
    assert detail["comments"][0]["revision"] == 1 and detail["comments"][0]["line"] is not None
    assert [e["kind"] for e in detail["events"]][:3] == ["opened", "reviewed", "revised"]
    assert detail["events"][-1]["kind"] == "merged"
    assert {line["kind"] for line in detail["diff"]} >= {"@", "+"}
    assert any(line["yaml_path"].startswith(".seed_examples") for line in detail["diff"])


def test_detail_shows_the_diff_against_the_base_leaf_with_yaml_paths(tree: int, cast: People) -> None:
    changed = skill_qna("limericks").replace("limericks about a tortoise.", "limericks about a walrus.")
    submission = submit(cast.author, action=Action.UPDATE, path=LIMERICKS, qna_yaml=changed)
    diff = api(cast.reviewer).get(f"/api/v1/submissions/{submission.pk}/").json()["diff"]
    removed = [d for d in diff if d["kind"] == "-"]
    added = [d for d in diff if d["kind"] == "+"]
    assert len(removed) == len(added) == 1
    assert "tortoise" in removed[0]["text"] and "walrus" in added[0]["text"]
    assert added[0]["yaml_path"] == removed[0]["yaml_path"] == ".seed_examples[2].question"
    assert added[0]["new_no"] == removed[0]["old_no"]


def test_knowledge_document_upload(tree: int, cast: People) -> None:
    submission = submit(cast.author, action=Action.UPDATE, path=LIGHTHOUSES, qna_yaml=knowledge_qna(["*.md"]))
    url = f"/api/v1/submissions/{submission.pk}/documents/"
    upload = SimpleUploadedFile("pharos.md", DOCUMENT, content_type="text/markdown")
    response = api(cast.author).post(url, {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "pharos.md" and response.json()["size"] == len(DOCUMENT)
    detail = api(cast.author).get(f"/api/v1/submissions/{submission.pk}/").json()
    assert [d["name"] for d in detail["documents"]] == ["pharos.md"]
    assert {c["name"]: c["status"] for c in detail["checks"]}["documents"] == "pass"


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("big.md", b"#" * 2049, "at most 2048 bytes"),
        ("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("notes.exe", b"MZ", "Markdown or plain text"),
    ],
)
def test_bad_documents_answer_400(tree: int, cast: People, settings, name: str, data: bytes, needle: str) -> None:  # type: ignore[no-untyped-def]
    settings.SEEDBED_DOCUMENT_MAX_BYTES = 2048
    submission = submit(cast.author, action=Action.UPDATE, path=LIGHTHOUSES, qna_yaml=knowledge_qna())
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    response = api(cast.author).post(f"/api/v1/submissions/{submission.pk}/documents/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert needle in response.json()["file"][0]
    assert not Document.objects.filter(submission=submission).exists()


def test_document_names_cannot_climb_out(tree: int, cast: People) -> None:
    submission = submit(cast.author, action=Action.UPDATE, path=LIGHTHOUSES, qna_yaml=knowledge_qna(["*.md"]))
    upload = SimpleUploadedFile("../../etc/evil.md", DOCUMENT, content_type="text/markdown")
    response = api(cast.author).post(f"/api/v1/submissions/{submission.pk}/documents/", {"file": upload}, format="multipart")
    # Django keeps only the base name of an upload; whatever arrives is a plain name or refused.
    assert response.status_code in (201, 400)
    assert all("/" not in n and ".." not in n for n in Document.objects.values_list("name", flat=True))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"qna_yaml": "version: 3\nseed_examples:\n  - question: [unclosed\n"}, "qna_yaml"),
        ({"signoff": ""}, "signoff"),
        ({"signoff": "Signed-off-by: nobody"}, "signoff"),
        ({"attribution": {**ATTRIBUTION, "license_of_the_work": "All rights reserved"}}, "attribution.license_of_the_work"),
        ({"path": "../../../etc"}, "path"),
        ({"path": "knowledge/../../etc/passwd"}, "path"),
        ({"path": "C:/windows/system32"}, "path"),
        ({"path": "foundational_skills/arithmetic/subtraction"}, "path"),
        ({"action": "add", "path": LIMERICKS}, "action"),
        ({"action": "update", "path": "compositional_skills/writing/nothing_here"}, "action"),
        ({"action": "destroy"}, "action"),
        ({"title": "x" * 500}, "title"),
        ({"qna_yaml": ["not", "text"]}, "qna_yaml"),
        ({"attribution": "CC0"}, "attribution"),
        ({"attribution": ATTRIBUTION, "attribution_txt": ATTRIBUTION_TXT}, "attribution"),
    ],
)
def test_bad_input_answers_400_with_field_errors(tree: int, cast: People, overrides: dict[str, Any], field: str) -> None:
    response = api(cast.author).post("/api/v1/submissions/", payload(**overrides), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not Submission.objects.exists()


def test_broken_yaml_is_located(tree: int, cast: People) -> None:
    broken = "version: 3\ncreated_by: me\nseed_examples:\n  - question: [unclosed\n    answer: x\n"
    response = api(cast.author).post("/api/v1/submissions/", payload(qna_yaml=broken), format="json")
    message = response.json()["qna_yaml"][0]
    assert message["rule"] == "yaml-syntax" and message["line"] >= 4 and message["col"] >= 1
    assert message["message"] and message["fix"]


def test_html_in_free_text_is_returned_verbatim_as_json(tree: int, cast: People) -> None:
    response = api(cast.author).post(
        "/api/v1/submissions/", payload(title=SCRIPT, description=f"<img src=x onerror=alert(1)> {SCRIPT}"), format="json"
    )
    pk = response.json()["id"]
    api(cast.other).post(f"/api/v1/submissions/{pk}/comments/", {"body": SCRIPT}, format="json")
    api(cast.reviewer).post(f"/api/v1/submissions/{pk}/reviews/", {"verdict": "comment", "body": SCRIPT}, format="json")

    detail = api(cast.other).get(f"/api/v1/submissions/{pk}/")
    assert detail["Content-Type"] == "application/json"
    body = detail.json()
    assert body["title"] == SCRIPT and body["description"].endswith(SCRIPT)
    assert body["comments"][0]["body"] == SCRIPT and body["reviews"][0]["body"] == SCRIPT
    listed = api(cast.other).get("/api/v1/submissions/").json()["results"]
    assert listed[0]["title"] == SCRIPT


def test_review_input_errors(tree: int, cast: People) -> None:
    submission = submit(cast.author)
    url = f"/api/v1/submissions/{submission.pk}/reviews/"
    reviewer = api(cast.reviewer)
    assert "reason" in reviewer.post(url, {"verdict": "reject"}, format="json").json()
    assert "verdict" in reviewer.post(url, {"verdict": "lgtm"}, format="json").json()
    bad_line = reviewer.post(url, {"verdict": "comment", "comments": [{"line": 500, "body": "x"}]}, format="json")
    assert bad_line.status_code == 400 and "comments[0].line" in bad_line.json()
    assert reviewer.post(url, {"verdict": "comment", "comments": "nope"}, format="json").status_code == 400


def test_merge_conflict_answers_409_with_what_changed(tree: int, cast: People) -> None:
    first = ready(cast.author, cast.reviewer, action=Action.UPDATE, path=LIMERICKS, qna_yaml=skill_qna("limericks", created_by="a"))
    second = ready(cast.other, cast.reviewer, action=Action.UPDATE, path=LIMERICKS, qna_yaml=skill_qna("limericks", created_by="b"))
    assert api(cast.reviewer).post(f"/api/v1/submissions/{first.pk}/merge/").status_code == 200

    response = api(cast.reviewer).post(f"/api/v1/submissions/{second.pk}/merge/")
    assert response.status_code == 409
    body = response.json()
    assert "changed since version" in body["merge"][0]
    assert body["changes"]["base_version"] == tree and body["changes"]["versions"][0]["number"] == tree + 1
    assert "+created_by: a" in body["changes"]["diff"]


def test_merge_not_ready_answers_400_saying_what_is_missing(tree: int, cast: People) -> None:
    submission = submit(cast.author)
    response = api(cast.reviewer).post(f"/api/v1/submissions/{submission.pk}/merge/")
    assert response.status_code == 400
    assert any("approval" in m for m in response.json()["merge"])


def test_closed_submissions_answer_409(tree: int, cast: People) -> None:
    submission = submit(cast.author)
    assert api(cast.author).post(f"/api/v1/submissions/{submission.pk}/withdraw/").json()["status"] == "withdrawn"
    response = api(cast.author).post(f"/api/v1/submissions/{submission.pk}/withdraw/")
    assert response.status_code == 409 and "withdrawn" in response.json()["status"][0]


def test_list_filters_and_hides_others_drafts(tree: int, cast: People) -> None:
    submit(cast.author)
    submit(cast.author, title="Draft", draft=True, path="compositional_skills/writing/odes")
    submit(cast.other, title="Knowledge", action=Action.UPDATE, path=LIGHTHOUSES, qna_yaml=knowledge_qna())

    def titles(client: Any, query: str = "") -> list[str]:
        return sorted(r["title"] for r in client.get(f"/api/v1/submissions/{query}").json()["results"])

    assert titles(api(cast.other)) == ["Add fables", "Knowledge"]
    assert titles(api(cast.author)) == ["Add fables", "Draft", "Knowledge"]
    assert titles(api(cast.maintainer)) == ["Add fables", "Draft", "Knowledge"]
    assert titles(api(cast.other), "?area=knowledge") == ["Knowledge"]
    assert titles(api(cast.other), "?area=compositional_skills/writing") == ["Add fables"]
    assert titles(api(cast.other), "?author=other") == ["Knowledge"]
    assert titles(api(cast.author), "?status=draft") == ["Draft"]
    assert api(cast.other).get("/api/v1/submissions/?status=bogus").status_code == 400
    labels = {r["title"]: r["label"] for r in api(cast.author).get("/api/v1/submissions/").json()["results"]}
    assert labels == {"Add fables": "needs_triage", "Draft": "draft", "Knowledge": "needs_triage"}


def test_open_a_draft(tree: int, cast: People) -> None:
    draft = submit(cast.author, draft=True, signoff="")
    response = api(cast.author).post(f"/api/v1/submissions/{draft.pk}/open/")
    assert response.status_code == 400 and "signoff" in response.json()
    api(cast.author).post(
        f"/api/v1/submissions/{draft.pk}/revisions/",
        {"qna_yaml": skill_qna(), "attribution": ATTRIBUTION, "signoff": SIGNOFF, "draft": True}, format="json",
    )
    response = api(cast.author).post(f"/api/v1/submissions/{draft.pk}/open/")
    assert response.status_code == 200 and response.json()["status"] == "open"


def test_notifications_api_shows_only_your_own(tree: int, cast: People) -> None:
    submission = submit(cast.author)
    review_submit(submission=submission, reviewer=cast.reviewer, verdict=Verdict.REQUEST_CHANGES, body="More.")
    mine = api(cast.author).get("/api/v1/notifications/").json()["results"]
    assert [n["kind"] for n in mine] == ["reviewed"] and mine[0]["actor"] == "reviewer"
    assert mine[0]["url"].endswith(f"/submissions/{submission.pk}/")
    theirs = api(cast.reviewer).get("/api/v1/notifications/").json()["results"]
    assert all(n["submission"] == submission.pk for n in theirs) and "reviewed" not in [n["kind"] for n in theirs]

    marked = api(cast.author).post("/api/v1/notifications/read/", {"ids": [mine[0]["id"]]}, format="json")
    assert marked.json() == {"marked": 1}
    assert api(cast.author).get("/api/v1/notifications/").json()["results"][0]["read_at"] is not None


def _list_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/submissions/")
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_is_constant_in_submissions(tree: int, cast: People, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = api(cast.reviewer)
    for n in range(3):
        submit(cast.author, path=f"compositional_skills/writing/batch{n}", qna_yaml=skill_qna(f"batch{n}"))
    few = _list_queries(client)
    for n in range(3, 12):
        s = submit(cast.other, path=f"compositional_skills/writing/batch{n}", qna_yaml=skill_qna(f"batch{n}"))
        review_submit(submission=s, reviewer=cast.reviewer, verdict=Verdict.COMMENT, body="ok")
    many = _list_queries(client)
    assert len(client.get("/api/v1/submissions/").json()["results"]) == 12
    assert few == many
    with django_assert_max_num_queries(8):
        client.get("/api/v1/submissions/")


def test_detail_query_count_is_constant_in_comments(tree: int, cast: People, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    submission = submit(cast.author)
    client = api(cast.other)
    comment_add(submission=submission, author=cast.other, body="first")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/api/v1/submissions/{submission.pk}/")
    for n in range(15):
        comment_add(submission=submission, author=user_make(f"commenter{n}"), body=f"comment {n}", line=1)
    review_submit(submission=submission, reviewer=cast.reviewer, verdict=Verdict.REQUEST_CHANGES,
                  comments=[{"line": 2, "body": "a"}, {"line": 3, "body": "b"}])
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/api/v1/submissions/{submission.pk}/")
    assert len(response.json()["comments"]) == 18
    assert len(few) == len(many)
    with django_assert_max_num_queries(25):
        client.get(f"/api/v1/submissions/{submission.pk}/")


def test_the_schema_documents_every_endpoint(db: None) -> None:
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/schema/?format=json").json()
    for path in [
        "/api/v1/auth/token/", "/api/v1/submissions/", "/api/v1/submissions/{id}/",
        "/api/v1/submissions/{id}/revisions/", "/api/v1/submissions/{id}/documents/",
        "/api/v1/submissions/{id}/reviews/", "/api/v1/submissions/{id}/comments/",
        "/api/v1/submissions/{id}/merge/", "/api/v1/submissions/{id}/withdraw/", "/api/v1/submissions/{id}/open/",
        "/api/v1/notifications/", "/api/v1/notifications/read/",
    ]:
        assert path in schema["paths"], path
    assert "409" in schema["paths"]["/api/v1/submissions/{id}/merge/"]["post"]["responses"]


def test_status_after_create_is_open(tree: int, cast: People) -> None:
    response = api(cast.author).post("/api/v1/submissions/", payload(draft=True, qna_yaml="nonsense: ["), format="json")
    assert response.status_code == 201 and response.json()["status"] == Status.DRAFT
