"""Tests of the taxonomy's HTML pages: tree browser, search, leaf page, raw qna.yaml."""

from __future__ import annotations

import pytest
from django.test import Client

from taxonomy.choices import VersionOrigin
from taxonomy.models import Blob, LeafDocument, LeafRevision, Node, TaxonomyVersion, TreeImport
from taxonomy.services import LeafRemoval, version_create
from tests.taxonomy.helpers import (
    ATTRIBUTION,
    FOUNDATIONAL_PATH,
    FREEFORM_PATH,
    GROUNDED_PATH,
    KNOWLEDGE_PATH,
    commit,
    freeform_skill_yaml,
    knowledge_yaml,
    leaf,
    standard_tree,
)

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"


def test_empty_tree_says_how_to_import(client: Client) -> None:
    for url in ("/", "/tree/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "python manage.py import_taxonomy PATH" in response.content.decode()


def test_directory_before_any_import_is_404(client: Client) -> None:
    assert client.get("/tree/compositional_skills/").status_code == 404


def test_tree_root_lists_roots_with_counts(client: Client) -> None:
    standard_tree()
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for root in ("compositional_skills/", "knowledge/", "foundational_skills/"):
        assert root in html
    entries = {e.name: e for e in response.context["entries"]}
    assert entries["compositional_skills"].leaf_count == 2
    assert entries["knowledge"].leaf_count == 1
    assert response.context["leaf_total"] == 4
    assert 'href="/tree/compositional_skills/"' in html
    # The header navigation links to the tree, the API docs and the admin.
    assert 'href="/api/docs/"' in html and 'href="/admin/"' in html


def test_directory_has_breadcrumbs_badges_and_read_only_marks(client: Client) -> None:
    standard_tree()
    html = client.get("/tree/compositional_skills/writing/poetry/").content.decode()
    assert 'href="/tree/compositional_skills/"' in html  # breadcrumb
    assert 'href="/tree/compositional_skills/writing/"' in html
    assert f'href="/leaf/{FREEFORM_PATH}/"' in html
    assert "badge--freeform_skill" in html and "Freeform skill" in html

    html = client.get("/tree/compositional_skills/extraction/receipts/").content.decode()
    assert "Grounded skill" in html
    html = client.get("/tree/knowledge/science/botany/").content.decode()
    assert "badge--knowledge" in html

    html = client.get("/tree/foundational_skills/").content.decode()
    assert "read-only" in html
    html = client.get("/").content.decode()
    # Only the foundational root carries the read-only mark on the top page.
    assert html.count('class="badge badge--readonly"') == 1


def test_directory_that_is_a_leaf_redirects_to_the_leaf(client: Client) -> None:
    standard_tree()
    response = client.get(f"/tree/{FREEFORM_PATH}/")
    assert response.status_code == 302
    assert response["Location"] == f"/leaf/{FREEFORM_PATH}/"


def test_tree_at_older_version_and_version_selector(client: Client) -> None:
    standard_tree()
    commit(leaf("compositional_skills/writing/limericks", freeform_skill_yaml("A limerick")), message="Add limericks")

    head = client.get("/tree/compositional_skills/writing/").content.decode()
    assert 'href="/leaf/compositional_skills/writing/limericks/"' in head
    old = client.get("/tree/compositional_skills/writing/?version=1")
    assert old.status_code == 200
    old_html = old.content.decode()
    assert "/leaf/compositional_skills/writing/limericks/" not in old_html
    # Links keep the version being browsed.
    assert 'href="/tree/compositional_skills/writing/poetry/?version=1"' in old_html
    # The selector lists every version with its number, message, origin and date.
    assert 'name="version"' in old_html
    assert "v2 (head) · Add limericks · Import ·" in old_html
    assert "v1 · Import the test tree · Import ·" in old_html
    assert '<option value="1" selected>' in old_html


def test_unknown_or_malformed_version(client: Client) -> None:
    standard_tree()
    assert client.get("/tree/?version=9").status_code == 404
    assert client.get("/tree/?version=abc").status_code == 400
    assert client.get("/tree/?version=0").status_code == 400
    assert client.get(f"/leaf/{FREEFORM_PATH}/?version=9").status_code == 404
    assert client.get(f"/leaf/{FREEFORM_PATH}/?version=x").status_code == 400
    assert client.get(f"/leaf/{FREEFORM_PATH}/qna.yaml?version=9").status_code == 404


def test_directory_missing_at_a_version_is_404(client: Client) -> None:
    standard_tree()
    assert client.get("/tree/compositional_skills/nothing_here/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/tree/compositional_skills/../knowledge/",
        "/tree/compositional_skills/%2E%2E/knowledge/",
        "/tree/../../etc/",
        "/tree/compositional_skills//writing/",
        "/tree/not_a_root/",
        "/tree/compositional_skills/bad%20name/",
        "/leaf/compositional_skills/../knowledge/science/",
        "/leaf/compositional_skills/%2e%2e/%2e%2e/etc/passwd/",
        "/leaf/compositional_skills/",
        "/leaf/compositional_skills/writing/poetry/haiku/qna.yaml/",
        "/leaf/compositional_skills/a%5Cb/",
        "/leaf/compositional_skills/no/such/leaf/",
        "/leaf/compositional_skills/../x/qna.yaml",
        "/leaf/compositional_skills/no/such/leaf/qna.yaml",
    ],
)
def test_bad_or_unknown_paths_are_404(client: Client, url: str) -> None:
    standard_tree()
    assert client.get(url).status_code == 404


