"""Near-duplicate detection with MinHash: which leaves, and which of their examples, collide."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from datasketch import MinHash, MinHashLSH

from taxonomy.format.marks import yaml_path

#: Words per shingle for whole leaves.
SHINGLE_WORDS = 5
#: Words per shingle for single questions and answers, which are too short for SHINGLE_WORDS.
EXAMPLE_SHINGLE_WORDS = 3

# Pinned so sketches stay comparable across datasketch upgrades, whose default scheme may change.
_SCHEME = "affine32"
# Candidates are fetched well below any threshold a caller uses, so the banding loses few true matches.
_LSH_THRESHOLD = 0.3

_PUNCTUATION = re.compile(r"[^\w\s]|_")
_TEXT_KEYS = ("context", "question", "answer")


@dataclass(frozen=True)
class Match:
    """A leaf or submission in the index and its estimated Jaccard similarity to the queried leaf."""

    key: str
    similarity: float


class ExampleMatch(NamedTuple):
    """A text of ours (its YAML path) that nearly repeats one of theirs, with their exact shingle Jaccard."""

    ours: str
    theirs: str
    similarity: float


def leaf_items(data: Any) -> list[tuple[str, str]]:
    """(YAML path, text) of each context, question and answer of a parsed qna.yaml of any kind and version."""
    return [(yaml_path(path), text) for path, text in _items(data)]


def leaf_texts(data: Any) -> list[str]:
    """Each non-empty context, question and answer of a parsed qna.yaml, in document order."""
    return [text for _, text in _items(data)]


def _items(data: Any) -> Iterator[tuple[tuple[Any, ...], str]]:
    examples = data.get("seed_examples") if isinstance(data, Mapping) else None
    if not isinstance(examples, list):
        return
    for index, example in enumerate(examples):
        if not isinstance(example, Mapping):
            continue
        for key in _TEXT_KEYS:
            if isinstance(example.get(key), str) and example[key].strip():
                yield ("seed_examples", index, key), example[key]
        pairs = example.get("questions_and_answers")
        if isinstance(pairs, list):
            for inner, pair in enumerate(pairs):
                if not isinstance(pair, Mapping):
                    continue
                for key in ("question", "answer"):
                    if isinstance(pair.get(key), str) and pair[key].strip():
                        yield ("seed_examples", index, "questions_and_answers", inner, key), pair[key]


def normalize(text: str) -> list[str]:
    """The words of ``text``, casefolded, without punctuation."""
    return _PUNCTUATION.sub(" ", text.casefold()).split()


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[str]:
    """The word k-shingles of ``text`` after normalising; a text shorter than ``k`` words is one shingle."""
    words = normalize(text)
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> Any:
    # generating the permutations costs more than hashing a leaf, so each (num_perm, seed) does it once
    return MinHash(num_perm=num_perm, seed=seed, scheme=_SCHEME).permutations


def minhash(texts: Iterable[str], num_perm: int = 128, seed: int = 1, *, k: int = SHINGLE_WORDS) -> MinHash:
    """The MinHash of the union of the shingles of ``texts``; equal in every process for equal input."""
    sketch = MinHash(num_perm=num_perm, seed=seed, permutations=_permutations(num_perm, seed), scheme=_SCHEME)
    tokens: set[str] = set()
    for text in texts:
        tokens |= shingles(text, k)
    if tokens:
        sketch.update_batch([token.encode("utf-8") for token in sorted(tokens)])
    return sketch


class NearDupIndex:
    """Leaves and submissions, by key, indexed for finding the ones a new leaf nearly repeats."""

    def __init__(
        self, leaves: Mapping[str, Any] | None = None, *, num_perm: int = 128, seed: int = 1
    ) -> None:
        self.num_perm = num_perm
        self.seed = seed
        self._lsh = MinHashLSH(threshold=_LSH_THRESHOLD, num_perm=num_perm)
        self._sketches: dict[str, MinHash] = {}
        for key, data in (leaves or {}).items():
            self.add(key, data)

    def __len__(self) -> int:
        return len(self._sketches)

    def __contains__(self, key: object) -> bool:
        return key in self._sketches

    def add(self, key: str, data: Any) -> None:
        """Index leaf ``data`` under ``key``, replacing what the key held; a leaf without text is skipped."""
        self.remove(key)
        sketch = self._sketch(data)
        if sketch is None:
            return
        self._sketches[key] = sketch
        self._lsh.insert(key, sketch, check_duplication=False)

    def remove(self, key: str) -> None:
        if self._sketches.pop(key, None) is not None:
            self._lsh.remove(key)

    def query(
        self, data: Any, k: int = 5, threshold: float = 0.5, *, exclude: Iterable[str] = ()
    ) -> list[Match]:
        """Up to ``k`` indexed leaves whose estimated Jaccard similarity to ``data`` is at least
        ``threshold``, most similar first (ties by key); keys in ``exclude`` (say, the leaf a submission
        updates) are left out."""
        sketch = self._sketch(data)
        if sketch is None or k <= 0:
            return []
        if threshold >= _LSH_THRESHOLD:
            candidates: Iterable[str] = self._lsh.query(sketch)
        else:
            candidates = self._sketches  # below the banding's threshold only a full scan finds them all
        skip = set(exclude)
        matches = []
        for key in candidates:
            if key in skip:
                continue
            similarity = float(sketch.jaccard(self._sketches[key]))
            if similarity >= threshold:
                matches.append(Match(key=key, similarity=similarity))
        matches.sort(key=lambda match: (-match.similarity, match.key))
        return matches[:k]

    def _sketch(self, data: Any) -> MinHash | None:
        texts = leaf_texts(data)
        if not any(normalize(text) for text in texts):
            return None  # an empty sketch would look identical to every other empty one
        return minhash(texts, self.num_perm, self.seed)


def example_matches(data: Any, other_data: Any, threshold: float = 0.7) -> list[ExampleMatch]:
    """Pairs of texts of the same field (question with question, answer with answer, context with context)
    whose word-shingle Jaccard similarity is at least ``threshold``, most similar first."""
    theirs = [
        (path, field, shingles(text, EXAMPLE_SHINGLE_WORDS)) for path, field, text in _fielded(other_data)
    ]
    postings: dict[tuple[str, str], list[int]] = defaultdict(list)
    for position, (_, field, tokens) in enumerate(theirs):
        for token in tokens:
            postings[field, token].append(position)
    matches = []
    for path, field, text in _fielded(data):
        tokens = shingles(text, EXAMPLE_SHINGLE_WORDS)
        candidates = {position for token in tokens for position in postings.get((field, token), ())}
        for position in sorted(candidates):
            other_path, _, other_tokens = theirs[position]
            similarity = len(tokens & other_tokens) / len(tokens | other_tokens)
            if similarity >= threshold:
                matches.append(ExampleMatch(ours=path, theirs=other_path, similarity=similarity))
    matches.sort(key=lambda match: -match.similarity)
    return matches


def _fielded(data: Any) -> Iterator[tuple[str, str, str]]:
    for path, text in _items(data):
        yield yaml_path(path), path[-1], text
