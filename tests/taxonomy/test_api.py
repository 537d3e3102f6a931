"""Tests of the taxonomy API: versions, trees, leaves, history, validation, and the OpenAPI schema."""

from __future__ import annotations

import hashlib
import re

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from taxonomy.choices import VersionOrigin
from taxonomy.format import MAX_FILE_BYTES
from taxonomy.services import LeafRemoval, version_create
from tests.taxonomy.helpers import (
    ATTRIBUTION,
    FREEFORM_PATH,
    GROUNDED_PATH,
    KNOWLEDGE_PATH,
    commit,
    freeform_skill_yaml,
    grounded_skill_yaml,
    knowledge_yaml,
    leaf,
    standard_tree,
)

VALIDATE = "/api/v1/validate/"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


# --- versions ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_version_list_is_paginated_newest_first(api: APIClient) -> None:
    standard_tree()
    commit(leaf(FREEFORM_PATH, freeform_skill_yaml("v2")), message="Second")
    body = api.get("/api/v1/taxonomy/versions/").json()
    assert body["count"] == 2
    assert [v["number"] for v in body["results"]] == [2, 1]
    second = body["results"][0]
    assert set(second) == {
        "number", "parent", "message", "origin", "origin_ref", "author_name", "created_at", "signoff"
    }
    assert second["parent"] == 1 and body["results"][1]["parent"] is None
    assert second["message"] == "Second" and second["origin"] == "import" and second["origin_ref"] == "tests"

    page = api.get("/api/v1/taxonomy/versions/?limit=1").json()
    assert len(page["results"]) == 1 and page["next"]


@pytest.mark.django_db
def test_version_list_filters_by_origin(api: APIClient) -> None:
    standard_tree()
    version_create(changes=[LeafRemoval(GROUNDED_PATH)], message="Drop", origin=VersionOrigin.REMOVAL)
    body = api.get("/api/v1/taxonomy/versions/?origin=removal").json()
    assert [v["number"] for v in body["results"]] == [2]
    assert api.get("/api/v1/taxonomy/versions/?origin=nonsense").status_code == 400


@pytest.mark.django_db
def test_version_detail(api: APIClient) -> None:
    standard_tree()
    response = api.get("/api/v1/taxonomy/versions/1/")
    assert response.status_code == 200
    assert response.json()["number"] == 1
    assert api.get("/api/v1/taxonomy/versions/7/").status_code == 404


# --- the tree at a version --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tree_lists_every_leaf_with_hashes(api: APIClient) -> None:
    standard_tree()
    commit(leaf(FREEFORM_PATH, freeform_skill_yaml("changed")), message="Change the haiku")
    body = api.get("/api/v1/taxonomy/versions/1/tree/").json()
    assert body["version"] == 1
    by_path = {entry["path"]: entry for entry in body["leaves"]}
    assert list(by_path) == sorted(by_path)
    assert len(by_path) == 4
    haiku = by_path[FREEFORM_PATH]
    assert set(haiku) == {"path", "sha256", "kind", "schema_version", "qna_sha256", "attribution_sha256"}
    assert haiku["kind"] == "freeform_skill" and haiku["schema_version"] == 3
    assert haiku["qna_sha256"] == hashlib.sha256(freeform_skill_yaml().encode()).hexdigest()
    assert haiku["attribution_sha256"] == hashlib.sha256(ATTRIBUTION.encode()).hexdigest()
    assert haiku["sha256"] == leaf(FREEFORM_PATH, freeform_skill_yaml()).sha256
    assert by_path[KNOWLEDGE_PATH]["kind"] == "knowledge"

    head = {e["path"]: e for e in api.get("/api/v1/taxonomy/versions/2/tree/").json()["leaves"]}
    assert head[FREEFORM_PATH]["sha256"] != haiku["sha256"]
    assert head[GROUNDED_PATH] == by_path[GROUNDED_PATH]
    assert api.get("/api/v1/taxonomy/versions/3/tree/").status_code == 404


