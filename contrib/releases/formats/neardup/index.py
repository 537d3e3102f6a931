"""The filter's LSH index: per band, band key to row positions in chained hash tables of numpy arrays.

Lookups and inserts take a whole batch of rows at once; datasketch's ``MinHashLSH`` reads the same tables
through thin storage adapters, so ``lsh.query`` keeps working.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
from datasketch.storage import OrderedStorage, UnorderedStorage

# Odd 64-bit multipliers turning the r values of a band into one key.
_BAND_MIX = (
    np.random.default_rng(20261124).integers(0, 1 << 63, size=1024, dtype=np.uint64) << np.uint64(1)
) | np.uint64(1)
# A slot holds the keys ending in its bits, 16 or more: each row keeps its key's top 16 bits, as a tag.
_MIN_SLOTS = 1 << 16
_TAG_SHIFT = 16
# Rows a slot before the slots double: chains of 2 to 4 cost 1 or 2 bytes of slots a row, and walk quickly.
_MAX_LOAD = 4


class InsertOnlyError(TypeError):
    """Raised when datasketch is asked to change the filter's index: rows go in through the filter, with their
    signatures, and never come out."""


def band_keys(matrix: np.ndarray, hashranges: Sequence[tuple[int, int]]) -> np.ndarray:
    """The key of each band of each signature (uint32, rows x bands): as :func:`band_key` gives datasketch."""
    keys = np.empty((matrix.shape[0], len(hashranges)), dtype=np.uint32)
    wide = matrix.astype(np.uint64)
    for band, (start, end) in enumerate(hashranges):
        keys[:, band] = _fold(wide[:, start:end] @ _BAND_MIX[: end - start])
    return keys


def band_key(data: bytes) -> int:
    """The key of one band from its big-endian bytes, as MinHashLSH hands them to ``hashfunc``."""
    values = np.frombuffer(data, dtype=">u4").astype(np.uint64)
    return int(_fold(values @ _BAND_MIX[: values.size]))


def _fold(values: Any) -> Any:
    # the top 32 bits of the 64-bit mix, the best mixed
    return (np.asarray(values, dtype=np.uint64) >> np.uint64(32)).astype(np.uint32)


class BandIndex:
    """Positions 0, 1, ... of indexed rows under their band keys, one :class:`_ChainedTable` a band."""

    def __init__(self, bands: int) -> None:
        self._tables = [_ChainedTable() for _ in range(bands)]

    def __len__(self) -> int:
        return len(self._tables[0])

    def storages(self) -> list[UnorderedStorage]:
        """The bands as datasketch storages, for ``MinHashLSH.hashtables``."""
        return [_BandStorage(table) for table in self._tables]

    def add(self, keys: np.ndarray) -> None:
        """Index rows with band keys ``keys`` (rows x bands) at the next positions, in order."""
        for band, table in enumerate(self._tables):
            table.add(keys[:, band])

    def candidates(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, position) of each indexed position sharing a band key with a row of ``keys``, sorted."""
        found = [table.find(keys[:, band]) for band, table in enumerate(self._tables)]
        pairs = np.unique(np.concatenate([rows * len(self) + positions for rows, positions in found]))
        return pairs // max(len(self), 1), pairs % max(len(self), 1)


