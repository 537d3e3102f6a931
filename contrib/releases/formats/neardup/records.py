"""The key and signature of every indexed row, as fixed-size records in an anonymous temporary file.

The signatures are most of the filter's memory otherwise (512 bytes a row at 128 permutations). Candidates are
read back one record each with ``os.pread``, not mapped: mapped pages would count in the process's RSS.
"""

from __future__ import annotations

import os
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

#: The bytes a key takes in a record, NUL-padded: a release's row id takes 16.
KEY_BYTES = 32
# Records read at a time when streaming them all: 2 MB at 128 permutations.
_SCAN_ROWS = 4096


def encode_keys(keys: Sequence[str]) -> list[bytes]:
    """The UTF-8 of ``keys``, checked to fit a record: at most KEY_BYTES bytes, no NUL (the padding)."""
    encoded = [key.encode("utf-8") for key in keys]
    if max(map(len, encoded), default=0) > KEY_BYTES or b"\0" in b"".join(encoded):
        bad = next(key for key, raw in zip(keys, encoded) if len(raw) > KEY_BYTES or b"\0" in raw)
        raise ValueError(
            f"The near-duplicate filter stores keys in {KEY_BYTES} bytes without NUL: {bad!r} does not fit; "
            "use a shorter id, like the 16 hex digits of a row id."
        )
    return encoded


class RecordFile:
    """Records 0, 1, ... of (key, num_perm uint32 little-endian), appended a batch at a time."""

    def __init__(self, num_perm: int, directory: str | Path | None) -> None:
        self.dtype = np.dtype([("key", f"S{KEY_BYTES}"), ("values", "<u4", (num_perm,))])
        # open for the filter's lifetime; closed by close(), or when the filter is collected, by the finalizer
        # (without a __del__, nor an "unclosed file" warning)
        self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115
        self._close = weakref.finalize(self, self._file.close)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def close(self) -> None:
        self._close()

    def append(self, keys: Sequence[bytes], values: np.ndarray) -> None:
        """Write records for ``keys`` (from :func:`encode_keys`) and their signatures, in one write."""
        records = np.empty(len(keys), dtype=self.dtype)
        records["key"] = keys
        records["values"] = values
        data = memoryview(records.tobytes())
        offset = self._count * self.dtype.itemsize
        while data:
            written = os.pwrite(self._file.fileno(), data, offset)
            data, offset = data[written:], offset + written
        self._count += len(keys)

    def read(self, positions: Sequence[int]) -> np.ndarray:
        """The records at ``positions``, one pread each."""
        size, fd = self.dtype.itemsize, self._file.fileno()
        return self._records(
            b"".join(os.pread(fd, size, position * size) for position in positions), len(positions)
        )

    def scan(self, stop: int) -> Iterator[tuple[int, np.ndarray]]:
        """(first position, records) of records 0 to ``stop``, in long sequential reads."""
        size, fd = self.dtype.itemsize, self._file.fileno()
        for first in range(0, stop, _SCAN_ROWS):
            count = min(_SCAN_ROWS, stop - first)
            yield first, self._records(os.pread(fd, count * size, first * size), count)

    def _records(self, data: bytes, count: int) -> np.ndarray:
        if len(data) != count * self.dtype.itemsize:
            raise OSError("The near-duplicate filter's temporary file was cut short.")
        return np.frombuffer(data, dtype=self.dtype)
