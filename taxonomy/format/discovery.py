"""Finding the qna.yaml files under the paths a user gives."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterable, Iterator

QNA_FILE = "qna.yaml"


def iter_qna_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[pathlib.Path]:
    """Each path that is not a directory as given, and every qna.yaml under each directory, sorted.

    Hidden directories (.git, .github) are not entered; symbolic links to directories are not followed.
    """
    for given in paths:
        path = pathlib.Path(given)
        if not path.is_dir():
            yield path
            continue
        found: list[pathlib.Path] = []
        for directory, subdirectories, files in os.walk(path):
            subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
            if QNA_FILE in files:
                found.append(pathlib.Path(directory, QNA_FILE))
        # sorted by path components, so 'a/b' comes before 'a-c' whatever the platform's walk order
        yield from sorted(found, key=lambda qna: qna.parts)
