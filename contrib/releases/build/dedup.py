"""Stage 3 of a build: drop exact duplicates by their normalised hash, a batch at a time."""

from __future__ import annotations

import numpy as np

#: The table stays at most this full, so a probe finds its key or an empty slot within a few slots.
MAX_LOAD = 0.5


class SeenHashes:
    """The first 64 bits of every kept row's hash, in an open-addressed numpy table: 16-32 bytes a row.

    A Python set of digests costs ~100 bytes a row, 100 MB at a million rows; this keeps the build flat.
    Two distinct rows share a 64-bit prefix with a chance of about n^2 / 2^65 (3e-8 at a million rows).
    """

    def __init__(self, capacity: int = 1 << 16) -> None:
        if capacity & (capacity - 1):
            raise ValueError("capacity must be a power of two")
        self._table = np.zeros(capacity, dtype=np.uint64)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, keys: np.ndarray) -> np.ndarray:
        """Add ``keys`` (uint64); True where a key is new: not added before, and not earlier in ``keys``."""
        keys = np.asarray(keys, dtype=np.uint64)
        keys = np.where(keys == 0, np.uint64(1), keys)  # 0 marks an empty slot
        _, first = np.unique(keys, return_index=True)
        while (self._count + first.size) > MAX_LOAD * self._table.size:
            self._grow()
        new = np.zeros(keys.size, dtype=bool)
        new[first] = self._insert(keys[first])
        return new

    def _insert(self, keys: np.ndarray) -> np.ndarray:
        """Insert distinct ``keys`` with vectorised linear probing; True where a key was not in the table."""
        table = self._table
        mask = np.uint64(table.size - 1)
        inserted = np.zeros(keys.size, dtype=bool)
        pending = np.arange(keys.size)
        slots = keys & mask  # the keys are hash prefixes already: their low bits are uniform
        while pending.size:
            current = table[slots]
            done = current == keys[pending]  # already there
            empty = np.flatnonzero(current == 0)
            if empty.size:
                # several keys may reach one empty slot: the first of each claims it, the rest probe on
                _, first = np.unique(slots[empty], return_index=True)
                winners = empty[first]
                table[slots[winners]] = keys[pending[winners]]
                inserted[pending[winners]] = True
                done[winners] = True
                self._count += winners.size
            # a key facing another key moves one slot on; a loser of an empty slot re-reads it (now taken)
            occupied = current != 0
            slots = np.where(occupied, (slots + np.uint64(1)) & mask, slots)
            pending, slots = pending[~done], slots[~done]
        return inserted

    def _grow(self) -> None:
        old = self._table[self._table != 0]
        self._table = np.zeros(2 * self._table.size, dtype=np.uint64)
        self._count = 0
        self._insert(old)
