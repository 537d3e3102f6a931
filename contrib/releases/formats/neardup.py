"""Streaming near-duplicate removal with MinHash LSH, within a release and against the previous one."""

from __future__ import annotations

import struct
import zlib
from array import array
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
from datasketch import LeanMinHash, MinHashLSH
from datasketch.storage import OrderedStorage, UnorderedStorage

from contrib.submissions.checks.neardup import _PUNCTUATION, EXAMPLE_SHINGLE_WORDS, normalize

#: The permutation scheme; pinned so persisted signatures stay comparable across datasketch upgrades.
SCHEME = "affine32"
#: datasketch's (false positive, false negative) weights for choosing bands: candidates are checked against
#: the signatures anyway, so a missed near duplicate costs more than a spurious candidate.
RECALL_WEIGHTS = (0.1, 0.9)
#: Rows whose signatures are computed together: large enough to amortise numpy, small enough to stay flat.
BATCH = 512

# Odd multipliers mixing the word hashes of a shingle in order; the scheme's fmix then spreads the sum.
_MIX = (np.uint32(0x9E3779B1), np.uint32(0x85EBCA77), np.uint32(0xC2B2AE3D))
# Odd 64-bit multipliers turning the r values of a band into one key.
_BAND_MIX = (np.random.default_rng(20261124).integers(0, 1 << 63, size=1024, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
_CHUNK = 4096
# ASCII characters the shared normalize() turns into a space, for a regex-free path on ASCII text
_ASCII_PUNCTUATION = {c: " " for c in range(128) if _PUNCTUATION.match(chr(c))}
_WORD_CACHE_LIMIT = 1 << 18
_MAGIC = b"SBNDSIG1"
_HEADER = struct.Struct("<8sHqH")
_KEY_LENGTH = struct.Struct("<H")


class InsertOnlyError(TypeError):
    """Raised by the filter's LSH storage on removal, which a build never needs."""


@dataclass(frozen=True)
class Match:
    """The earlier (or reference) row a near duplicate repeats, and their estimated Jaccard similarity."""

    key: str
    similarity: float
    reference: bool


class NearDupFilter:
    """Keeps the first of each group of near-duplicate texts, offered one by one, and drops the rest.

    Reference texts (the previous published release) are matched against but never dropped. Only the
    signatures and the LSH index are kept, never the texts. The result depends only on the order of calls.
    """

    def __init__(
        self,
        threshold: float,
        num_perm: int = 64,
        seed: int = 1,
        *,
        shingle_words: int = 0,
        weights: tuple[float, float] = RECALL_WEIGHTS,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}: pass a Jaccard similarity like 0.9.")
        self.threshold = threshold
        self.num_perm = num_perm
        self.seed = seed
        self.shingle_words = shingle_words or EXAMPLE_SHINGLE_WORDS
        a, b = _permutations(num_perm, seed)
        self._a = a.reshape(-1, 1)
        self._b = b.reshape(-1, 1)
        # datasketch chooses the bands and rows; its tables are swapped for compact ones, since its default
        # storage costs ~2 KB a row (2 GB at a million rows), and the filter never removes a key
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=weights, hashfunc=_band_key)
        self._tables = [_BandTable() for _ in self._lsh.hashtables]
        self._lsh.hashtables = self._tables  # type: ignore[assignment]
        self._lsh.keys = _NoKeys()
        self._keys: list[str] = []
        self._references: list[bool] = []
        self._chunks: list[np.ndarray] = []
        self._word_hashes = _WordHashes()
        self.kept = 0
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def lsh(self) -> MinHashLSH:
        """The datasketch index: ``lsh.query(filter.minhash(text))`` gives the positions of candidate rows."""
        return self._lsh

    @property
    def bands(self) -> tuple[int, int]:
        """(bands, rows per band) datasketch chose for the threshold."""
        return self._lsh.b, self._lsh.r

    # -- signatures ---------------------------------------------------------------------------------

    def signatures(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        """The MinHash hash values (uint32, num_perm) of each text; None for a text without words."""
        matrix, present = self._signature_matrix(texts)
        rows = iter(matrix)
        return [next(rows) if has else None for has in present]

    def minhash(self, text: str) -> LeanMinHash | None:
        """The datasketch MinHash of ``text`` (for persisting with :func:`signature_bytes`), or None."""
        (values,) = self.signatures([text])
        return None if values is None else LeanMinHash(seed=self.seed, hashvalues=values, scheme=SCHEME)

    # -- the filter ---------------------------------------------------------------------------------

    def add_reference(self, key: str, text: str) -> None:
        """Index ``text`` of the previous release under ``key``: later rows are matched against it."""
        (values,) = self.signatures([text])
        if values is not None:
            self._index(key, values, self._band_keys(values.reshape(1, -1))[0], reference=True)

    def add_reference_signature(self, key: str, minhash: LeanMinHash | np.ndarray) -> None:
        """Index a persisted signature of the previous release (see :func:`read_signatures`) under ``key``."""
        values = np.asarray(getattr(minhash, "hashvalues", minhash), dtype=np.uint32)
        if values.shape != (self.num_perm,):
            raise ValueError(
                f"The signature has {values.size} hash values, the filter {self.num_perm}: build the filter "
                "with the num_perm the signatures were written with."
            )
        if getattr(minhash, "seed", self.seed) != self.seed:
            raise ValueError("The signature was made with another seed: build the filter with its seed.")
        self._index(key, values, self._band_keys(values.reshape(1, -1))[0], reference=True)

    def offer(self, key: str, text: str) -> Match | None:
        """None when ``text`` is kept (it is then indexed under ``key``); else the match that makes it a
        near duplicate, and it is not indexed. A text without words is kept and not indexed."""
        return self._offer_batch([(key, text)])[0]

    def offer_many(self, items: Iterable[tuple[str, str]]) -> list[Match | None]:
        """:meth:`offer` for each (key, text) in order, with signatures computed a batch at a time."""
        return [match for _, match in self.stream(items)]

    def stream(self, items: Iterable[tuple[str, str]]) -> Iterator[tuple[str, Match | None]]:
        """(key, :meth:`offer` result) for each (key, text), lazily, a batch at a time: flat in memory.

        The same as calling :meth:`offer` on each in turn: a row is matched against earlier rows of its batch.
        """
        batch: list[tuple[str, str]] = []
        for item in items:
            batch.append(item)
            if len(batch) >= BATCH:
                yield from zip((key for key, _ in batch), self._offer_batch(batch))
                batch = []
        if batch:
            yield from zip((key for key, _ in batch), self._offer_batch(batch))

    def kept_signatures(self) -> Iterator[tuple[str, np.ndarray]]:
        """(key, hash values) of every kept row, in the order offered, for :func:`write_signatures`."""
        for position, key in enumerate(self._keys):
            if not self._references[position]:
                yield key, self._values(position)

    def _offer_batch(self, batch: list[tuple[str, str]]) -> list[Match | None]:
        matrix, present = self._signature_matrix([text for _, text in batch])
        band_keys = self._band_keys(matrix).tolist()
        results: list[Match | None] = []
        row = 0
        for (key, _), has in zip(batch, present):
            if not has:
                self.kept += 1
                results.append(None)
                continue
            values, keys = matrix[row], band_keys[row]
            row += 1
            match = self._best_match(values, keys)
            if match is None:
                self._index(key, values, keys, reference=False)
                self.kept += 1
            else:
                self.dropped += 1
            results.append(match)
        return results

    def _best_match(self, values: np.ndarray, band_keys: list[int]) -> Match | None:
        candidates: set[int] = set()
        for table, band_key in zip(self._tables, band_keys):
            table.collect(band_key, candidates)
        best: tuple[float, int] | None = None
        for position in sorted(candidates):  # earliest first, so ties go to the earliest row
            similarity = float(np.count_nonzero(self._values(position) == values)) / self.num_perm
            if similarity >= self.threshold and (best is None or similarity > best[0]):
                best = (similarity, position)
        if best is None:
            return None
        similarity, position = best
        return Match(key=self._keys[position], similarity=similarity, reference=self._references[position])

    def _index(self, key: str, values: np.ndarray, band_keys: list[int], *, reference: bool) -> None:
        position = len(self._keys)
        if position % _CHUNK == 0:
            self._chunks.append(np.empty((_CHUNK, self.num_perm), dtype=np.uint32))
        self._chunks[-1][position % _CHUNK] = values
        self._keys.append(key)
        self._references.append(reference)
        for table, band_key in zip(self._tables, band_keys):
            table.add(band_key, position)

    def _values(self, position: int) -> np.ndarray:
        return self._chunks[position // _CHUNK][position % _CHUNK]

    def _band_keys(self, matrix: np.ndarray) -> np.ndarray:
        """The key of each band of each signature: what MinHashLSH computes with ``hashfunc=_band_key``."""
        keys = np.empty((matrix.shape[0], len(self._lsh.hashranges)), dtype=np.uint32)
        wide = matrix.astype(np.uint64)
        for band, (start, end) in enumerate(self._lsh.hashranges):
            keys[:, band] = _fold(wide[:, start:end] @ _BAND_MIX[: end - start])
        return keys

    def _signature_matrix(self, texts: Sequence[str]) -> tuple[np.ndarray, list[bool]]:
        k = self.shingle_words
        cache = self._word_hashes
        if len(cache) > _WORD_CACHE_LIMIT:
            cache.clear()
        flat: list[int] = []
        counts: list[int] = []
        present: list[bool] = []
        for text in texts:
            # the words of the shared normalize(), without its regex when the text is ASCII
            words = text.lower().translate(_ASCII_PUNCTUATION).split() if text.isascii() else normalize(text)
            present.append(bool(words))
            if not words:
                continue
            flat.extend(map(cache.__getitem__, words))
            if len(words) < k:
                flat.extend([0] * (k - len(words)))  # a text shorter than k words is one shingle
            counts.append(max(len(words) - k + 1, 1))
        if not counts:
            return np.empty((0, self.num_perm), dtype=np.uint32), present
        words_array = np.array(flat, dtype=np.uint32)
        sizes = np.array(counts, dtype=np.int64)
        # shingle j of a text starts at its word j; texts are laid end to end, each k - 1 words longer
        # than its shingle count
        text_starts = np.concatenate(([0], np.cumsum(sizes + (k - 1))[:-1]))
        shingle_starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        positions = np.arange(int(sizes.sum())) + np.repeat(text_starts - shingle_starts, sizes)
        mixed = np.zeros(positions.size, dtype=np.uint32)
        for offset in range(k):
            mixed += words_array[positions + offset] * _MIX[offset % len(_MIX)]
        # permutations by shingles, so each text's shingles are contiguous for the min: far faster than rows
        permuted = self._a * _fmix32(mixed).reshape(1, -1)
        permuted += self._b
        return np.ascontiguousarray(np.minimum.reduceat(permuted, shingle_starts, axis=1).T), present


def signature_bytes(minhash: LeanMinHash) -> bytes:
    """``minhash`` serialised by datasketch (little-endian), to persist a release's signatures."""
    lean = minhash if isinstance(minhash, LeanMinHash) else LeanMinHash(minhash)
    buf = bytearray(lean.bytesize(byteorder="<"))
    lean.serialize(buf, byteorder="<")
    return bytes(buf)


def from_bytes(data: bytes) -> LeanMinHash:
    """The MinHash :func:`signature_bytes` wrote."""
    return LeanMinHash.deserialize(data, byteorder="<")


def write_signatures(fp: BinaryIO, items: Iterable[tuple[str, np.ndarray]], *, num_perm: int, seed: int) -> int:
    """Write (key, hash values) pairs, e.g. :meth:`NearDupFilter.kept_signatures`, to ``fp``; return how many.

    The format is a fixed header then, per row, the key's UTF-8 length, the key, and num_perm uint32
    little-endian: streamed both ways, and byte-identical for the same rows.
    """
    fp.write(_HEADER.pack(_MAGIC, 1, seed, num_perm))
    count = 0
    for key, values in items:
        encoded = key.encode("utf-8")
        fp.write(_KEY_LENGTH.pack(len(encoded)))
        fp.write(encoded)
        fp.write(np.asarray(values, dtype="<u4").tobytes())
        count += 1
    return count


def read_signatures(fp: BinaryIO) -> tuple[int, int, Iterator[tuple[str, np.ndarray]]]:
    """(num_perm, seed, (key, hash values) pairs) of a file :func:`write_signatures` wrote."""
    header = fp.read(_HEADER.size)
    if len(header) != _HEADER.size or header[:8] != _MAGIC:
        raise ValueError("Not a signature file written by write_signatures: rebuild the previous release's file.")
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


class _BandTable(UnorderedStorage):
    """One LSH band: 32-bit band key to row positions, in open-addressed arrays of 8 bytes a slot.

    Insert-only. A dict of sets (datasketch's default) costs ~350 bytes a row a band; this costs ~20.
    """

    def __init__(self, capacity: int = 1 << 14) -> None:
        self._keys = array("I", bytes(4 * capacity))
        self._positions = array("i", [-1]) * capacity
        self._mask = capacity - 1
        self._count = 0

    def keys(self) -> Iterable[Hashable]:
        return sorted({key for key, position in zip(self._keys, self._positions) if position >= 0})

    def get(self, key: Hashable) -> list[Any]:
        keys, positions, mask = self._keys, self._positions, self._mask
        slot = int(key) & mask  # type: ignore[call-overload]
        found = []
        while (position := positions[slot]) >= 0:
            if keys[slot] == key:
                found.append(position)
            slot = (slot + 1) & mask
        return found

    def collect(self, key: int, found: set[int]) -> None:
        """Add the positions stored under ``key`` to ``found``: :meth:`get` without a list or int()."""
        keys, positions, mask = self._keys, self._positions, self._mask
        slot = key & mask
        while (position := positions[slot]) >= 0:
            if keys[slot] == key:
                found.add(position)
            slot = (slot + 1) & mask

    def add(self, key: int, position: int) -> None:
        """:meth:`insert` of one position under an int key, inlined for the filter's hot loop."""
        self._count += 1
        if 2 * self._count > self._mask + 1:
            self._grow()
        positions, mask = self._positions, self._mask
        slot = key & mask
        while positions[slot] >= 0:
            slot = (slot + 1) & mask
        self._keys[slot] = key
        positions[slot] = position

    def insert(self, key: Hashable, *vals: Any, **kwargs: Any) -> None:
        for value in vals:
            if 2 * (self._count + 1) > len(self._positions):
                self._grow()
            self._put(int(key), int(value))  # type: ignore[call-overload]
            self._count += 1

    def _put(self, key: int, position: int) -> None:
        positions, mask = self._positions, self._mask
        slot = key & mask
        while positions[slot] >= 0:
            slot = (slot + 1) & mask
        self._keys[slot] = key
        positions[slot] = position

    def _grow(self) -> None:
        old = list(zip(self._keys, self._positions))
        capacity = 2 * len(self._positions)
        self._keys = array("I", bytes(4 * capacity))
        self._positions = array("i", [-1]) * capacity
        self._mask = capacity - 1
        for key, position in old:
            if position >= 0:
                self._put(key, position)

    def remove(self, *keys: Hashable, **kwargs: Any) -> None:
        raise InsertOnlyError("A near-duplicate filter only grows: build a new one instead.")

    def remove_val(self, key: Hashable, val: Any, **kwargs: Any) -> None:
        raise InsertOnlyError("A near-duplicate filter only grows: build a new one instead.")

    def size(self) -> int:
        return len(list(self.keys()))

    def itemcounts(self, **kwargs: Any) -> dict[Hashable, int]:
        return {key: len(self.get(key)) for key in self.keys()}

    def has_key(self, key: Hashable) -> bool:
        return bool(self.get(key))


class _NoKeys(OrderedStorage):
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


class _WordHashes(dict[str, int]):
    """CRC-32 of words, computed on first use: deterministic in every process, unlike hash()."""

    def __missing__(self, word: str) -> int:
        value = self[word] = zlib.crc32(word.encode("utf-8"))
        return value


def _band_key(data: bytes) -> int:
    """The key of one band from its big-endian bytes, as MinHashLSH hands them to ``hashfunc``."""
    values = np.frombuffer(data, dtype=">u4").astype(np.uint64)
    return int(_fold(values @ _BAND_MIX[: values.size]))


def _fold(values: Any) -> Any:
    # the top 32 bits of the 64-bit mix, the best mixed
    return (np.asarray(values, dtype=np.uint64) >> np.uint64(32)).astype(np.uint32)


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
    return np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32)


def _fmix32(values: np.ndarray) -> np.ndarray:
    # MurmurHash3's finaliser, as datasketch's affine32 scheme applies to every input hash
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))
