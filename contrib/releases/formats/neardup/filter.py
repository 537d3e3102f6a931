"""Streaming near-duplicate removal with MinHash LSH, within a release and against the previous one."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import Self

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from contrib.releases.formats.neardup.index import BandIndex, NoKeys, band_key, band_keys
from contrib.releases.formats.neardup.records import RecordFile, encode_keys
from contrib.releases.formats.neardup.signatures import SCHEME, Signer
from contrib.submissions.checks.neardup import EXAMPLE_SHINGLE_WORDS

#: datasketch's (false positive, false negative) weights for choosing bands: candidates are checked against
#: the signatures anyway, so a missed near duplicate costs more than a spurious candidate.
RECALL_WEIGHTS = (0.1, 0.9)
#: Rows matched and indexed together: large enough to amortise numpy, small enough to stay flat.
BATCH = 4096
# Candidate pairs compared at a time, to bound memory when a band key is shared by many rows.
_PAIRS = 8192


@dataclass(frozen=True)
class Match:
    """The earlier (or reference) row a near duplicate repeats, and their estimated Jaccard similarity."""

    key: str
    similarity: float
    reference: bool


class NearDupFilter:
    """Keeps the first of each group of near-duplicate texts, offered in order, and drops the rest.

    Reference texts (the previous published release) are matched against but never dropped. Only the LSH
    index stays in memory (~60 bytes a row); the keys and signatures of indexed rows go to an unnamed
    temporary file in ``spill_dir``, and the texts nowhere. The result depends only on the order of the rows,
    not on how they are batched. Close the filter, or use it as a context manager, to drop the file;
    collecting it does too.
    """

    def __init__(
        self,
        threshold: float,
        num_perm: int = 64,
        seed: int = 1,
        *,
        shingle_words: int = 0,
        weights: tuple[float, float] = RECALL_WEIGHTS,
        spill_dir: str | Path | None = None,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(
                f"threshold must be in (0, 1], got {threshold}: pass a Jaccard similarity like 0.9."
            )
        self.threshold = threshold
        self.num_perm = num_perm
        self.seed = seed
        self.shingle_words = shingle_words or EXAMPLE_SHINGLE_WORDS
        self._signer = Signer(num_perm, seed, self.shingle_words)
        # a pair matches when (equal values) / num_perm >= threshold, in floats: the least such count
        self._least_equal = next(equal for equal in range(num_perm + 1) if equal / num_perm >= threshold)
        # datasketch chooses the bands and rows, and answers lsh.query from the filter's own index
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=weights, hashfunc=band_key)
        self._index = BandIndex(len(self._lsh.hashranges))
        self._lsh.hashtables = self._index.storages()
        self._lsh.keys = NoKeys()
        self._references = _Ranges()
        self._records = RecordFile(num_perm, spill_dir)
        self.kept = 0
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._index)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Delete the temporary file of signatures; the filter is unusable after."""
        self._records.close()

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
        matrix, present = self._signer.matrix(texts)
        rows = iter(matrix)
        return [next(rows) if has else None for has in present.tolist()]

    def minhash(self, text: str) -> LeanMinHash | None:
        """The datasketch MinHash of ``text`` (for persisting with :func:`signature_bytes`), or None."""
        (values,) = self.signatures([text])
        return None if values is None else LeanMinHash(seed=self.seed, hashvalues=values, scheme=SCHEME)

    # -- the filter ---------------------------------------------------------------------------------

    def add_reference(self, key: str, text: str) -> None:
        """Index ``text`` of the previous release under ``key``: later rows are matched against it."""
        (values,) = self.signatures([text])
        if values is not None:
            self.add_reference_signatures([(key, values)])

    def add_reference_signature(self, key: str, minhash: LeanMinHash | np.ndarray) -> None:
        """Index a persisted signature of the previous release (see :func:`read_signatures`) under ``key``."""
        self.add_reference_signatures([(key, minhash)])

    def add_reference_signatures(self, pairs: Iterable[tuple[str, LeanMinHash | np.ndarray]]) -> int:
        """:meth:`add_reference_signature` for each (key, signature), a batch at a time; return how many."""
        count = 0
        items = iter(pairs)
        while batch := list(islice(items, BATCH)):
            matrix = np.stack([self._checked(values) for _, values in batch])
            first = len(self)
            self._add(encode_keys([key for key, _ in batch]), matrix)
            self._references.add(first, len(self))
            count += len(batch)
        return count

    def offer(self, key: str, text: str) -> Match | None:
        """None when ``text`` is kept (it is then indexed under ``key``); else the match that makes it a
        near duplicate, and it is not indexed. A text without words is kept and not indexed."""
        return self._offer_batch([(key, text)])[0]

    def offer_many(self, items: Iterable[tuple[str, str]]) -> list[Match | None]:
        """:meth:`offer` for each (key, text) in order, a batch at a time: the same results, as a row is
        matched against the earlier rows of its batch too."""
        return [match for _, match in self.stream(items)]

    def stream(self, items: Iterable[tuple[str, str]]) -> Iterator[tuple[str, Match | None]]:
        """(key, :meth:`offer` result) for each (key, text), lazily, a batch at a time: flat in memory."""
        rows = iter(items)
        while batch := list(islice(rows, BATCH)):
            yield from zip((key for key, _ in batch), self._offer_batch(batch))

    def kept_signatures(self) -> Iterator[tuple[str, np.ndarray]]:
        """(key, hash values) of every kept row, in the order offered, for :func:`write_signatures`."""
        for first, records in self._records.scan(len(self._records)):
            kept = ~self._references.mask(first, first + records.size)
            keys = records["key"][kept].tolist()
            values = records["values"][kept].astype(np.uint32)
            for key, row in zip(keys, values):
                yield key.decode("utf-8"), row

    # -- inside ---------------------------------------------------------------------------------------

    def _offer_batch(self, batch: Sequence[tuple[str, str]]) -> list[Match | None]:
        """Match a batch in numpy, looping in Python only over the rows with candidates, then index the kept.

        A row's candidates are the indexed rows and the earlier rows of the batch it shares a band key with;
        those of the batch count only if kept, which is why they are gone through in order.
        """
        keys = encode_keys([key for key, _ in batch])
        matrix, present = self._signer.matrix([text for _, text in batch])
        row_of = np.flatnonzero(present)  # the batch row of each signature
        bands = band_keys(matrix, self._lsh.hashranges)
        indexed = self._indexed_matches(matrix, bands)
        shared = _shared_keys(bands)
        results: list[Match | None] = [None] * len(batch)
        kept = np.ones(matrix.shape[0], dtype=bool)
        members: dict[int, list[int]] = {}  # a band key shared in the batch: its kept signatures so far
        for i in sorted(indexed.keys() | shared.keys()):
            groups = shared.get(i, ())
            equal, match = indexed.get(i, (-1, None))
            earlier = sorted({j for group in groups for j in members.get(group, ())})
            counts = np.count_nonzero(matrix[earlier] == matrix[i], axis=1).tolist() if earlier else []
            for j, count in zip(earlier, counts):  # after the indexed rows, earliest first: ties keep them
                if count >= self._least_equal and count > equal:
                    equal, match = count, self._match(keys[row_of[j]], count, reference=False)
            if match is None:
                for group in groups:
                    members.setdefault(group, []).append(i)
            else:
                kept[i] = False
                results[row_of[i]] = match
        self._add([keys[row] for row in row_of[kept].tolist()], matrix[kept], bands[kept])
        dropped = matrix.shape[0] - int(np.count_nonzero(kept))
        self.kept += len(batch) - dropped
        self.dropped += dropped
        return results

    def _indexed_matches(self, matrix: np.ndarray, bands: np.ndarray) -> dict[int, tuple[int, Match]]:
        """Per signature with a match among the indexed rows: (equal values, the best match), the most similar
        and then the earliest."""
        rows, positions = self._index.candidates(bands)
        best: dict[int, tuple[int, int]] = {}
        for start in range(0, rows.size, _PAIRS):
            # pairs come sorted by row, then position: of equally similar rows, the earliest is seen first
            chunk_rows, chunk_positions = rows[start : start + _PAIRS], positions[start : start + _PAIRS]
            unique, inverse = np.unique(chunk_positions, return_inverse=True)
            stored = self._records.read(unique.tolist())["values"]
            equal = np.count_nonzero(matrix[chunk_rows] == stored[inverse], axis=1)
            near = equal >= self._least_equal
            for row, position, count in zip(
                chunk_rows[near].tolist(), chunk_positions[near].tolist(), equal[near].tolist()
            ):
                if count > best.get(row, (-1, 0))[0]:
                    best[row] = (count, position)
        if not best:
            return {}
        records = self._records.read([position for _, position in best.values()])
        return {
            row: (count, self._match(key, count, reference=position in self._references))
            for (row, (count, position)), key in zip(best.items(), records["key"].tolist())
        }

    def _match(self, key: bytes, equal: int, *, reference: bool) -> Match:
        return Match(key=key.decode("utf-8"), similarity=equal / self.num_perm, reference=reference)

    def _add(self, keys: Sequence[bytes], matrix: np.ndarray, bands: np.ndarray | None = None) -> None:
        """Append the records of signatures and index them at the next positions."""
        if not keys:
            return
        self._records.append(keys, matrix)
        self._index.add(band_keys(matrix, self._lsh.hashranges) if bands is None else bands)

    def _checked(self, minhash: LeanMinHash | np.ndarray) -> np.ndarray:
        values = np.asarray(getattr(minhash, "hashvalues", minhash), dtype=np.uint32)
        if values.shape != (self.num_perm,):
            raise ValueError(
                f"The signature has {values.size} hash values, the filter {self.num_perm}: build the filter "
                "with the num_perm the signatures were written with."
            )
        if getattr(minhash, "seed", self.seed) != self.seed:
            raise ValueError("The signature was made with another seed: build the filter with its seed.")
        return values


