"""Release services: validation, the status machine, immutability, takedowns and the releases they affect."""

from __future__ import annotations

import pytest

from contrib.releases.choices import ReleaseStatus, TakedownKind
from contrib.releases.exceptions import ReleaseImmutable, ReleaseInvalid, ReleaseStateError, TakedownInvalid
from contrib.releases.models import Release
from contrib.releases.services import (
    release_build,
    release_build_enqueue,
    release_create,
    release_publish,
    release_withdraw,
    takedown_affected,
    takedown_file,
)
from contrib.synth.choices import RunStatus
from tests.releases.factories import HAIKU, MERGED, distinct_pairs, planted_run, world_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    return world_make()


def test_create_validates_every_field(world) -> None:  # type: ignore[no-untyped-def]
    run = planted_run(world.version, {HAIKU: distinct_pairs("h", 2)})
    other = planted_run(world.imported, {HAIKU: distinct_pairs("i", 2)})
    with pytest.raises(ReleaseInvalid) as info:
        release_create(version="latest", taxonomy_version=world.version.number, runs=[run.pk, other.pk, 999999],
                       config={"near_dup_threshold": 0, "test_fraction": 0.7, "seed": "x", "system_prompt": "s" * 4001,
                               "include_seed_examples": "yes", "colour": 1}, created_by=None)
    errors = info.value.errors
    assert set(errors) == {"version", "runs", "config"}
    assert any("999999" in m for m in errors["runs"]) and any(f"Run {other.pk}" in m for m in errors["runs"])
    assert len(errors["config"]) == 6
    release = release_create(version="2026.11.0", taxonomy_version=world.version.number, runs=[run.pk], config=None,
                             created_by=None)
    assert release.status == ReleaseStatus.DRAFT and release.config["near_dup_threshold"] == 0.9
    with pytest.raises(ReleaseInvalid, match="exists"):
        release_create(version="2026.11.0", taxonomy_version=world.version.number, runs=[run.pk], config=None,
                       created_by=None)
    assert release_create(version="1.2.3-rc.1", taxonomy_version=world.version.number, runs=[run.pk], config={},
                          created_by=None).version == "1.2.3-rc.1"


def test_a_run_not_succeeded_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    run = planted_run(world.version, {HAIKU: distinct_pairs("h", 1)})
    run.status = RunStatus.RUNNING
    run.save()
    with pytest.raises(ReleaseInvalid, match="succeeded runs only"):
        release_create(version="1.0.0", taxonomy_version=world.version.number, runs=[run.pk], created_by=None)


def test_publish_needs_a_build_and_a_published_release_is_immutable(world) -> None:  # type: ignore[no-untyped-def]
    run = planted_run(world.version, {HAIKU: distinct_pairs("h", 3)})
    release = release_create(version="1.0.0", taxonomy_version=world.version.number, runs=[run.pk], created_by=None)
    with pytest.raises(ReleaseStateError, match="build it"):
        release_publish(release=release, actor=None)
    release_build(release=release)
    release.refresh_from_db()
    assert release.status == ReleaseStatus.BUILT and release.files.exists()
    release = release_publish(release=release, actor=None)
    assert release.published_at is not None
    with pytest.raises(ReleaseImmutable):
        release_build(release=release)
    with pytest.raises(ReleaseImmutable):
        release_build_enqueue(release=release)
    with pytest.raises(ReleaseImmutable):
        release_publish(release=release, actor=None)
    withdrawn = release_withdraw(release=release, actor=None, reason="licence problem")
    assert withdrawn.status == ReleaseStatus.WITHDRAWN and withdrawn.files.exists()
    with pytest.raises(ReleaseImmutable):
        release_build(release=withdrawn)


def test_takedown_needs_one_target_and_a_reason(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TakedownInvalid) as info:
        takedown_file(kind=TakedownKind.CONTRIBUTOR, reason=" ", actor=None)
    assert set(info.value.errors) == {"reason", "contributor"}
    with pytest.raises(TakedownInvalid):
        takedown_file(kind=TakedownKind.LEAF_PATH, leaf_path="a/../b", reason="x", actor=None)
    takedown = takedown_file(kind=TakedownKind.LEAF_PATH, leaf_path=f"/{HAIKU}/", reason="licence", actor=None)
    assert takedown.leaf_path == HAIKU


def test_takedown_affected_lists_exactly_the_published_releases_with_those_rows(world) -> None:  # type: ignore[no-untyped-def]
    with_merged = planted_run(world.version, {HAIKU: distinct_pairs("h", 2), MERGED: distinct_pairs("m", 2)})
    without = planted_run(world.version, {HAIKU: distinct_pairs("k", 2)})
    cfg = {"include_seed_examples": False}
    a = release_create(version="1.0.0", taxonomy_version=world.version.number, runs=[with_merged.pk], config=cfg, created_by=None)
    release_build(release=a)
    release_publish(release=a, actor=None)
    b = release_create(version="1.1.0", taxonomy_version=world.version.number, runs=[without.pk], config=cfg, created_by=None)
    release_build(release=b)
    release_publish(release=b, actor=None)
    c = release_create(version="1.2.0", taxonomy_version=world.version.number, runs=[with_merged.pk], config=cfg, created_by=None)
    release_build(release=c)  # built, never published: not "affected"
    by_author = takedown_file(kind=TakedownKind.CONTRIBUTOR, contributor=world.author, reason="consent withdrawn", actor=None)
    by_submission = takedown_file(kind=TakedownKind.SUBMISSION, submission=world.submission, reason="x", actor=None)
    by_path = takedown_file(kind=TakedownKind.LEAF_PATH, leaf_path="compositional_skills/writing", reason="x", actor=None)
    assert [r.version for r in takedown_affected(by_author)] == ["1.0.0"]
    assert [r.version for r in takedown_affected(by_submission)] == ["1.0.0"]
    assert [r.version for r in takedown_affected(by_path)] == ["1.0.0", "1.1.0"]
    assert Release.objects.get(version="1.2.0").status == ReleaseStatus.BUILT