def test_search_by_path_and_by_answer_text(client: Client) -> None:
    standard_tree()
    response = client.get("/tree/?q=receipts")
    assert response.status_code == 200
    assert [r.node.path for r in response.context["results"]] == [GROUNDED_PATH]

    # "robin" appears only in the haiku's first answer.
    response = client.get("/tree/?q=ROBIN")
    assert [r.node.path for r in response.context["results"]] == [FREEFORM_PATH]
    html = response.content.decode()
    assert f'href="/leaf/{FREEFORM_PATH}/"' in html
    assert "<mark>robin</mark>" in html

    response = client.get("/tree/?q=no-such-word-anywhere")
    assert response.context["results"] == []
    assert "No leaf at version 1" in response.content.decode()


def test_search_at_an_older_version(client: Client) -> None:
    standard_tree()
    commit(leaf(FREEFORM_PATH, freeform_skill_yaml("Kestrel hovering")), message="Rewrite the frost haiku")
    assert [r.node.path for r in client.get("/tree/?q=kestrel").context["results"]] == [FREEFORM_PATH]
    assert client.get("/tree/?q=kestrel&version=1").context["results"] == []
    html = client.get("/tree/?q=robin&version=1").content.decode()
    assert f'href="/leaf/{FREEFORM_PATH}/?version=1"' in html