@pytest.mark.django_db
def test_tree_query_count_is_constant_in_leaves(api: APIClient, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    commit(*[leaf(f"compositional_skills/bulk/leaf_{i:03}", freeform_skill_yaml(f"a{i}")) for i in range(2)])
    with django_assert_num_queries(2):
        assert len(api.get("/api/v1/taxonomy/versions/1/tree/").json()["leaves"]) == 2
    commit(
        *[leaf(f"compositional_skills/bulk/leaf_{i:03}", freeform_skill_yaml(f"a{i}")) for i in range(2, 80)],
        message="Many",
    )
    with django_assert_num_queries(2):
        assert len(api.get("/api/v1/taxonomy/versions/2/tree/").json()["leaves"]) == 80


# --- leaves -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_leaf_detail_shape(api: APIClient) -> None:
    standard_tree()
    response = api.get(f"/api/v1/taxonomy/leaves/{KNOWLEDGE_PATH}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "path", "sha256", "kind", "schema_version", "data", "qna_yaml", "attribution_txt",
        "valid_from", "valid_to", "documents",
    }
    assert body["path"] == KNOWLEDGE_PATH
    assert body["kind"] == "knowledge" and body["schema_version"] == 3
    assert body["qna_yaml"] == knowledge_yaml()
    assert body["data"] == yaml.safe_load(knowledge_yaml())
    assert body["attribution_txt"] == ATTRIBUTION
    assert body["documents"] == ["dormancy.md"]
    assert (body["valid_from"], body["valid_to"]) == (1, None)


@pytest.mark.django_db
def test_leaf_detail_at_a_version(api: APIClient) -> None:
    standard_tree()
    commit(leaf(FREEFORM_PATH, freeform_skill_yaml("changed"), attribution=None), message="Change")
    old = api.get(f"/api/v1/taxonomy/leaves/{FREEFORM_PATH}/?version=1").json()
    assert old["qna_yaml"] == freeform_skill_yaml()
    assert (old["valid_from"], old["valid_to"]) == (1, 2)
    new = api.get(f"/api/v1/taxonomy/leaves/{FREEFORM_PATH}/").json()
    assert new["attribution_txt"] is None and new["valid_from"] == 2 and new["documents"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status"),
    [
        (f"/api/v1/taxonomy/leaves/{FREEFORM_PATH}/?version=abc", 400),
        (f"/api/v1/taxonomy/leaves/{FREEFORM_PATH}/?version=0", 400),
        (f"/api/v1/taxonomy/leaves/{FREEFORM_PATH}/?version=5", 404),
        ("/api/v1/taxonomy/leaves/compositional_skills/no/such/", 404),
        ("/api/v1/taxonomy/leaves/compositional_skills/../knowledge/x/", 404),
        ("/api/v1/taxonomy/leaves/compositional_skills/%2e%2e/%2e%2e/etc/", 404),
        ("/api/v1/taxonomy/leaves/knowledge/", 404),
        ("/api/v1/taxonomy/history/compositional_skills/../x/", 404),
        ("/api/v1/taxonomy/history/compositional_skills/never/here/", 404),
    ],
)
def test_leaf_errors(api: APIClient, url: str, status: int) -> None:
    standard_tree()
    response = api.get(url)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_leaf_on_empty_taxonomy_is_404(api: APIClient) -> None:
    response = api.get(f"/api/v1/taxonomy/leaves/{FREEFORM_PATH}/")
    assert response.status_code == 404
    assert "import_taxonomy" in response.json()["detail"]


@pytest.mark.django_db
def test_leaf_history(api: APIClient) -> None:
    standard_tree()
    commit(leaf(FREEFORM_PATH, freeform_skill_yaml("two")), message="Two")
    commit(leaf(GROUNDED_PATH, grounded_skill_yaml().replace("Coffee", "Cocoa")), message="Unrelated")
    version_create(changes=[LeafRemoval(FREEFORM_PATH)], message="Gone", origin=VersionOrigin.REMOVAL)
    response = api.get(f"/api/v1/taxonomy/history/{FREEFORM_PATH}/")
    assert response.status_code == 200
    revisions = response.json()
    assert [(r["valid_from"], r["valid_to"]) for r in revisions] == [(1, 2), (2, 4)]
    assert [r["message"] for r in revisions] == ["Import the test tree", "Two"]
    assert set(revisions[0]) == {
        "sha256", "kind", "schema_version", "qna_sha256", "attribution_sha256",
        "valid_from", "valid_to", "message", "created_at",
    }
    # Removed at head, but still readable at the versions it lived in.
    assert api.get(f"/api/v1/taxonomy/leaves/{FREEFORM_PATH}/").status_code == 404
    assert api.get(f"/api/v1/taxonomy/leaves/{FREEFORM_PATH}/?version=3").json()["qna_yaml"] == freeform_skill_yaml(
        "two"
    )


@pytest.mark.django_db
def test_a_leaf_named_history_is_reachable(api: APIClient) -> None:
    commit(leaf("compositional_skills/writing/history", freeform_skill_yaml()))
    body = api.get("/api/v1/taxonomy/leaves/compositional_skills/writing/history/").json()
    assert body["path"] == "compositional_skills/writing/history"


# --- validation -------------------------------------------------------------------------------------------


def _validate(api: APIClient, **data: object) -> dict:  # type: ignore[type-arg]
    response = api.post(VALIDATE, data, format="json")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "text"),
    [
        (FREEFORM_PATH, freeform_skill_yaml()),
        (GROUNDED_PATH, grounded_skill_yaml()),
        (KNOWLEDGE_PATH, knowledge_yaml()),
    ],
)
def test_validate_valid_pasted_files(api: APIClient, path: str, text: str) -> None:
    body = _validate(api, qna_yaml=text, attribution=ATTRIBUTION, path=path)
    assert body["valid"] is True, body
    assert body["errors"] == []
    assert body["version"] == 3
    assert body["path"] == f"{path}/qna.yaml"
    assert {"valid", "path", "version", "errors", "warnings"} <= set(body)