def _shared_keys(bands: np.ndarray) -> dict[int, list[int]]:
    """Per signature that shares a band key with another of the batch: ids of those (band, key) pairs."""
    count, width = bands.shape
    if count < 2:
        return {}
    pairs = (np.arange(width, dtype=np.uint64) << np.uint64(32)) | bands.astype(np.uint64)
    _, group, sizes = np.unique(pairs.ravel(), return_inverse=True, return_counts=True)
    entries = np.flatnonzero(sizes[group] > 1)
    shared: dict[int, list[int]] = {}
    for row, key in zip((entries // width).tolist(), group[entries].tolist()):
        shared.setdefault(row, []).append(key)
    return shared


class _Ranges:
    """Positions in sorted disjoint [start, stop) runs: the references, which usually come in one run."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._stops: list[int] = []

    def add(self, start: int, stop: int) -> None:
        if self._stops and self._stops[-1] == start:
            self._stops[-1] = stop
        elif stop > start:
            self._starts.append(start)
            self._stops.append(stop)

    def __contains__(self, position: int) -> bool:
        run = bisect_right(self._starts, position) - 1
        return run >= 0 and position < self._stops[run]

    def mask(self, start: int, stop: int) -> np.ndarray:
        """Whether each position of [start, stop) is in a run."""
        inside = np.zeros(stop - start, dtype=bool)
        for run in range(max(bisect_right(self._starts, start) - 1, 0), bisect_right(self._starts, stop)):
            inside[max(self._starts[run], start) - start : max(min(self._stops[run], stop) - start, 0)] = True
        return inside
