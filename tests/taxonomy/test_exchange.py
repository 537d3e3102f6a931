"""Tests of reading import sources safely (directories, git repositories) and of writing trees."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from taxonomy.exceptions import SourceUnavailable, UnsafeSource
from taxonomy.exchange.directory_reader import read_directory
from taxonomy.exchange.git_reader import read_git
from taxonomy.exchange.sources import display_source, source_check_web, source_parse, source_read
from taxonomy.exchange.tree_writer import ExportTargetError, tree_write
from tests.taxonomy.exchange_helpers import files_of, git, git_repo_from, tree_copy
from tests.taxonomy.helpers import ATTRIBUTION, KNOWLEDGE_PATH, standard_tree

MAX = 1024 * 1024
SYNONYMS = "compositional_skills/linguistics/synonyms"


@pytest.fixture
def tree(samples: Path, tmp_path: Path) -> Path:
    return tree_copy(samples, tmp_path / "tree")


def test_directory_reader_finds_every_sample_leaf_with_exact_bytes(tree: Path) -> None:
    result = read_directory(tree, max_bytes=MAX)

    assert not result.refused and not result.unsafe
    leaves = {leaf.path: leaf for leaf in result.leaves}
    assert len(leaves) == 16
    assert leaves[SYNONYMS].qna == (tree / SYNONYMS / "qna.yaml").read_bytes()
    assert leaves[SYNONYMS].attribution == (tree / SYNONYMS / "attribution.txt").read_bytes()
    assert sum(1 for leaf in leaves.values() if leaf.attribution is not None) == 5
    assert all(not leaf.documents for leaf in leaves.values())


def test_directory_reader_collects_documents_and_ignores_other_directories(tree: Path) -> None:
    (tree / SYNONYMS / "notes.md").write_bytes(b"# Notes\n")
    (tree / SYNONYMS / "extra.txt").write_bytes(b"extra\n")
    (tree / SYNONYMS / "image.png").write_bytes(b"\x89PNG")
    for ignored in ("docs", ".github/workflows"):
        (tree / ignored).mkdir(parents=True)
        (tree / ignored / "qna.yaml").write_bytes(b"not: a leaf\n")
    (tree / ".github" / "link").symlink_to("/etc/passwd")

    result = read_directory(tree, max_bytes=MAX)

    leaves = {leaf.path: leaf for leaf in result.leaves}
    assert len(leaves) == 16 and not result.unsafe and not result.refused
    assert dict(leaves[SYNONYMS].documents) == {"extra.txt": b"extra\n", "notes.md": b"# Notes\n"}


def test_symlinks_are_refused_and_never_followed(tree: Path, tmp_path: Path) -> None:
    (tree / SYNONYMS / "attribution.txt").unlink()
    (tree / SYNONYMS / "attribution.txt").symlink_to("/etc/passwd")
    outside = tmp_path / "outside"
    (outside / "leaf").mkdir(parents=True)
    (outside / "leaf" / "qna.yaml").write_bytes(b"secret: outside\n")
    (tree / "knowledge" / "escape").symlink_to(outside, target_is_directory=True)

    result = read_directory(tree, max_bytes=MAX)

    assert [s.path for s in result.refused] == [SYNONYMS]
    assert "attribution.txt: is a symbolic link" in result.refused[0].lines()[0]
    assert [u.path for u in result.unsafe] == ["knowledge/escape"]
    assert len(result.leaves) == 15
    assert not any(b"root:" in leaf.qna or b"secret" in leaf.qna for leaf in result.leaves)


def test_a_symlinked_root_is_refused(tree: Path, tmp_path: Path) -> None:
    (tree / "knowledge").rename(tmp_path / "knowledge")
    (tree / "knowledge").symlink_to(tmp_path / "knowledge", target_is_directory=True)

    result = read_directory(tree, max_bytes=MAX)

    assert [u.path for u in result.unsafe] == ["knowledge"]
    assert not any(leaf.path.startswith("knowledge/") for leaf in result.leaves)


def test_special_files_bad_names_and_large_files_are_refused(tree: Path) -> None:
    os.mkfifo(tree / SYNONYMS / "pipe.md")
    spaced = tree / "compositional_skills" / "my skill"
    spaced.mkdir()
    (spaced / "qna.yaml").write_bytes((tree / SYNONYMS / "qna.yaml").read_bytes())
    os.mkfifo(tree / "compositional_skills" / "fifo")
    big = tree / "knowledge" / "science" / "animals" / "birds" / "black_capped_chickadee" / "qna.yaml"
    (tree / "foundational_skills" / "reasoning" / "theory_of_mind" / "bad name.md").write_bytes(b"x")

    result = read_directory(tree, max_bytes=big.stat().st_size - 1)

    refused = {s.path: " ".join(s.lines()) for s in result.refused}
    assert "not a regular file" in refused[SYNONYMS]
    assert "rename" in refused["compositional_skills/my skill"]
    assert "more than the limit" in refused["knowledge/science/animals/birds/black_capped_chickadee"]
    assert "Document names" in refused["foundational_skills/reasoning/theory_of_mind"]
    assert [u.path for u in result.unsafe] == ["compositional_skills/fifo"]


def test_a_directory_named_qna_yaml_cannot_alias_its_parent(tree: Path) -> None:
    nested = tree / SYNONYMS / "qna.yaml.d"
    nested.mkdir()
    alias = tree / "compositional_skills" / "linguistics" / "antonyms" / "qna.yaml"
    alias.mkdir(parents=True)
    (alias / "qna.yaml").write_bytes(b"version: 3\n")

    result = read_directory(tree, max_bytes=MAX)

    assert "compositional_skills/linguistics/antonyms/qna.yaml" in {s.path for s in result.refused}
    assert "compositional_skills/linguistics/antonyms" not in {leaf.path for leaf in result.leaves}


def test_git_reader_reads_the_default_branch_a_tag_and_a_sha(tree: Path) -> None:
    repo = git_repo_from(tree)
    first = git(repo, "rev-parse", "HEAD")
    git(repo, "tag", "v1")
    (repo / SYNONYMS / "qna.yaml").write_bytes(b"changed\n")
    git(repo, "commit", "--quiet", "--all", "-m", "Change")

    head = read_git(str(repo), None, max_bytes=MAX, shown="repo")
    tagged = read_git(str(repo), "v1", max_bytes=MAX, shown="repo")
    by_sha = read_git(str(repo), first, max_bytes=MAX, shown="repo")
    on_disk = read_directory(repo, max_bytes=MAX)

    assert {leaf.path: leaf for leaf in head.leaves}[SYNONYMS].qna == b"changed\n"
    assert sorted(tagged.leaves, key=lambda leaf: leaf.path) == sorted(
        by_sha.leaves, key=lambda leaf: leaf.path
    )
    assert {leaf.path: leaf for leaf in tagged.leaves}[SYNONYMS].qna != b"changed\n"
    assert sorted(head.leaves, key=lambda leaf: leaf.path) == sorted(
        on_disk.leaves, key=lambda leaf: leaf.path
    )


def test_git_reader_reports_a_bad_ref_and_a_missing_repository(tree: Path, tmp_path: Path) -> None:
    repo = git_repo_from(tree)
    with pytest.raises(SourceUnavailable, match="no branch, tag or commit 'nope'"):
        read_git(str(repo), "nope", max_bytes=MAX, shown="repo")
    with pytest.raises(SourceUnavailable, match="Could not clone"):
        read_git(str(tmp_path / "missing"), None, max_bytes=MAX, shown="missing")
    with pytest.raises(UnsafeSource):
        read_git(str(repo), "--upload-pack=touch /tmp/x", max_bytes=MAX, shown="repo")


def test_git_symlinks_and_dotdot_paths_are_refused(tree: Path) -> None:
    (tree / SYNONYMS / "attribution.txt").unlink()
    (tree / SYNONYMS / "attribution.txt").symlink_to("/etc/passwd")
    repo = git_repo_from(tree)
    # A tree entry named "..", which git's index refuses but its object store accepts: build it by hand.
    blob = git(repo, "hash-object", "-w", str(repo / SYNONYMS / "qna.yaml"))
    leaf = _mktree(repo, f"100644 blob {blob}\tqna.yaml")
    evil = _mktree(repo, f"040000 tree {leaf}\t..")
    head_tree = git(repo, "rev-parse", "HEAD^{tree}")
    listing = [
        line for line in git(repo, "ls-tree", head_tree).splitlines() if not line.endswith("\tknowledge")
    ]
    knowledge_listing = git(repo, "ls-tree", git(repo, "rev-parse", "HEAD:knowledge")).splitlines()
    knowledge = _mktree(repo, *knowledge_listing, f"040000 tree {evil}\tevil")
    listing.append(f"040000 tree {knowledge}\tknowledge")
    commit = git(repo, "commit-tree", _mktree(repo, *listing), "-p", "HEAD", "-m", "Evil")
    git(repo, "update-ref", "refs/heads/evil", commit)

    result = read_git(str(repo), "evil", max_bytes=MAX, shown="repo")

    refused = {s.path: " ".join(s.lines()) for s in result.refused}
    assert "symbolic link" in refused[SYNONYMS]
    assert "'..' segment" in refused["knowledge/evil/.."]
    assert len(result.leaves) == 15
    assert not any(b"root:" in leaf.qna for leaf in result.leaves)


def _mktree(repo: Path, *lines: str) -> str:
    return subprocess.run(
        ["git", "mktree"],
        cwd=repo,
        input="".join(f"{line}\n" for line in lines),
        text=True,
        capture_output=True,
        check=True,
    ).stdout.strip()


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("https://github.com/instructlab/taxonomy.git", "url"),
        ("git@github.com:instructlab/taxonomy.git", "url"),
        ("ssh://git@example.org/taxonomy.git", "url"),
        ("git://example.org/taxonomy.git", "url"),
        ("file:///srv/taxonomy", "path"),
        ("/srv/taxonomy", "path"),
        ("relative/tree", "path"),
    ],
)
def test_sources_are_classified(source: str, kind: str) -> None:
    parsed = source_parse(source)
    assert (parsed.url is not None) == (kind == "url")
    if source.startswith("file://"):
        assert parsed.path == Path("/srv/taxonomy")


@pytest.mark.parametrize(
    "source",
    [
        "ext::sh -c id",
        "fd::17",
        "-oProxyCommand=id",
        "--upload-pack=id",
        "ftp://example.org/t.git",
        "file://other-host/x",
    ],
)
def test_dangerous_sources_are_refused(source: str) -> None:
    with pytest.raises(UnsafeSource):
        source_parse(source)


def test_credentials_never_appear_in_the_shown_source() -> None:
    assert display_source("https://user:s3cret@example.org/t.git") == "https://***@example.org/t.git"
    assert display_source("https://ghp_token@example.org/t.git") == "https://***@example.org/t.git"
    assert display_source("ssh://git:pw@example.org/t.git") == "ssh://git:***@example.org/t.git"
    assert display_source("ssh://git@example.org/t.git") == "ssh://git@example.org/t.git"
    assert display_source("/srv/tree") == "/srv/tree"


def test_web_sources_must_be_git_urls_or_under_the_import_roots(tmp_path: Path) -> None:
    (tmp_path / "allowed" / "tree").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "allowed" / "link").symlink_to(tmp_path / "elsewhere")
    roots = [str(tmp_path / "allowed")]

    source_check_web("https://github.com/instructlab/taxonomy.git", roots)
    source_check_web("git@github.com:instructlab/taxonomy.git", roots)
    source_check_web(str(tmp_path / "allowed" / "tree"), roots)
    source_check_web(f"file://{tmp_path / 'allowed' / 'tree'}", roots)
    for refused in (
        str(tmp_path / "elsewhere"),
        str(tmp_path / "allowed" / "link"),
        str(tmp_path / "allowed" / ".." / "elsewhere"),
        "allowed/tree",
        "http://example.org/t.git",
        "file:///etc",
    ):
        with pytest.raises(ValueError):
            source_check_web(refused, roots)
    with pytest.raises(ValueError, match="SEEDBED_IMPORT_ROOTS"):
        source_check_web(str(tmp_path / "allowed" / "tree"), [])


def test_a_work_tree_is_read_as_a_directory_unless_a_ref_is_given(tree: Path) -> None:
    repo = git_repo_from(tree)
    (repo / SYNONYMS / "qna.yaml").write_bytes(b"uncommitted\n")

    _, on_disk = source_read(str(repo), None, max_bytes=MAX)
    _, committed = source_read(f"file://{repo}", "main", max_bytes=MAX)

    assert {leaf.path: leaf for leaf in on_disk.leaves}[SYNONYMS].qna == b"uncommitted\n"
    assert {leaf.path: leaf for leaf in committed.leaves}[SYNONYMS].qna != b"uncommitted\n"
    with pytest.raises(SourceUnavailable, match="not a git repository"):
        source_read(str(repo / "compositional_skills"), "main", max_bytes=MAX)


@pytest.mark.django_db
def test_tree_write_writes_stored_bytes_and_refuses_a_non_empty_target(tmp_path: Path) -> None:
    standard_tree()
    dest = tmp_path / "out"

    assert tree_write(dest, 1) == 4

    files = files_of(dest)
    assert files[f"{KNOWLEDGE_PATH}/dormancy.md"] == b"# Seed dormancy\n\nSeeds wait.\n"
    assert files[f"{KNOWLEDGE_PATH}/attribution.txt"] == ATTRIBUTION.encode()
    assert "foundational_skills/reasoning/counting/qna.yaml" in files
    with pytest.raises(ExportTargetError, match="not empty"):
        tree_write(dest, 1)


def test_a_bare_repository_is_read_from_git(tree: Path, tmp_path: Path) -> None:
    repo = git_repo_from(tree)
    git(tmp_path, "clone", "--quiet", "--bare", str(repo), str(tmp_path / "bare.git"))

    parsed, result = source_read(str(tmp_path / "bare.git"), None, max_bytes=MAX)

    assert parsed.path == tmp_path / "bare.git"
    assert len(result.leaves) == 16


def test_directories_nested_too_deep_are_not_walked(tree: Path) -> None:
    deep = tree / "knowledge" / "/".join(f"d{i}" for i in range(20))
    deep.mkdir(parents=True)
    (deep / "qna.yaml").write_bytes(b"version: 3\n")

    result = read_directory(tree, max_bytes=MAX)

    assert [u.reason for u in result.unsafe] == [
        "is nested deeper than 16 levels and was not read; use a shallower path."
    ]
    assert len(result.leaves) == 16