@pytest.mark.django_db
def test_validate_uploaded_file(api: APIClient) -> None:
    upload = SimpleUploadedFile("qna.yaml", freeform_skill_yaml().encode(), content_type="application/x-yaml")
    response = api.post(VALIDATE, {"file": upload, "attribution": ATTRIBUTION, "path": FREEFORM_PATH}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["valid"] is True


@pytest.mark.django_db
def test_validate_form_encoded(api: APIClient) -> None:
    response = api.post(
        VALIDATE, {"qna_yaml": freeform_skill_yaml(), "attribution": ATTRIBUTION}, format="multipart"
    )
    assert response.status_code == 200
    assert response.json()["valid"] is True
    assert response.json()["path"] == "qna.yaml"


@pytest.mark.django_db
def test_validate_invalid_file_has_located_errors(api: APIClient) -> None:
    text = freeform_skill_yaml().replace("created_by: seedbed-tester\n", "")
    body = _validate(api, qna_yaml=text, attribution=ATTRIBUTION, path=FREEFORM_PATH)
    assert body["valid"] is False
    assert body["errors"], body
    error = body["errors"][0]
    assert set(error) == {"line", "col", "yaml_path", "rule", "message", "fix", "severity"}
    assert error["severity"] == "error"
    assert "created_by" in error["message"]
    assert isinstance(error["line"], int)


@pytest.mark.django_db
def test_validate_answer_of_wrong_type_is_located(api: APIClient) -> None:
    bread = "      Dough rises at dawn\n      the oven hums its warm song\n      crust cracks like a laugh\n"
    text = freeform_skill_yaml().replace("    answer: |\n" + bread, "    answer:\n      - a list\n      - not text\n")
    body = _validate(api, qna_yaml=text, attribution=ATTRIBUTION, path=FREEFORM_PATH)
    assert body["valid"] is False
    [error] = body["errors"]
    # The third example's answer key is on line 16 of the file.
    assert (error["line"], error["yaml_path"]) == (16, ".seed_examples[2].answer"), error
    assert error["fix"]


@pytest.mark.django_db
def test_validate_broken_yaml_is_a_verdict_not_a_request_error(api: APIClient) -> None:
    body = _validate(api, qna_yaml="version: 3\ncreated_by: [unclosed\nseed_examples:\n", attribution=ATTRIBUTION)
    assert body["valid"] is False
    rules = [e["rule"] for e in body["errors"]]
    assert "yaml-syntax" in rules, body
    assert body["errors"][rules.index("yaml-syntax")]["line"] is not None


@pytest.mark.django_db
def test_validate_reports_missing_attribution(api: APIClient) -> None:
    body = _validate(api, qna_yaml=freeform_skill_yaml(), path=FREEFORM_PATH)
    assert body["valid"] is False
    assert any("attribution" in (e["rule"] + e["message"]).lower() for e in body["errors"]), body
    body = _validate(api, qna_yaml=freeform_skill_yaml(), path=FREEFORM_PATH, check_attribution=False)
    assert body["valid"] is True, body


@pytest.mark.django_db
def test_validate_non_utf8_upload_is_an_encoding_error(api: APIClient) -> None:
    raw = freeform_skill_yaml().replace("seedbed-tester", "s\u00e9dbed").encode("latin-1")
    upload = SimpleUploadedFile("qna.yaml", raw)
    response = api.post(VALIDATE, {"file": upload, "attribution": ATTRIBUTION}, format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["valid"] is False
    assert any(re.search(r"utf-?8|encod", (e["rule"] + e["message"]).lower()) for e in body["errors"]), body


@pytest.mark.django_db
def test_validate_oversize_upload_is_refused_with_the_reason(api: APIClient) -> None:
    upload = SimpleUploadedFile("qna.yaml", b"#" * (MAX_FILE_BYTES + 1))
    response = api.post(VALIDATE, {"file": upload}, format="multipart")
    assert response.status_code == 400
    reason = response.json()["file"][0]
    assert str(MAX_FILE_BYTES + 1) in reason and str(MAX_FILE_BYTES) in reason


@pytest.mark.django_db
def test_validate_oversize_text_is_refused_with_the_reason(api: APIClient) -> None:
    response = api.post(VALIDATE, {"qna_yaml": "#" * (MAX_FILE_BYTES + 1)}, format="json")
    assert response.status_code == 400
    assert str(MAX_FILE_BYTES) in response.json()["qna_yaml"][0]


@pytest.mark.django_db
def test_validate_far_oversize_request_is_413(api: APIClient) -> None:
    upload = SimpleUploadedFile("qna.yaml", b"#" * (3 * MAX_FILE_BYTES))
    response = api.post(VALIDATE, {"file": upload}, format="multipart")
    assert response.status_code == 413
    assert str(MAX_FILE_BYTES) in response.json()["detail"]


@pytest.mark.django_db
def test_validate_requires_exactly_one_file(api: APIClient) -> None:
    missing = api.post(VALIDATE, {"attribution": ATTRIBUTION}, format="json")
    assert missing.status_code == 400
    assert "qna_yaml" in missing.json() and "file" in missing.json()

    upload = SimpleUploadedFile("qna.yaml", freeform_skill_yaml().encode())
    both = api.post(VALIDATE, {"qna_yaml": freeform_skill_yaml(), "file": upload}, format="multipart")
    assert both.status_code == 400
    assert "not both" in both.json()["qna_yaml"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["../etc/passwd", "/abs/path", "compositional_skills/../x", "nowhere/x", "knowledge"])
def test_validate_bad_path_is_a_field_error(api: APIClient, bad: str) -> None:
    response = api.post(VALIDATE, {"qna_yaml": freeform_skill_yaml(), "path": bad}, format="json")
    assert response.status_code == 400
    assert response.json()["path"]


@pytest.mark.django_db
def test_validate_malformed_json_is_400(api: APIClient) -> None:
    response = api.post(VALIDATE, "{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_validate_empty_text_is_a_verdict(api: APIClient) -> None:
    # InstructLab only warns about an empty file; the verdict says so rather than refusing the request.
    body = _validate(api, qna_yaml="", attribution=ATTRIBUTION)
    assert [w["rule"] for w in body["warnings"]] == ["empty"]


# --- the OpenAPI schema and its docs ----------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_documents_the_taxonomy_api(api: APIClient) -> None:
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json() if "json" in response["Content-Type"] else yaml.safe_load(response.content)
    paths = schema["paths"]
    for expected in (
        "/api/v1/taxonomy/versions/",
        "/api/v1/taxonomy/versions/{number}/",
        "/api/v1/taxonomy/versions/{number}/tree/",
        "/api/v1/taxonomy/leaves/{path}/",
        "/api/v1/taxonomy/history/{path}/",
        "/api/v1/validate/",
    ):
        assert expected in paths, expected
    validate = paths["/api/v1/validate/"]["post"]
    assert {"application/json", "multipart/form-data"} <= set(validate["requestBody"]["content"])
    assert {"200", "400", "413"} <= set(validate["responses"])
    assert "attribution" in validate["description"]


@pytest.mark.django_db
def test_swagger_ui_is_served_from_local_static(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
