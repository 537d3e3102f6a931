"""Tests of the tree import task: in-process for its bookkeeping, and on a real Celery worker over Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from taxonomy.models import TaxonomyVersion, TreeImport
from taxonomy.services import tree_import_enqueue
from taxonomy.tasks import tree_import_run
from tests.conftest import wait_for
from tests.taxonomy.exchange_helpers import INVALID_QNA, tree_copy

SYNONYMS = "compositional_skills/linguistics/synonyms"


@pytest.fixture
def tree(samples: Path, tmp_path: Path) -> Path:
    return tree_copy(samples, tmp_path / "imports" / "tree")


@pytest.mark.django_db
def test_task_runs_a_queued_import_once(tree: Path) -> None:
    row = TreeImport.objects.create(source=str(tree), message="Queued import")

    assert tree_import_run(row.pk) == TreeImport.Status.SUCCEEDED

    row.refresh_from_db()
    assert row.version is not None and row.version.number == 1 and row.version.message == "Queued import"
    assert row.report["version"] == 1 and len(row.report["added"]) == 16
    assert row.started_at is not None and row.finished_at is not None and row.error == ""
    finished = row.finished_at
    assert tree_import_run(row.pk) == TreeImport.Status.SUCCEEDED
    row.refresh_from_db()
    assert row.finished_at == finished and TaxonomyVersion.objects.count() == 1


@pytest.mark.django_db
def test_task_records_failures(tree: Path, tmp_path: Path) -> None:
    missing = TreeImport.objects.create(source=str(tmp_path / "missing"))
    (tree / SYNONYMS / "qna.yaml").write_bytes(INVALID_QNA)
    strict = TreeImport.objects.create(source=str(tree), all_or_nothing=True)

    assert tree_import_run(missing.pk) == TreeImport.Status.FAILED
    assert tree_import_run(strict.pk) == TreeImport.Status.FAILED
    assert tree_import_run(999_999) == "missing"

    missing.refresh_from_db()
    strict.refresh_from_db()
    assert "no directory" in missing.error and missing.version is None
    assert "refused" in strict.error and strict.report["skipped"][0]["path"] == SYNONYMS
    assert not TaxonomyVersion.objects.exists()


@pytest.fixture
def worker(
    tree: Path, monkeypatch: pytest.MonkeyPatch, settings, request: pytest.FixtureRequest
) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A worker started after SEEDBED_IMPORT_ROOTS is set, since it copies this process's environment."""
    roots = str(tree.parent)
    monkeypatch.setenv("SEEDBED_IMPORT_ROOTS", roots)
    settings.SEEDBED_IMPORT_ROOTS = [roots]
    yield request.getfixturevalue("celery_worker_process")


def _finished(row: TreeImport) -> TreeImport | None:
    row.refresh_from_db()
    return row if row.status in (TreeImport.Status.SUCCEEDED, TreeImport.Status.FAILED) else None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_enqueued_import_succeeds_on_a_worker(worker: str, tree: Path) -> None:
    row = tree_import_enqueue(
        source=str(tree), ref=None, message="From the web", all_or_nothing=False, requested_by=None
    )

    done = wait_for(lambda: _finished(row), timeout=60)

    assert done is not None, "the worker did not finish the import in 60s"
    assert done.status == TreeImport.Status.SUCCEEDED, done.error
    assert done.version is not None and done.version.number == 1
    assert done.version.message == "From the web" and len(done.report["added"]) == 16


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_enqueued_import_of_a_bad_source_fails_on_a_worker(worker: str, tree: Path) -> None:
    row = tree_import_enqueue(
        source=str(tree.parent / "missing"), ref=None, message="", all_or_nothing=False, requested_by=None
    )

    done = wait_for(lambda: _finished(row), timeout=60)

    assert done is not None, "the worker did not finish the import in 60s"
    assert done.status == TreeImport.Status.FAILED
    assert "no directory" in done.error and done.version is None
