"""Where release files live: the storage API, content-addressed as ``releases/objects/<sha256>``."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages

OBJECTS = "releases/objects"


def release_storage() -> Storage:
    """The storage holding release artifacts (``STORAGES['releases']`` when configured, else the default)."""
    return storages["releases"] if "releases" in settings.STORAGES else storages["default"]


def object_name(sha256: str) -> str:
    return f"{OBJECTS}/{sha256}"


class _FinishedFile(File):
    """A finished build file that may be moved: FileSystemStorage moves a file offering temporary_file_path()
    (a rename on one filesystem) instead of copying its bytes; other storages read it as usual."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def object_put(path: Path, sha256: str) -> str:
    """Store the file at ``path`` under its content address; a second copy of the same bytes is never written.

    The file may be moved into the storage: ``path`` is not to be read afterwards.
    """
    storage = release_storage()
    name = object_name(sha256)
    if not storage.exists(name):
        with open(path, "rb") as handle:
            saved = storage.save(name, _FinishedFile(handle, name=str(path)))
        if saved != name:  # a concurrent writer stored the same bytes first; keep one copy
            storage.delete(saved)
    return name


def object_open(name: str):  # type: ignore[no-untyped-def]
    return release_storage().open(name, "rb")


def scratch_root() -> Path:
    """The directory builds write into before anything is stored; one sub-directory per release attempt."""
    return Path(settings.SEEDBED_RELEASE_SCRATCH)


def scratch_dir(release_id: int, attempt: int) -> Path:
    return scratch_root() / f"release-{release_id}" / f"attempt-{attempt}"


def scratch_clear(release_id: int) -> None:
    """Remove every earlier attempt's scratch directory of a release (a killed worker's leftovers)."""
    shutil.rmtree(scratch_root() / f"release-{release_id}", ignore_errors=True)
