"""Near-duplicate removal: planted near copies go, distinct rows stay, references are matched, all deterministic."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from datasketch import MinHash

from contrib.releases.formats.neardup import (
    SCHEME,
    NearDupFilter,
    from_bytes,
    read_signatures,
    signature_bytes,
    write_signatures,
)
from contrib.submissions.checks.neardup import EXAMPLE_SHINGLE_WORDS, shingles

VOCAB = [f"word{i}" for i in range(5000)]


def texts(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(VOCAB) for _ in range(rng.randint(25, 45))) + "?" for _ in range(count)]


def test_drops_planted_near_copies_and_keeps_distinct_rows() -> None:
    originals = texts(300)
    items = [(f"r{i}", text) for i, text in enumerate(originals)]
    # near copies: case, punctuation and spacing changed, and one word appended
    planted = {f"copy{i}": f"r{i}" for i in range(0, 300, 10)}
    for copy_key, original_key in planted.items():
        text = originals[int(original_key[1:])]
        items.append((copy_key, "  " + text.upper().replace(" ", " ,  ") + " indeed"))
    f = NearDupFilter(0.8)
    results = dict(f.stream(items))
    dropped = {key: match for key, match in results.items() if match is not None}
    assert set(dropped) == set(planted)
    for copy_key, match in dropped.items():
        assert match.key == planted[copy_key]
        assert match.similarity >= 0.8 and match.reference is False
    assert f.kept == 300 and f.dropped == len(planted)
    assert len(f) == 300  # dropped rows are not indexed


def test_offer_one_by_one_equals_streaming_and_is_deterministic() -> None:
    items = [(f"r{i}", text) for i, text in enumerate(texts(1200))]
    items += [(f"c{i}", items[i][1] + " again") for i in range(0, 1200, 7)]
    random.Random(3).shuffle(items)
    one = NearDupFilter(0.85)
    by_one = [(key, one.offer(key, text)) for key, text in items]
    streamed = list(NearDupFilter(0.85).stream(items))
    assert by_one == streamed == list(NearDupFilter(0.85).stream(items))
    assert sum(match is not None for _, match in streamed) >= 1200 // 7 - 5


def test_reference_rows_are_matched_but_never_dropped() -> None:
    previous = texts(50, seed=1)
    f = NearDupFilter(0.9)
    for i, text in enumerate(previous):
        f.add_reference(f"prev{i}", text)
    assert f.offer("new-copy", previous[4] + " .") == f.offer("again", previous[4])
    match = f.offer("new-copy-2", previous[4])
    assert match is not None and match.key == "prev4" and match.reference and match.similarity == 1.0
    assert f.offer("new-distinct", texts(1, seed=99)[0]) is None
    assert [key for key, _ in f.kept_signatures()] == ["new-distinct"]


def test_empty_text_is_kept_and_not_indexed() -> None:
    f = NearDupFilter(0.9)
    assert f.offer("a", " ?! ") is None and f.offer("b", "") is None
    assert len(f) == 0 and f.kept == 2


def test_short_texts_are_one_shingle() -> None:
    f = NearDupFilter(0.9)
    assert f.offer("a", "Yes") is None
    match = f.offer("b", "yes!")
    assert match is not None and match.key == "a"
    assert f.offer("c", "No") is None


def test_signatures_estimate_the_shingle_jaccard() -> None:
    f = NearDupFilter(0.5, num_perm=256)
    a, b = texts(2, seed=5)
    b = " ".join(a.split()[:20] + b.split()[:20])
    exact = len(shingles(a, EXAMPLE_SHINGLE_WORDS) & shingles(b, EXAMPLE_SHINGLE_WORDS)) / len(
        shingles(a, EXAMPLE_SHINGLE_WORDS) | shingles(b, EXAMPLE_SHINGLE_WORDS)
    )
    sa, sb = f.signatures([a, b])
    assert sa is not None and sb is not None
    assert abs(float(np.mean(sa == sb)) - exact) < 0.1


def test_signature_matches_datasketch_minhash_with_the_same_shingle_hashes() -> None:
    f = NearDupFilter(0.9)
    text = "the quick brown fox jumps"
    ours = f.minhash(text)
    assert ours is not None and ours.scheme == SCHEME and len(ours) == 64
    # the same shingle hashes fed to datasketch's own MinHash give the same hash values
    words = [f._word_hashes[w] for w in text.split()]
    mix = [0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D]
    hashes = [sum(w * m for w, m in zip(words[i : i + 3], mix)) % 2**32 for i in range(len(words) - 2)]
    reference = MinHash(num_perm=64, seed=1, scheme=SCHEME, hashfunc=lambda value: value)
    reference.update_batch(hashes)
    assert np.array_equal(reference.hashvalues, ours.hashvalues)


def test_the_datasketch_index_answers_queries() -> None:
    f = NearDupFilter(0.9)
    items = texts(20)
    for i, text in enumerate(items):
        f.offer(f"r{i}", text)
    minhash = f.minhash(items[7])
    assert minhash is not None and 7 in f.lsh.query(minhash)
    assert f.bands[0] * f.bands[1] <= 64


def test_signature_bytes_round_trip_and_persisted_references() -> None:
    f = NearDupFilter(0.9)
    minhash = f.minhash("a persisted signature of some earlier row")
    assert minhash is not None
    data = signature_bytes(minhash)
    assert signature_bytes(from_bytes(data)) == data
    assert np.array_equal(from_bytes(data).hashvalues, minhash.hashvalues)

    originals = texts(40, seed=2)
    first = NearDupFilter(0.9)
    for i, text in enumerate(originals):
        first.offer(f"v1-{i}", text)
    buffers = [io.BytesIO(), io.BytesIO()]
    for buffer in buffers:
        assert write_signatures(buffer, first.kept_signatures(), num_perm=64, seed=1) == 40
    assert buffers[0].getvalue() == buffers[1].getvalue()

    num_perm, seed, rows = read_signatures(io.BytesIO(buffers[0].getvalue()))
    second = NearDupFilter(0.9, num_perm=num_perm, seed=seed)
    for key, values in rows:
        second.add_reference_signature(key, values)
    second.add_reference_signature("lean", from_bytes(data))
    match = second.offer("v2-copy", originals[12])
    assert match is not None and match.key == "v1-12" and match.reference
    assert second.offer("v2-new", texts(1, seed=77)[0]) is None


def test_mismatched_signatures_are_refused() -> None:
    f = NearDupFilter(0.9, num_perm=64)
    with pytest.raises(ValueError, match="num_perm"):
        f.add_reference_signature("x", np.zeros(128, dtype=np.uint32))
    with pytest.raises(ValueError, match="threshold"):
        NearDupFilter(0)
    with pytest.raises(ValueError, match="signature file"):
        read_signatures(io.BytesIO(b"nonsense"))