class _ChainedTable:
    """One band: ``head[key & mask]`` is the latest position whose key falls in that slot, ``next[position]``
    the one before it in the slot (-1 ends a chain) and ``tags[position]`` the key's top 16 bits.

    7 to 8 bytes a row (int32 next, uint16 tag, a quarter to half an int32 slot): a slot stands for 16 or more
    low bits of the key, the tag for the 16 high ones, so together they are the key and a match is exact.
    """

    def __init__(self) -> None:
        self._head = np.full(_MIN_SLOTS, -1, dtype=np.int32)
        self._next = np.empty(1024, dtype=np.int32)
        self._tags = np.empty(1024, dtype=np.uint16)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, keys: np.ndarray) -> None:
        """Chain ``keys`` at the next positions: sorted by slot, each slot's run is linked in order."""
        count, first = keys.size, self._size
        if not count:
            return
        if first + count > self._next.size:
            capacity = max(first + count, 2 * self._next.size)
            self._next, self._tags = _grown(self._next, capacity, first), _grown(self._tags, capacity, first)
        self._tags[first : first + count] = keys >> _TAG_SHIFT
        slots = keys & np.uint32(self._head.size - 1)
        order = np.argsort(slots, kind="stable")
        slots = slots[order]
        positions = (order + first).astype(np.int32)
        opens = np.ones(count, dtype=bool)  # the first of its slot in the batch
        np.not_equal(slots[1:], slots[:-1], out=opens[1:])
        previous = np.empty(count, dtype=np.int32)
        previous[1:] = positions[:-1]
        previous[opens] = self._head[slots[opens]]
        self._next[positions] = previous
        closes = np.append(opens[1:], True)  # the last of its slot in the batch: the new head
        self._head[slots[closes]] = positions[closes]
        self._size += count
        while self._size > _MAX_LOAD * self._head.size:
            self._double()

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(index into ``keys``, position) of every position under each key: all the chains walked at once."""
        tags = (keys >> _TAG_SHIFT).astype(np.uint16)
        positions = self._head[keys & np.uint32(self._head.size - 1)]
        queries = np.arange(keys.size)
        found_queries, found_positions = [], []
        while True:
            live = positions >= 0
            queries, positions = queries[live], positions[live]
            if not positions.size:
                break
            hit = self._tags[positions] == tags[queries]
            found_queries.append(queries[hit])
            found_positions.append(positions[hit])
            positions = self._next[positions]
        if not found_queries:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return np.concatenate(found_queries), np.concatenate(found_positions).astype(np.int64)

    def keys(self) -> np.ndarray:
        """The key of every position: its slot's low 16 bits below its tag."""
        slot_of = np.empty(self._size, dtype=np.uint32)
        for slots, positions in self._chains():
            slot_of[positions] = slots
        return (self._tags[: self._size].astype(np.uint32) << _TAG_SHIFT) | (slot_of & np.uint32(0xFFFF))

    def _chains(self) -> Iterable[tuple[np.ndarray, np.ndarray]]:
        """(slot, position) of the n-th entry of every chain still that long, for n = 0, 1, ..."""
        slots = np.flatnonzero(self._head >= 0).astype(np.uint32)
        positions = self._head[slots]
        while positions.size:
            yield slots, positions
            positions = self._next[positions]
            live = positions >= 0
            slots, positions = slots[live], positions[live]

    def _double(self) -> None:
        """Twice the slots: each chain splits in two, in order, by the key's next bit, which the tag holds.

        The chains are walked in step, an entry of each at a time. The entries of a step are in distinct old
        slots, so in distinct new ones, and each is linked after the last entry its new chain got: the
        successors of a step's entries are read before they are relinked, by the next step.
        """
        old = self._head.size
        bit = old.bit_length() - 1 - _TAG_SHIFT  # the key's bit log2(old) is this bit of the tag
        head = np.full(2 * old, -1, dtype=np.int32)
        tail = np.full(2 * old, -1, dtype=np.int32)
        for slots, positions in self._chains():
            new = slots + ((self._tags[positions] >> bit) & 1).astype(np.uint32) * np.uint32(old)
            last = tail[new]
            starts = last < 0
            head[new[starts]] = positions[starts]
            self._next[last[~starts]] = positions[~starts]
            tail[new] = positions
        self._next[tail[tail >= 0]] = -1
        self._head = head


def _grown(array: np.ndarray, capacity: int, used: int) -> np.ndarray:
    grown = np.empty(capacity, dtype=array.dtype)
    grown[:used] = array[:used]
    return grown


class _BandStorage(UnorderedStorage):
    """datasketch's view of one band, for ``lsh.query``: band key to positions. Read-only: rows are indexed
    through the filter, which also stores their signatures."""

    def __init__(self, table: _ChainedTable) -> None:
        self._table = table

    def keys(self) -> Iterable[Hashable]:
        return np.unique(self._table.keys()).tolist()

    def get(self, key: Hashable) -> list[Any]:
        _, positions = self._table.find(np.array([key], dtype=np.uint32))
        return sorted(positions.tolist())

    def insert(self, key: Hashable, *vals: Any, **kwargs: Any) -> None:
        raise InsertOnlyError(
            "Index rows with NearDupFilter.offer or add_reference, which store their signatures."
        )

    def remove(self, *keys: Hashable, **kwargs: Any) -> None:
        raise InsertOnlyError("A near-duplicate filter only grows: build a new one instead.")

    def remove_val(self, key: Hashable, val: Any, **kwargs: Any) -> None:
        raise InsertOnlyError("A near-duplicate filter only grows: build a new one instead.")

    def size(self) -> int:
        return np.unique(self._table.keys()).size

    def itemcounts(self, **kwargs: Any) -> dict[Hashable, int]:
        keys, counts = np.unique(self._table.keys(), return_counts=True)
        return dict(zip(keys.tolist(), counts.tolist()))

    def has_key(self, key: Hashable) -> bool:
        return bool(self.get(key))


class NoKeys(OrderedStorage):
    """The LSH's key-to-bands storage, kept empty: it serves only removal, which the filter never does."""

    def keys(self) -> Iterable[Hashable]:
        return ()

    def get(self, key: Hashable) -> list[Any]:
        return []

    def insert(self, key: Hashable, *vals: Any, **kwargs: Any) -> None:
        pass

    def remove(self, *keys: Hashable, **kwargs: Any) -> None:
        raise InsertOnlyError("A near-duplicate filter only grows: build a new one instead.")

    def remove_val(self, key: Hashable, val: Any, **kwargs: Any) -> None:
        raise InsertOnlyError("A near-duplicate filter only grows: build a new one instead.")

    def size(self) -> int:
        return 0

    def itemcounts(self, **kwargs: Any) -> dict[Hashable, int]:
        return {}

    def has_key(self, key: Hashable) -> bool:
        return False
