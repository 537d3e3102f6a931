"""Tests of tree_import and tree_import_enqueue against the real database and the shared sample tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from taxonomy.choices import VersionOrigin
from taxonomy.exceptions import SourceUnavailable, UnsafeSource
from taxonomy.models import Blob, TreeImport
from taxonomy.selectors import leaf_at, tree_at, version_head
from taxonomy.services import tree_import, tree_import_enqueue
from tests.taxonomy.exchange_helpers import INVALID_QNA, tree_copy

pytestmark = pytest.mark.django_db

SYNONYMS = "compositional_skills/linguistics/synonyms"
CHICKADEE = "knowledge/science/animals/birds/black_capped_chickadee"
THEORY_OF_MIND = "foundational_skills/reasoning/theory_of_mind"


def qna_at(path: str, number: int) -> bytes:
    revision = leaf_at(path, number)
    assert revision is not None, f"no leaf {path} at version {number}"
    return bytes(revision.qna.data)


def head_number() -> int:
    head = version_head()
    return head.number if head else 0


@pytest.fixture
def tree(samples: Path, tmp_path: Path) -> Path:
    return tree_copy(samples, tmp_path / "tree")


def test_import_creates_one_version_with_every_leaf(tree: Path) -> None:
    result = tree_import(source=str(tree))

    assert result.ok and result.version is not None
    assert result.version.number == 1
    assert result.version.origin == VersionOrigin.IMPORT
    assert result.version.origin_ref == str(tree)
    assert result.version.message == f"Import from {tree}"
    assert len(result.added) == 16 and not result.updated and not result.removed
    leaves = {r.node.path: r for r in tree_at(1)}
    assert len(leaves) == 16
    assert sum(1 for r in leaves.values() if r.attribution is not None) == 5
    assert bytes(leaves[SYNONYMS].qna.data) == (tree / SYNONYMS / "qna.yaml").read_bytes()
    chickadee_attribution = leaves[CHICKADEE].attribution
    assert chickadee_attribution is not None
    assert bytes(chickadee_attribution.data) == (tree / CHICKADEE / "attribution.txt").read_bytes()
    assert leaves[THEORY_OF_MIND].attribution is None
    assert leaves[THEORY_OF_MIND].schema_version == 1
    assert leaves[CHICKADEE].kind == "knowledge"


def test_reimporting_the_same_tree_makes_no_version(tree: Path) -> None:
    tree_import(source=str(tree))
    again = tree_import(source=str(tree))

    assert again.ok and again.version is None
    assert len(again.unchanged) == 16 and not again.added
    assert head_number() == 1


def test_changing_one_file_updates_exactly_that_leaf_and_keeps_history(tree: Path) -> None:
    tree_import(source=str(tree))
    qna = tree / SYNONYMS / "qna.yaml"
    old = qna.read_bytes()
    qna.write_bytes(old.replace(b"created_by:", b"# edited\ncreated_by:", 1))

    result = tree_import(source=str(tree), message="Edit synonyms")

    assert result.version is not None and result.version.number == 2
    assert result.version.message == "Edit synonyms"
    assert result.updated == [SYNONYMS] and not result.added and not result.removed
    assert len(result.unchanged) == 15
    assert qna_at(SYNONYMS, 2) == qna.read_bytes()
    assert qna_at(SYNONYMS, 1) == old


def test_deleting_a_leaf_removes_it(tree: Path) -> None:
    tree_import(source=str(tree))
    for child in (tree / CHICKADEE).iterdir():
        child.unlink()
    (tree / CHICKADEE).rmdir()

    result = tree_import(source=str(tree))

    assert result.removed == [CHICKADEE] and result.version is not None and result.version.number == 2
    assert leaf_at(CHICKADEE, 2) is None
    assert leaf_at(CHICKADEE, 1) is not None


def test_invalid_leaf_is_skipped_and_reported_the_rest_imported(tree: Path) -> None:
    (tree / SYNONYMS / "qna.yaml").write_bytes(INVALID_QNA)

    result = tree_import(source=str(tree))

    assert not result.ok and result.version is not None
    assert [s.path for s in result.skipped] == [SYNONYMS]
    assert result.skipped[0].reason == "invalid"
    assert result.skipped[0].lines() and all(line.startswith("ERROR: ") for line in result.skipped[0].lines())
    assert len(result.added) == 15
    assert leaf_at(SYNONYMS, 1) is None


def test_invalid_new_file_keeps_the_leaf_already_stored(tree: Path) -> None:
    tree_import(source=str(tree))
    good = (tree / SYNONYMS / "qna.yaml").read_bytes()
    (tree / SYNONYMS / "qna.yaml").write_bytes(INVALID_QNA)

    result = tree_import(source=str(tree))

    assert result.version is None, "a skipped leaf is neither updated nor removed"
    assert SYNONYMS not in result.removed
    assert qna_at(SYNONYMS, 1) == good


def test_all_or_nothing_refuses_the_whole_import(tree: Path) -> None:
    (tree / SYNONYMS / "qna.yaml").write_bytes(INVALID_QNA)

    result = tree_import(source=str(tree), all_or_nothing=True)

    assert result.refused and result.version is None
    assert [s.path for s in result.skipped] == [SYNONYMS]
    assert version_head() is None


def test_symlinked_qna_refuses_the_leaf_and_reads_nothing_outside(tree: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"top secret, never imported\n")
    qna = tree / SYNONYMS / "qna.yaml"
    qna.unlink()
    qna.symlink_to(secret)

    result = tree_import(source=str(tree))

    assert [s.path for s in result.skipped] == [SYNONYMS]
    assert result.skipped[0].reason == "unsafe"
    assert "symbolic link" in result.skipped[0].lines()[0]
    assert len(result.added) == 15
    assert not any(b"top secret" in bytes(b.data) for b in Blob.objects.all())


def test_symlinked_directory_is_reported_and_its_stored_leaves_kept(tree: Path, tmp_path: Path) -> None:
    tree_import(source=str(tree))
    outside = tmp_path / "outside"
    (tree / "knowledge" / "arts").rename(outside)
    (tree / "knowledge" / "arts").symlink_to(outside, target_is_directory=True)

    result = tree_import(source=str(tree))

    assert [u.path for u in result.unsafe] == ["knowledge/arts"]
    assert "symbolic link" in result.unsafe[0].format_text()
    assert result.version is None and not result.removed
    assert leaf_at("knowledge/arts/music/fandom/swifties", 1) is not None


def test_a_source_without_taxonomy_roots_is_refused(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "qna.yaml").write_text("version: 3\n")

    with pytest.raises(SourceUnavailable, match="holds no qna.yaml"):
        tree_import(source=str(tmp_path))


def test_a_missing_source_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="no directory"):
        tree_import(source=str(tmp_path / "missing"))


@pytest.mark.parametrize(
    "source", ["ext::sh -c touch% /tmp/pwned", "fd::3", "--upload-pack=touch /tmp/pwned"]
)
def test_command_running_sources_are_refused(source: str) -> None:
    with pytest.raises(UnsafeSource):
        tree_import(source=source)


def test_enqueue_refuses_local_paths_outside_the_import_roots(tree: Path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SEEDBED_IMPORT_ROOTS = []
    with pytest.raises(ValueError, match="SEEDBED_IMPORT_ROOTS"):
        tree_import_enqueue(source=str(tree))
    settings.SEEDBED_IMPORT_ROOTS = [str(tree / "knowledge")]
    with pytest.raises(ValueError, match="outside"):
        tree_import_enqueue(source=str(tree))
    with pytest.raises(ValueError, match="outside"):
        tree_import_enqueue(source=f"{tree}/knowledge/../../..")
    with pytest.raises(ValueError):
        tree_import_enqueue(source="http://example.org/taxonomy.git")
    with pytest.raises(ValueError):
        tree_import_enqueue(source="ext::sh -c id")
    assert not TreeImport.objects.exists()


def test_enqueue_records_an_allowed_source(tree: Path, settings, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    settings.SEEDBED_IMPORT_ROOTS = [str(tree.parent)]
    with django_capture_on_commit_callbacks() as callbacks:
        row = tree_import_enqueue(source=str(tree), ref=None, message="From the web")
    assert row.status == TreeImport.Status.QUEUED and row.source == str(tree)
    assert len(callbacks) == 1
    remote = tree_import_enqueue(source="https://github.com/instructlab/taxonomy.git", ref="main")
    assert remote.ref == "main"