def test_leaf_page_renders_skill_readably(client: Client) -> None:
    standard_tree()
    response = client.get(f"/leaf/{FREEFORM_PATH}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Write a haiku about the subject given in the question." in html  # task description
    assert "seedbed-tester" in html  # created_by
    assert "Write a haiku about a lighthouse." in html
    # Multi-line answers keep their line breaks (shown with white-space: pre-wrap).
    assert "Beam sweeps the dark sea\nsailors count the turning light" in html
    assert 'class="block-text"' in html
    # Not the raw YAML.
    assert "seed_examples:" not in html
    assert "  - question:" not in html
    # Attribution, hashes, kind and schema version.
    assert "Title of work: Seedbed test examples" in html
    revision = response.context["revision"]
    assert revision.sha256 in html and revision.qna_sha256 in html and revision.attribution_sha256 in html
    assert "Freeform skill" in html and "schema v3" in html
    assert f'href="/leaf/{FREEFORM_PATH}/qna.yaml"' in html


def test_leaf_page_renders_grounded_contexts(client: Client) -> None:
    standard_tree()
    html = client.get(f"/leaf/{GROUNDED_PATH}/").content.decode()
    assert "Grounded skill" in html
    assert "Coffee 3.50\nBagel 2.25\nTotal 5.75" in html
    assert html.count('class="block block--context"') == 5
    assert html.count('class="block block--question"') == 5


def test_leaf_page_renders_knowledge_document_and_pairs(client: Client) -> None:
    standard_tree()
    html = client.get(f"/leaf/{KNOWLEDGE_PATH}/").content.decode()
    assert "Botany" in html
    assert "https://example.org/botany-notes.git" in html
    assert "0123456789abcdef0123456789abcdef01234567" in html
    assert "seeds/dormancy.md" in html
    assert "dormancy.md" in html  # the stored document
    assert "Cold stratification breaks dormancy in many temperate species." in html
    assert "Question 3 about smoke?" in html and "Answer 3 about smoke." in html
    assert html.count('class="block block--context"') == 5
    assert html.count('class="block block--question"') == 15


def test_foundational_leaf_is_marked_read_only(client: Client) -> None:
    standard_tree()
    html = client.get(f"/leaf/{FOUNDATIONAL_PATH}/").content.decode()
    assert "read-only" in html
    assert "read-only" not in client.get(f"/leaf/{FREEFORM_PATH}/").content.decode()


def test_html_and_script_payloads_are_escaped(client: Client) -> None:
    commit(
        leaf(FREEFORM_PATH, freeform_skill_yaml(f"{XSS}\n<img src=x onerror=alert(2)>"), attribution=f"By {XSS}\n"),
        message=f"Import {XSS}",
    )
    for url in (f"/leaf/{FREEFORM_PATH}/", "/tree/?q=alert", "/", f"/tree/{FREEFORM_PATH.rsplit('/', 1)[0]}/"):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
    leaf_html = client.get(f"/leaf/{FREEFORM_PATH}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in leaf_html
    assert "By &lt;script&gt;" in leaf_html
    assert "&lt;script&gt;alert(1)" in client.get("/tree/?q=alert").content.decode()
    assert "Import &lt;script&gt;" in client.get("/").content.decode()


def test_leaf_history_across_versions(client: Client) -> None:
    standard_tree()  # v1
    commit(leaf(FREEFORM_PATH, freeform_skill_yaml("Second haiku")), message="Second take")  # v2
    commit(leaf("compositional_skills/writing/limericks", freeform_skill_yaml("x")), message="Other leaf")  # v3
    commit(leaf(FREEFORM_PATH, freeform_skill_yaml("Third haiku")), message="Third take")  # v4

    response = client.get(f"/leaf/{FREEFORM_PATH}/")
    html = response.content.decode()
    assert [(r.valid_from_id, r.valid_to_id) for r in response.context["history"]] == [(1, 2), (2, 4), (4, None)]
    assert "Third haiku" in html
    assert "Second take" in html and "Third take" in html and "Import the test tree" in html
    assert f'href="/leaf/{FREEFORM_PATH}/?version=1"' in html
    assert f'href="/leaf/{FREEFORM_PATH}/?version=2"' in html
    assert "still live" in html

    # Version 3 did not touch the leaf: it still shows the second revision.
    html = client.get(f"/leaf/{FREEFORM_PATH}/?version=3").content.decode()
    assert "Second haiku" in html and "Third haiku" not in html
    assert f'href="/leaf/{FREEFORM_PATH}/qna.yaml?version=3"' in html
    assert "Morning frost melting" in client.get(f"/leaf/{FREEFORM_PATH}/?version=1").content.decode()


def test_removed_leaf_is_404_at_head_but_visible_before(client: Client) -> None:
    standard_tree()
    version_create(changes=[LeafRemoval(GROUNDED_PATH)], message="Drop receipts", origin=VersionOrigin.REMOVAL)
    response = client.get(f"/leaf/{GROUNDED_PATH}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "not in the tree at version 2" in html
    assert f'href="/leaf/{GROUNDED_PATH}/?version=1"' in html  # the history still links to it
    assert client.get(f"/leaf/{GROUNDED_PATH}/?version=1").status_code == 200
    assert client.get("/tree/compositional_skills/extraction/").status_code == 404
    assert client.get("/tree/compositional_skills/extraction/?version=1").status_code == 200


def test_raw_qna_yaml_is_exact_plain_text(client: Client) -> None:
    text = freeform_skill_yaml(f"{XSS}\nünïcödé")
    commit(leaf(FREEFORM_PATH, text, attribution=ATTRIBUTION))
    commit(leaf(FREEFORM_PATH, freeform_skill_yaml("newer")), message="Newer")
    response = client.get(f"/leaf/{FREEFORM_PATH}/qna.yaml?version=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "qna.yaml" in response["Content-Disposition"]
    assert response.content == text.encode()
    assert b"newer" in client.get(f"/leaf/{FREEFORM_PATH}/qna.yaml").content


def test_directory_page_query_count_is_constant_in_leaves(client: Client, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    commit(*[leaf(f"compositional_skills/writing/set_{i:03}", freeform_skill_yaml(f"n{i}")) for i in range(3)])
    with django_assert_num_queries(2):
        assert client.get("/tree/compositional_skills/writing/").status_code == 200
    with django_assert_num_queries(2):
        assert client.get("/").status_code == 200
    commit(
        *[leaf(f"compositional_skills/writing/set_{i:03}", freeform_skill_yaml(f"n{i}")) for i in range(3, 60)],
        *[leaf(f"knowledge/topic_{i:03}/leaf", freeform_skill_yaml(f"k{i}")) for i in range(20)],
        message="Many more",
    )
    with django_assert_num_queries(2):
        response = client.get("/tree/compositional_skills/writing/")
    assert len(response.context["entries"]) == 60
    with django_assert_num_queries(2):
        assert client.get("/").status_code == 200
    with django_assert_num_queries(2):
        assert client.get("/tree/?q=set_0").status_code == 200


def test_leaf_page_query_count_is_constant_in_history(client: Client, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    standard_tree()
    with django_assert_num_queries(4):
        assert client.get(f"/leaf/{KNOWLEDGE_PATH}/").status_code == 200
    for n in range(6):
        commit(leaf(KNOWLEDGE_PATH, knowledge_yaml().replace("Botany", f"Botany {n}")), message=f"Edit {n}")
    with django_assert_num_queries(4):
        response = client.get(f"/leaf/{KNOWLEDGE_PATH}/?version=3")
    assert len(response.context["history"]) == 7


def test_admin_shows_history_read_only(admin_client: Client) -> None:
    result = standard_tree()
    assert result.version is not None
    for model in ("taxonomyversion", "leafrevision", "node", "blob", "leafdocument", "treeimport"):
        response = admin_client.get(f"/admin/taxonomy/{model}/")
        assert response.status_code == 200, model
        assert f"/admin/taxonomy/{model}/add/" not in response.content.decode(), model
    assert admin_client.get("/admin/taxonomy/taxonomyversion/add/").status_code == 403
    TreeImport.objects.create(source="/srv/taxonomy", report={"added": [FREEFORM_PATH]})
    for model in (TaxonomyVersion, Node, Blob, LeafDocument, TreeImport):
        obj = model.objects.first()
        assert obj is not None
        url = f"/admin/taxonomy/{model._meta.model_name}/{obj.pk}/change/"
        assert admin_client.get(url).status_code == 200, url
    revision = LeafRevision.objects.get(node__path=FREEFORM_PATH)
    response = admin_client.get(f"/admin/taxonomy/leafrevision/{revision.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Morning frost melting" in html  # the qna.yaml text, read-only
    assert 'name="_save"' not in html
    assert admin_client.post(f"/admin/taxonomy/leafrevision/{revision.pk}/delete/", {"post": "yes"}).status_code == 403
    assert LeafRevision.objects.filter(pk=revision.pk).exists()
