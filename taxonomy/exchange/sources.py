"""What an import source names (a directory, a local or remote git repository) and how it is read."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from taxonomy.exceptions import SourceUnavailable, UnsafeSource
from taxonomy.exchange.directory_reader import read_directory
from taxonomy.exchange.git_reader import read_git
from taxonomy.exchange.source_tree import SourceTree, printable

_REMOTE_SCHEMES = frozenset({"https", "http", "ssh", "git", "git+ssh", "ssh+git"})
#: Schemes a web or API user may name; everything local must be under SEEDBED_IMPORT_ROOTS.
WEB_SCHEMES = frozenset({"https", "ssh", "git", "git+ssh", "ssh+git"})
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://")
_TRANSPORT = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*::")
# user@host:path, git's scp-like syntax for ssh (a colon before any slash).
_SCP = re.compile(r"^(?:[A-Za-z0-9._\-]+@)?[A-Za-z0-9.\-]+:(?!//)")


@dataclass(frozen=True)
class Source:
    """A parsed import source: a local ``path``, or a remote git ``url``."""

    given: str
    path: Path | None = None
    url: str | None = None

    @property
    def shown(self) -> str:
        """The source as it may be printed and stored: any password in a URL is hidden."""
        return display_source(self.given)


def display_source(source: str) -> str:
    """``source`` without the password or token of a URL, safe for logs, messages and origin_ref."""
    parts = urlsplit(source) if _URL.match(source) else None
    if parts is None or "@" not in parts.netloc:
        return printable(source)
    userinfo, _, host = parts.netloc.rpartition("@")
    if parts.scheme.lower() in ("http", "https"):
        # Over https the user name is often itself a token (https://<token>@github.com/...).
        netloc = f"***@{host}"
    else:
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in userinfo else f"{user}@{host}"
    return printable(urlunsplit(parts._replace(netloc=netloc)))


def source_parse(source: str) -> Source:
    """Classify ``source``; raise UnsafeSource for names git would treat as options or commands."""
    given = source.strip()
    if not given:
        raise SourceUnavailable("No source given: name a directory, a file:// URL or a git URL.")
    if given.startswith("-"):
        raise UnsafeSource(
            f"The source {printable(given)!r} looks like an option: prefix a relative path with ./"
        )
    if "\0" in given or "\n" in given:
        raise UnsafeSource("The source holds a control character: give a plain path or URL.")
    if _TRANSPORT.match(given):
        raise UnsafeSource(
            f"The source {printable(given)!r} names a git remote helper (such as ext:: or fd::), which can "
            "run commands: give a directory, a file:// URL or an https, ssh or git URL."
        )
    url = _URL.match(given)
    if url:
        scheme = url.group("scheme").lower()
        if scheme == "file":
            parts = urlsplit(given)
            if parts.netloc not in ("", "localhost"):
                raise UnsafeSource(
                    f"{printable(given)} names another host: a file:// URL must be local (file:///path)."
                )
            return Source(given, path=Path(unquote(parts.path)))
        if scheme not in _REMOTE_SCHEMES:
            raise UnsafeSource(
                f"The scheme {scheme}:// is not supported: use a directory, file://, https://, ssh:// or git://."
            )
        return Source(given, url=given)
    path = Path(given).expanduser()
    if not path.exists() and _SCP.match(given):
        return Source(given, url=given)
    return Source(given, path=path)


def source_read(source: str, ref: str | None, *, max_bytes: int) -> tuple[Source, SourceTree]:
    """Read the taxonomy leaves of ``source`` at ``ref``.

    A directory is read as it is on disk, even inside a git work tree, unless a ``ref`` is given; a bare
    repository, a remote URL, and any source with a ``ref`` are read from git.
    """
    parsed = source_parse(source)
    if parsed.url is not None:
        return parsed, read_git(parsed.url, ref, max_bytes=max_bytes, shown=parsed.shown)
    assert parsed.path is not None
    path = parsed.path
    if not path.exists():
        raise SourceUnavailable(
            f"There is no directory or git repository at {printable(str(path))}: check the path."
        )
    if not path.is_dir():
        raise SourceUnavailable(
            f"{printable(str(path))} is not a directory: give the top of the taxonomy tree."
        )
    if ref is not None or _is_bare_repository(path):
        if ref is not None and not (path / ".git").exists() and not _is_bare_repository(path):
            raise SourceUnavailable(
                f"--ref {ref} was given but {printable(str(path))} is not a git repository: drop --ref to "
                "read the directory as it is."
            )
        return parsed, read_git(str(path.resolve()), ref, max_bytes=max_bytes, shown=parsed.shown)
    return parsed, read_directory(path.resolve(), max_bytes=max_bytes)


def _is_bare_repository(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def source_check_web(source: str, import_roots: Sequence[str]) -> None:
    """Raise ValueError unless web and API users may import ``source``: a git URL, or a path in the roots."""
    try:
        parsed = source_parse(source)
    except (UnsafeSource, SourceUnavailable) as exc:
        raise ValueError(str(exc)) from None
    if parsed.url is not None:
        match = _URL.match(parsed.given)
        scheme = match.group("scheme").lower() if match else "ssh"
        if scheme not in WEB_SCHEMES:
            raise ValueError(
                f"{scheme}:// sources cannot be imported from the web: use an https, ssh or git URL."
            )
        return
    assert parsed.path is not None
    if not import_roots:
        raise ValueError(
            "Importing a local directory from the web is disabled: give an https, ssh or git URL, or ask an "
            "administrator to list allowed directories in SEEDBED_IMPORT_ROOTS."
        )
    if not parsed.path.is_absolute():
        raise ValueError(f"{printable(str(parsed.path))} is relative: give the absolute path of the tree.")
    resolved = os.path.realpath(parsed.path)
    for root in import_roots:
        real_root = os.path.realpath(root)
        if os.path.commonpath([resolved, real_root]) == real_root:
            return
    raise ValueError(
        f"{printable(str(parsed.path))} is outside the directories imports may read "
        f"({', '.join(import_roots)}): move the tree there, or give an https, ssh or git URL."
    )
