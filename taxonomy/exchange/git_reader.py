"""Reads the leaves of a commit of a git repository from its objects, never checking files out."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from taxonomy.exceptions import SourceUnavailable, UnsafeSource
from taxonomy.exchange.git_cli import CLONE_TIMEOUT, PROTOCOL_CONFIG, GitError, run_git
from taxonomy.exchange.source_tree import Entry, EntryKind, SourceTree, build_tree
from taxonomy.paths import ROOTS

_KINDS: dict[bytes, EntryKind] = {
    b"100644": "file",
    b"100755": "file",
    b"120000": "symlink",
    b"160000": "submodule",
}


def read_git(location: str, ref: str | None, *, max_bytes: int, shown: str) -> SourceTree:
    """The leaves at ``ref`` (default: the default branch) of the repository at ``location``.

    The repository is cloned bare into a temporary directory: its files are read as git objects, so a
    link or a ``..`` in a stored path is only ever a name we refuse, never a file we open.
    ``shown`` is how to name the source in messages (``location`` without credentials).
    """
    if ref is not None and (not ref.strip() or ref.startswith("-")):
        raise UnsafeSource(
            f"The ref {ref!r} is not a branch, tag or commit name: give one such as main or v1.0."
        )
    with tempfile.TemporaryDirectory(prefix="seedbed-import-") as tmp:
        repo = Path(tmp) / "source.git"
        try:
            run_git(
                [*PROTOCOL_CONFIG, "clone", "--quiet", "--bare", "--", location, str(repo)],
                timeout=CLONE_TIMEOUT,
                redact={location: shown},
            )
        except GitError as exc:
            raise SourceUnavailable(f"Could not clone {shown}: {exc}") from None
        commit = _resolve(repo, ref, shown)
        listing = dict(_ls_tree(repo, commit))
        entries = [entry for entry, _ in listing.values()]
        return build_tree(
            entries, lambda paths: _cat_blobs(repo, {p: listing[p][1] for p in paths}), max_bytes
        )


def _resolve(repo: Path, ref: str | None, shown: str) -> str:
    try:
        out = run_git(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref or 'HEAD'}^{{commit}}"], cwd=repo
        )
    except GitError:
        if ref is None:
            raise SourceUnavailable(
                f"{shown} has no commits on its default branch: give a --ref or push a commit."
            ) from None
        raise SourceUnavailable(
            f"{shown} has no branch, tag or commit {ref!r}: check it (`git ls-remote {shown}` lists refs)."
        ) from None
    return out.decode().strip()


def _ls_tree(repo: Path, commit: str) -> Iterator[tuple[str, tuple[Entry, str]]]:
    out = run_git(["ls-tree", "-r", "-z", "--long", "--full-tree", commit, "--", *ROOTS], cwd=repo)
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, _type, sha, size = meta.split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if path.split("/", 1)[0] not in ROOTS:
            continue
        kind = _KINDS.get(mode, "special")
        yield path, (Entry(path, kind, int(size) if size.isdigit() else 0), sha.decode())


def _cat_blobs(repo: Path, shas: Mapping[str, str]) -> dict[str, bytes]:
    """The contents of blobs ``shas`` (path -> sha), read in one ``git cat-file --batch``."""
    order = list(shas.items())
    out = run_git(["cat-file", "--batch"], cwd=repo, input="".join(f"{sha}\n" for _, sha in order).encode())
    data: dict[str, bytes] = {}
    pos = 0
    for path, sha in order:
        newline = out.index(b"\n", pos)
        header = out[pos:newline].split()
        if len(header) != 3 or header[0].decode() != sha or header[1] != b"blob":
            raise UnsafeSource(
                f"git could not read the file {path} of the source: the repository is damaged."
            )
        size = int(header[2])
        start = newline + 1
        data[path] = out[start : start + size]
        pos = start + size + 1
    return data
