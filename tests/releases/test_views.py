"""The release pages: the list and new-release form, a release with its charts, files and card, and its actions."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contrib.releases.choices import FileKind, ReleaseStatus, Split
from contrib.releases.models import Release, ReleaseFile
from contrib.synth.choices import RunScope, RunStatus
from contrib.synth.models import GenerationRun, Teacher
from taxonomy.choices import VersionOrigin
from taxonomy.models import TaxonomyVersion
from tests.submissions.factories import user_make

pytestmark = pytest.mark.django_db

CARD = "---\nlicense: cc-by-4.0\n---\n# Seedbed 2026.1.0\n\nRows by area: <b>bold</b> & more.\n"
STATS = {
    "rows": 9,
    "considered": 13,
    "dropped": {"exact_duplicate": 3, "near_duplicate": 1},
    "by_area": {"compositional_skills/writing": 6, "knowledge/history": 3},
    "by_area_kind": [
        {"area": "compositional_skills/writing", "kind": "freeform_skill", "rows": 4},
        {"area": "compositional_skills/writing", "kind": "grounded_skill", "rows": 2},
        {"area": "knowledge/history", "kind": "knowledge", "rows": 3},
    ],
}
DIFF = {  # the shape contrib.releases.formats.diff.release_diff writes
    "leaves_added": ["compositional_skills/writing/fables"],
    "leaves_removed": ["compositional_skills/writing/odes"],
    "leaves_changed": ["knowledge/history/lighthouses"],
    "rows_by_area": {
        "compositional_skills/writing": {"old": 5, "new": 6, "delta": 1},
        "knowledge/history": {"old": 3, "new": 3, "delta": 0},
    },
}
PARQUET = b"PAR1" + bytes(range(256)) * 4 + b"PAR1"
JSONL = b'{"id": "a", "messages": []}\n{"id": "b", "messages": []}\n'


# --- Builders shared by the release view, download and API tests: rows made directly, bytes in storage. ---

@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def taxonomy_version(number: int = 1) -> TaxonomyVersion:
    existing = TaxonomyVersion.objects.filter(number=number).first()
    if existing is not None:
        return existing
    parent = taxonomy_version(number - 1) if number > 1 else None
    return TaxonomyVersion.objects.create(
        number=number, parent=parent, message=f"Version {number}", origin=VersionOrigin.IMPORT, created_at=timezone.now()
    )


def file_add(release: Release, name: str, data: bytes, *, kind: str, split: str = "", rows: int = 0,
             config_name: str = "") -> ReleaseFile:
    sha = hashlib.sha256(data).hexdigest()
    storage_name = f"releases/objects/{sha}"
    if not default_storage.exists(storage_name):
        storage_name = default_storage.save(storage_name, ContentFile(data))
    return ReleaseFile.objects.create(
        release=release, name=name, kind=kind, split=split, rows=rows, bytes=len(data), sha256=sha,
        storage_name=storage_name, config_name=config_name,
    )


def release_make(version: str = "2026.1.0", status: str = ReleaseStatus.PUBLISHED, *, files: bool = True,
                 stats: dict[str, Any] | None = None, diff: dict[str, Any] | None = None, card: str = CARD,
                 **fields: Any) -> Release:
    """A release in ``status`` with a train and a test parquet shard, a jsonl file, a card and a manifest."""
    now = timezone.now()
    if status in (ReleaseStatus.PUBLISHED, ReleaseStatus.WITHDRAWN):
        fields.setdefault("published_at", now)
    if status == ReleaseStatus.WITHDRAWN:
        fields.setdefault("withdrawn_at", now)
        fields.setdefault("withdrawn_reason", "A contributor withdrew consent.")
    release = Release.objects.create(
        version=version, taxonomy_version=taxonomy_version(1), status=status,
        stats=STATS if stats is None else stats, diff=DIFF if diff is None else diff, **fields,
    )
    if files:
        file_add(release, "skills/train-00000-of-00001.parquet", PARQUET, kind=FileKind.PARQUET, split=Split.TRAIN,
                 rows=7, config_name="skills")
        file_add(release, "skills/test-00000-of-00001.parquet", PARQUET[:100], kind=FileKind.PARQUET,
                 split=Split.TEST, rows=2, config_name="skills")
        file_add(release, "skills/train.jsonl", JSONL, kind=FileKind.JSONL, split=Split.TRAIN, rows=2,
                 config_name="skills")
        file_add(release, "README.md", card.encode(), kind=FileKind.CARD)
        file_add(release, "manifest.json", b'{"files": []}\n', kind=FileKind.MANIFEST)
    return release


def run_make(number: int = 1) -> GenerationRun:
    teacher, _ = Teacher.objects.get_or_create(name="scripted", defaults={"base_url": "http://127.0.0.1:9/v1",
                                                                          "model": "scripted"})
    return GenerationRun.objects.create(
        scope=RunScope.TAXONOMY, taxonomy_version=taxonomy_version(number), teacher=teacher, scale=1,
        status=RunStatus.SUCCEEDED, filtered_by_reason={"judge_low_score": 5},
    )


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def people(db: None) -> dict[str, Any]:
    return {
        "anonymous": None,
        "contributor": user_make("carol"),
        "maintainer": user_make("maya", role="maintainer"),
    }


# --- The list. ---

def test_the_list_shows_public_releases_to_everyone_and_every_release_to_maintainers(media: Path, people: dict) -> None:
    for n, status in enumerate(ReleaseStatus.values):
        release_make(f"2026.1.{n}", status)
    public = {"2026.1.3", "2026.1.5"}  # published, withdrawn
    for role in ("anonymous", "contributor"):
        body = client_for(people[role]).get("/releases/").content.decode()
        shown = {f"2026.1.{n}" for n in range(6) if f'data-release="2026.1.{n}"' in body}
        assert shown == public, role
        assert "New release" not in body
    body = client_for(people["maintainer"]).get("/releases/").content.decode()
    assert all(f'data-release="2026.1.{n}"' in body for n in range(6))
    assert "New release" in body and 'name="version"' in body
    assert ">9<" in body  # rows: the parquet shards' rows (7 + 2), not the jsonl's again


def test_the_list_has_a_releases_link_in_the_nav(media: Path) -> None:
    body = Client().get("/releases/").content.decode()
    assert '<a href="/releases/" aria-current="page">Releases</a>' in body


def test_the_list_page_makes_the_same_number_of_queries_for_more_releases(media: Path, people: dict) -> None:
    client = client_for(people["maintainer"])
    release_make("2026.1.0")
    client.get("/releases/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/releases/").status_code == 200
    for n in range(1, 6):
        release_make(f"2026.1.{n}", ReleaseStatus.BUILT if n % 2 else ReleaseStatus.PUBLISHED)
    with CaptureQueriesContext(connection) as many:
        body = client.get("/releases/").content.decode()
    assert body.count("data-release=") == 6
    assert len(many) == len(few), [q["sql"] for q in many]


# --- A release. ---

STATUS_ROLE = [
    (status, role, 200 if status in ("published", "withdrawn") or role == "maintainer" else 404)
    for status in ReleaseStatus.values
    for role in ("anonymous", "contributor", "maintainer")
]


@pytest.mark.parametrize(("status", "role", "expected"), STATUS_ROLE)
def test_a_release_page_is_public_once_published_and_for_maintainers_before(
    media: Path, people: dict, status: str, role: str, expected: int
) -> None:
    release_make("2026.1.0", status)
    response = client_for(people[role]).get("/releases/2026.1.0/")
    assert response.status_code == expected
    if expected == 200:
        body = response.content.decode()
        assert f"badge--{status}" in body
        maintainer_actions = {
            "built": "Publish", "published": "Withdraw 2026.1.0", "failed": "Build again", "draft": ">Build<",
        }
        if status in maintainer_actions:
            assert (maintainer_actions[status] in body) == (role == "maintainer")


def test_a_release_page_draws_its_charts_as_inline_svg_and_lists_its_files(media: Path) -> None:
    release = release_make("2026.1.0", previous=release_make("2025.12.0"))
    release.runs.add(run_make())
    body = Client().get("/releases/2026.1.0/").content.decode()
    assert body.count("<svg") == 3
    for chart in ("chart--composition", "chart--filtering", "chart--diff"):
        assert f'class="chart {chart}" role="img"' in body
    assert "freeform_skill" in body and "knowledge/history" in body  # composition by area and kind
    assert "exact_duplicate: 3" in body and "kept: 9" in body and "generation: judge_low_score: 5" in body
    assert "<code>compositional_skills/writing/fables</code>" in body  # leaves added
    assert "Leaves removed" in body and "Leaves changed" in body
    for f in release.files.all():
        assert f'href="/releases/2026.1.0/files/{f.name}"' in body
        assert f.sha256[:12] in body
    assert "https://" not in body.replace("https://example.org", "")  # nothing external
    assert 'src="http' not in body


def test_a_release_page_escapes_text_from_stats_diff_card_and_reason(media: Path) -> None:
    evil = "<script>alert(1)</script>"
    stats = {**STATS, "by_area_kind": [{"area": evil, "kind": "knowledge", "rows": 2}], "dropped": {evil: 1}}
    diff = {"leaves_added": [evil], "rows_by_area": {evil: {"old": 1, "new": 2, "delta": 1}}}
    release_make("2026.1.0", ReleaseStatus.WITHDRAWN, stats=stats, diff=diff, card=f"# Card\n{evil}\n",
                 withdrawn_reason=f"Because {evil}")
    body = Client().get("/releases/2026.1.0/").content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert '<pre class="card-text"># Card\n&lt;script&gt;' in body


def test_a_withdrawn_release_says_so_with_its_reason_and_marks_its_downloads(media: Path) -> None:
    release_make("2026.1.0", ReleaseStatus.WITHDRAWN, withdrawn_reason="The licence of a source was revoked.")
    body = Client().get("/releases/2026.1.0/").content.decode()
    assert "This release is withdrawn" in body
    assert "The licence of a source was revoked." in body
    assert body.count("Download (withdrawn)") == 5
    assert "withdrawn: for audit only" in body


def test_a_release_without_stats_or_files_still_renders(media: Path, people: dict) -> None:
    release_make("2026.1.0", ReleaseStatus.BUILDING, files=False, stats={}, diff={})
    body = client_for(people["maintainer"]).get("/releases/2026.1.0/").content.decode()
    assert "<svg" not in body
    assert "No files yet." in body and "Waiting for a worker" in body and "data-release-progress" in body


def test_odd_stats_never_break_the_page(media: Path) -> None:
    release_make("2026.1.0", stats={"rows": "many", "by_area_kind": "x", "dropped": [1, None]}, diff={"leaves": 3})
    assert Client().get("/releases/2026.1.0/").status_code == 200


def test_the_charts_read_the_build_stats_and_diff_shapes() -> None:
    from contrib.releases.charts import composition, diff_view, filtering

    assert composition(STATS) == [
        ("compositional_skills/writing", [("freeform_skill", 4), ("grounded_skill", 2)]),
        ("knowledge/history", [("knowledge", 3)]),
    ]
    assert composition({"by_area": {"a": 2}}) == [("a", [("rows", 2)])]
    assert filtering(STATS) == (9, [("exact_duplicate", 3), ("near_duplicate", 1)])
    view = diff_view(DIFF)
    assert view.added == ["compositional_skills/writing/fables"] and view.changed == ["knowledge/history/lighthouses"]
    assert view.areas == [("compositional_skills/writing", 5, 6), ("knowledge/history", 3, 3)]
    nested = diff_view({"leaves": {"removed": ["x"]}, "rows_per_area": {"a": {"before": 1, "after": 0}}})
    assert nested.removed == ["x"] and nested.areas == [("a", 1, 0)]


def test_an_unknown_release_is_404(media: Path) -> None:
    assert Client().get("/releases/9.9.9/").status_code == 404


# --- Maintainer actions. ---

def test_a_maintainer_creates_a_release_and_its_build_is_queued(media: Path, people: dict) -> None:
    run = run_make()
    client = client_for(people["maintainer"])
    response = client.post("/releases/", {
        "version": "2026.2.0", "taxonomy_version": "1", "runs": [str(run.pk)], "include_seed_examples": "on",
        "near_dup_threshold": "0.9", "test_fraction": "0.1", "seed": "0", "system_prompt": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == "/releases/2026.2.0/"
    release = Release.objects.get(version="2026.2.0")
    assert list(release.runs.values_list("pk", flat=True)) == [run.pk]
    assert release.status in (ReleaseStatus.DRAFT, ReleaseStatus.BUILDING)
    assert release.created_by == people["maintainer"]


def test_the_new_release_form_shows_the_services_field_errors(media: Path, people: dict) -> None:
    run_make()
    response = client_for(people["maintainer"]).post("/releases/", {
        "version": "not a version", "taxonomy_version": "1", "near_dup_threshold": "0.9", "test_fraction": "0.1",
        "seed": "0",
    })
    assert response.status_code == 400
    body = response.content.decode()
    assert "is not a version" in body
    assert not Release.objects.exists()


@pytest.mark.parametrize("role", ["anonymous", "contributor"])
def test_only_maintainers_create_releases(media: Path, people: dict, role: str) -> None:
    response = client_for(people[role]).post("/releases/", {"version": "2026.2.0", "taxonomy_version": "1"})
    assert response.status_code == (302 if role == "anonymous" else 403)
    assert not Release.objects.exists()


def test_a_maintainer_publishes_a_built_release(media: Path, people: dict) -> None:
    release_make("2026.1.0", ReleaseStatus.BUILT)
    response = client_for(people["maintainer"]).post("/releases/2026.1.0/publish/", follow=True)
    assert "is published" in response.content.decode()
    assert Release.objects.get(version="2026.1.0").status == ReleaseStatus.PUBLISHED


def test_publishing_twice_says_why_not(media: Path, people: dict) -> None:
    release_make("2026.1.0", ReleaseStatus.PUBLISHED)
    response = client_for(people["maintainer"]).post("/releases/2026.1.0/publish/", follow=True)
    assert response.status_code == 200
    assert "already published" in response.content.decode()


def test_a_maintainer_withdraws_with_a_reason(media: Path, people: dict) -> None:
    release_make("2026.1.0", ReleaseStatus.PUBLISHED)
    client = client_for(people["maintainer"])
    assert client.post("/releases/2026.1.0/withdraw/", {"reason": ""}).status_code == 400
    response = client.post("/releases/2026.1.0/withdraw/", {"reason": "Consent was withdrawn."}, follow=True)
    body = response.content.decode()
    assert "is withdrawn" in body and "Consent was withdrawn." in body
    release = Release.objects.get(version="2026.1.0")
    assert release.status == ReleaseStatus.WITHDRAWN and release.withdrawn_reason == "Consent was withdrawn."


def test_verify_shows_its_result(media: Path, people: dict) -> None:
    release = release_make("2026.1.0", ReleaseStatus.PUBLISHED)
    client = client_for(people["maintainer"])
    body = client.post("/releases/2026.1.0/verify/", follow=True).content.decode()
    assert "Verified 2026.1.0" in body
    broken = release.files.get(name="README.md")
    (media / broken.storage_name).write_bytes(b"tampered")
    body = client.post("/releases/2026.1.0/verify/", follow=True).content.decode()
    assert "Verification of 2026.1.0 failed" in body
    assert "README.md" in body


@pytest.mark.parametrize("action", ["publish", "withdraw", "verify", "build"])
def test_contributors_cannot_act_on_releases(media: Path, people: dict, action: str) -> None:
    release_make("2026.1.0", ReleaseStatus.PUBLISHED)
    response = client_for(people["contributor"]).post(f"/releases/2026.1.0/{action}/", {"reason": "x"})
    assert response.status_code == 403
    assert Release.objects.get(version="2026.1.0").status == ReleaseStatus.PUBLISHED
