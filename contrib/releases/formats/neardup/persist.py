"""A release's near-duplicate signatures on disk, for the next build to match its rows against."""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import BinaryIO

import numpy as np
from datasketch import LeanMinHash

_MAGIC = b"SBNDSIG1"
_HEADER = struct.Struct("<8sHqH")
_KEY_LENGTH = struct.Struct("<H")
# Rows serialised per write: one bytes join instead of three writes a row.
_WRITE_ROWS = 4096


def signature_bytes(minhash: LeanMinHash) -> bytes:
    """``minhash`` serialised by datasketch (little-endian), to persist a release's signatures."""
    lean = minhash if isinstance(minhash, LeanMinHash) else LeanMinHash(minhash)
    buf = bytearray(lean.bytesize(byteorder="<"))
    lean.serialize(buf, byteorder="<")
    return bytes(buf)


def from_bytes(data: bytes) -> LeanMinHash:
    """The MinHash :func:`signature_bytes` wrote."""
    return LeanMinHash.deserialize(data, byteorder="<")


def write_signatures(
    fp: BinaryIO, items: Iterable[tuple[str, np.ndarray]], *, num_perm: int, seed: int
) -> int:
    """Write (key, hash values) pairs, e.g. :meth:`NearDupFilter.kept_signatures`, to ``fp``; return how many.

    The format is a fixed header then, per row, the key's UTF-8 length, the key, and num_perm uint32
    little-endian: streamed both ways, and byte-identical for the same rows.
    """
    fp.write(_HEADER.pack(_MAGIC, 1, seed, num_perm))
    count = 0
    rows = iter(items)
    while chunk := list(islice(rows, _WRITE_ROWS)):
        parts: list[bytes] = []
        for key, values in chunk:
            encoded = key.encode("utf-8")
            parts += (_KEY_LENGTH.pack(len(encoded)), encoded, np.asarray(values, dtype="<u4").tobytes())
        fp.write(b"".join(parts))
        count += len(chunk)
    return count


def read_signatures(fp: BinaryIO) -> tuple[int, int, Iterator[tuple[str, np.ndarray]]]:
    """(num_perm, seed, (key, hash values) pairs) of a file :func:`write_signatures` wrote."""
    header = fp.read(_HEADER.size)
    if len(header) != _HEADER.size or header[:8] != _MAGIC:
        raise ValueError(
            "Not a signature file written by write_signatures: rebuild the previous release's file."
        )
    _, _, seed, num_perm = _HEADER.unpack(header)

    def rows() -> Iterator[tuple[str, np.ndarray]]:
        while True:
            prefix = fp.read(_KEY_LENGTH.size)
            if not prefix:
                return
            (length,) = _KEY_LENGTH.unpack(prefix)
            key = fp.read(length).decode("utf-8")
            values = np.frombuffer(fp.read(4 * num_perm), dtype="<u4").astype(np.uint32)
            yield key, values

    return num_perm, seed, rows()
