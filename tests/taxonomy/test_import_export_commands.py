"""Tests of the import_taxonomy and export_taxonomy commands: round trips, git sources, history, refusals."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from instructlab.schema.taxonomy import TaxonomyParser

from taxonomy.models import TaxonomyVersion
from taxonomy.selectors import tree_at
from taxonomy.services import LeafContent, version_create
from tests.conftest import REPO
from tests.taxonomy.exchange_helpers import INVALID_QNA, files_of, git, git_repo_from, tree_copy

pytestmark = pytest.mark.django_db

SYNONYMS = "compositional_skills/linguistics/synonyms"
CHICKADEE = "knowledge/science/animals/birds/black_capped_chickadee"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def run_failing(*args: str) -> tuple[CommandError, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=out, stderr=io.StringIO())
    return caught.value, out.getvalue()


def expected_files(number: int) -> dict[str, bytes]:
    """The files of the tree at version ``number``, from the database."""
    files: dict[str, bytes] = {}
    for revision in tree_at(number):
        files[f"{revision.node.path}/qna.yaml"] = bytes(revision.qna.data)
        if revision.attribution is not None:
            files[f"{revision.node.path}/attribution.txt"] = bytes(revision.attribution.data)
        for document in revision.documents.select_related("blob"):
            files[f"{revision.node.path}/{document.name}"] = bytes(document.blob.data)
    return files


@pytest.fixture
def tree(samples: Path, tmp_path: Path) -> Path:
    return tree_copy(samples, tmp_path / "tree")


def test_round_trip_is_byte_identical_and_passes_instructlab_schema(
    samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = run("import_taxonomy", str(samples / "tree"))
    assert "as version 1: 16 added, 0 updated, 0 removed, 0 unchanged, 0 skipped" in output

    dest = tmp_path / "export"
    assert "Wrote 16 leaves of version 1" in run("export_taxonomy", str(dest))

    assert files_of(dest) == files_of(samples / "tree", skip=("LICENSE",))
    # instructlab-schema lints with the yamllint executable installed beside our Python.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    parser = TaxonomyParser(
        schema_version=0,
        message_format="standard",
        yamllint_config="{extends: relaxed, rules: {line-length: disable}}",
    )
    leaves = sorted(dest.rglob("qna.yaml"))
    assert len(leaves) == 16
    for qna in leaves:
        assert parser.parse(qna).errors == 0, qna


def test_reimport_of_the_same_tree_says_nothing_changed(samples: Path) -> None:
    run("import_taxonomy", str(samples / "tree"))
    output = run("import_taxonomy", str(samples / "tree"))
    assert "No changes" in output and "16 unchanged" in output
    assert TaxonomyVersion.objects.count() == 1


def test_git_sources_by_path_url_tag_and_sha(tree: Path) -> None:
    repo = git_repo_from(tree)
    first = git(repo, "rev-parse", "HEAD")
    git(repo, "tag", "v1.0")
    (repo / SYNONYMS / "qna.yaml").write_bytes((repo / SYNONYMS / "qna.yaml").read_bytes() + b"# edited\n")
    git(repo, "commit", "--quiet", "--all", "-m", "Edit")

    assert "as version 1: 16 added" in run("import_taxonomy", str(repo), "--ref", "v1.0")
    assert TaxonomyVersion.objects.get(number=1).origin_ref == f"{repo}@v1.0"
    assert "as version 2: 0 added, 1 updated" in run("import_taxonomy", f"file://{repo}")
    output = run("import_taxonomy", f"file://{repo}", "--ref", first, "--message", "Back to the first commit")
    assert "as version 3: 0 added, 1 updated" in output
    assert TaxonomyVersion.objects.get(number=3).message == "Back to the first commit"

    error, _ = run_failing("import_taxonomy", str(repo), "--ref", "no-such-branch")
    assert "no branch, tag or commit 'no-such-branch'" in str(error)
    assert TaxonomyVersion.objects.count() == 3


def test_invalid_leaf_is_reported_and_skipped_with_exit_status_1(tree: Path) -> None:
    (tree / SYNONYMS / "qna.yaml").write_bytes(INVALID_QNA)

    error, output = run_failing("import_taxonomy", str(tree))

    assert error.returncode == 1 and "skipped" in str(error)
    assert f"Skipped {SYNONYMS} (invalid):" in output
    assert f"ERROR: {SYNONYMS}/qna.yaml:" in output
    assert "as version 1: 15 added" in output


def test_all_or_nothing_refuses_everything(tree: Path) -> None:
    (tree / SYNONYMS / "qna.yaml").write_bytes(INVALID_QNA)

    error, output = run_failing("import_taxonomy", str(tree), "--all-or-nothing")

    assert error.returncode == 1 and "no version was made" in str(error)
    assert f"ERROR: {SYNONYMS}/qna.yaml:" in output
    assert not TaxonomyVersion.objects.exists()


def test_unsafe_entries_are_reported_and_nothing_outside_is_read(tree: Path, tmp_path: Path) -> None:
    (tree / SYNONYMS / "qna.yaml").unlink()
    (tree / SYNONYMS / "qna.yaml").symlink_to("/etc/passwd")
    (tree / "knowledge" / "etc").symlink_to("/etc", target_is_directory=True)
    (tree / "compositional_skills" / "with space").mkdir()
    (tree / "compositional_skills" / "with space" / "qna.yaml").write_bytes(b"version: 3\n")

    error, output = run_failing("import_taxonomy", str(tree))

    assert "UNSAFE: knowledge/etc: is a symbolic link" in output
    assert f"Skipped {SYNONYMS} (unsafe):" in output and "qna.yaml: is a symbolic link" in output
    assert "Skipped compositional_skills/with space (unsafe):" in output and "rename it" in output
    assert "as version 1: 15 added" in output
    dest = tmp_path / "export"
    run("export_taxonomy", str(dest))
    assert not any(b"root:" in data for data in files_of(dest).values())

    refused, _ = run_failing("import_taxonomy", str(tree), "--all-or-nothing")
    assert "no version was made" in str(refused)


def test_command_errors_are_clean_with_exit_status_1(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for args in (
        [str(tmp_path / "missing")],
        ["ext::sh -c id"],
        [str(tmp_path), "--ref", "main"],
    ):
        proc = subprocess.run(
            [sys.executable, "manage.py", "import_taxonomy", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 1, proc.stderr
        assert "CommandError" in proc.stderr and "Traceback" not in proc.stderr


def test_export_refusals(tmp_path: Path, samples: Path) -> None:
    error, _ = run_failing("export_taxonomy", str(tmp_path / "out"))
    assert "has no version yet" in str(error)
    run("import_taxonomy", str(samples / "tree"))
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "file").write_text("x")
    error, _ = run_failing("export_taxonomy", str(tmp_path / "full"))
    assert "not empty" in str(error)
    error, _ = run_failing("export_taxonomy", str(tmp_path / "out"), "--version", "7")
    assert "no version 7" in str(error)


def _history(tree: Path) -> None:
    """Versions 1 to 4: an import, an edit with a document, a removal, and a signed merge-like change."""
    run("import_taxonomy", str(tree))
    qna = tree / SYNONYMS / "qna.yaml"
    qna.write_bytes(qna.read_bytes() + b"# edited\n")
    (tree / CHICKADEE / "notes.md").write_bytes(b"# Chickadee notes\n")
    run("import_taxonomy", str(tree), "--message", "Edit synonyms\n\nAnd add notes.")
    for child in (tree / SYNONYMS).iterdir():
        child.unlink()
    (tree / SYNONYMS).rmdir()
    run("import_taxonomy", str(tree))
    revision = next(r for r in tree_at(3) if r.node.path == CHICKADEE)
    version_create(
        changes=[
            LeafContent(
                path=CHICKADEE,
                qna=bytes(revision.qna.data) + b"# merged\n",
                attribution=None,
                kind=revision.kind,
                schema_version=revision.schema_version,
                data=revision.data,
            )
        ],
        message="Merge submission 7",
        origin="merge",
        author_name="Ada Lovelace",
        author_email="ada@example.org",
        signoff="Signed-off-by: Ada Lovelace <ada@example.org>",
    )


def test_export_git_writes_one_commit_per_version(tree: Path, tmp_path: Path) -> None:
    _history(tree)
    dest = tmp_path / "repo"

    assert "4 commits" in run("export_taxonomy", str(dest), "--git")

    assert git(dest, "rev-list", "--count", "HEAD") == "4"
    assert git(dest, "branch", "--show-current") == "main"
    assert git(dest, "status", "--porcelain") == ""
    for version in TaxonomyVersion.objects.order_by("number"):
        tag = f"v{version.number}"
        fmt = "%an|%ae|%at|%cn|%ce|%ct"
        name, email = (
            ("Ada Lovelace", "ada@example.org") if version.number == 4 else ("Seedbed", "seedbed@localhost")
        )
        stamp = str(int(version.created_at.timestamp()))
        assert (
            git(dest, "log", "-1", f"--format={fmt}", tag) == f"{name}|{email}|{stamp}|{name}|{email}|{stamp}"
        )
        body = git(dest, "log", "-1", "--format=%B", tag)
        assert body == f"{version.message.strip()}\n\nSigned-off-by: {name} <{email}>"
        archive = subprocess.run(
            ["git", "archive", "--format=tar", tag], cwd=dest, capture_output=True, check=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
        assert files == expected_files(version.number), tag
    assert files_of(dest) == expected_files(4)
    assert not (dest / SYNONYMS).exists() and not (dest / "compositional_skills" / "linguistics").exists()
    assert "# merged" in (dest / CHICKADEE / "qna.yaml").read_text()
    assert not (dest / CHICKADEE / "attribution.txt").exists()


def test_export_git_is_deterministic_and_honours_version(tree: Path, tmp_path: Path) -> None:
    _history(tree)
    run("export_taxonomy", str(tmp_path / "a"), "--git")
    run("export_taxonomy", str(tmp_path / "b"), "--git")
    run("export_taxonomy", str(tmp_path / "c"), "--git", "--version", "2")

    assert git(tmp_path / "a", "rev-parse", "HEAD") == git(tmp_path / "b", "rev-parse", "HEAD")
    assert git(tmp_path / "c", "rev-parse", "HEAD") == git(tmp_path / "a", "rev-parse", "v2")
    assert files_of(tmp_path / "c") == expected_files(2)
