"""Reads the leaves of a directory tree without following a link or leaving the tree."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path

from taxonomy.exceptions import SourceUnavailable, UnsafeSource
from taxonomy.exchange.source_tree import MAX_WALK_DEPTH, Entry, SourceTree, build_tree, printable
from taxonomy.paths import ROOTS

# Every open is relative to an already-open directory and refuses links, so swapping a directory for a
# link while we walk cannot send us out of the tree.
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def read_directory(root: Path, *, max_bytes: int) -> SourceTree:
    """The leaves under the taxonomy roots of directory ``root``; anything else in it is ignored."""
    try:
        root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise SourceUnavailable(f"There is no directory at {printable(str(root))}: check the path.") from None
    except NotADirectoryError:
        raise SourceUnavailable(
            f"{printable(str(root))} is a file, not a directory: give the top of the taxonomy tree."
        ) from None
    except PermissionError:
        raise SourceUnavailable(f"{printable(str(root))} cannot be read: check its permissions.") from None
    try:
        entries = list(_walk_roots(root_fd))
        return build_tree(entries, lambda paths: _read_files(root_fd, paths, max_bytes), max_bytes)
    finally:
        os.close(root_fd)


def _walk_roots(root_fd: int) -> Iterator[Entry]:
    for name in ROOTS:
        try:
            st = os.stat(name, dir_fd=root_fd, follow_symlinks=False)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(st.st_mode):
            yield Entry(name, "symlink")
        elif stat.S_ISDIR(st.st_mode):
            yield from _walk(root_fd, name, 1)
        else:
            yield Entry(name, "special" if not stat.S_ISREG(st.st_mode) else "file", st.st_size)


def _walk(parent_fd: int, path: str, depth: int) -> Iterator[Entry]:
    if depth > MAX_WALK_DEPTH:
        yield Entry(path, "too_deep")
        return
    try:
        fd = os.open(path.rsplit("/", 1)[-1], _DIR_FLAGS, dir_fd=parent_fd)
    except OSError as exc:
        raise UnsafeSource(
            f"{printable(path)} could not be opened as a directory ({exc.strerror}): check its permissions, "
            "or run the import again if the tree was changing."
        ) from None
    try:
        with os.scandir(fd) as listing:
            children = sorted(listing, key=lambda e: e.name)
        for child in children:
            child_path = f"{path}/{child.name}"
            st = child.stat(follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                yield Entry(child_path, "symlink")
            elif stat.S_ISDIR(st.st_mode):
                yield from _walk(fd, child_path, depth + 1)
            elif stat.S_ISREG(st.st_mode):
                yield Entry(child_path, "file", st.st_size)
            else:
                yield Entry(child_path, "special")
    finally:
        os.close(fd)


def _read_files(root_fd: int, paths: list[str], max_bytes: int) -> Mapping[str, bytes]:
    return {path: _read_beneath(root_fd, path, max_bytes) for path in paths}


def _read_beneath(root_fd: int, path: str, max_bytes: int) -> bytes:
    """The bytes of regular file ``path`` under ``root_fd``, opening each part without following links."""
    *dirs, name = path.split("/")
    fds: list[int] = []
    try:
        current = root_fd
        for part in dirs:
            current = os.open(part, _DIR_FLAGS, dir_fd=current)
            fds.append(current)
        fd = os.open(name, _FILE_FLAGS, dir_fd=current)
        fds.append(fd)
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > max_bytes:
            raise UnsafeSource(f"{printable(path)} changed while it was read: run the import again.")
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            raise UnsafeSource(
                f"{printable(path)} grew past {max_bytes} bytes while it was read: run the import again."
            )
        return data
    except OSError as exc:
        raise UnsafeSource(
            f"{printable(path)} could not be read ({exc.strerror}): the tree changed while it was "
            "read, or a link replaced a file or directory."
        ) from None
    finally:
        for opened in reversed(fds):
            os.close(opened)
