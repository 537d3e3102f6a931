"""Near-duplicate removal: planted near copies go, distinct rows stay, references are matched, all deterministic."""

from __future__ import annotations

import gc
import io
import os
import random
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash

from contrib.releases.formats.neardup import (
    SCHEME,
    Match,
    NearDupFilter,
    from_bytes,
    read_signatures,
    signature_bytes,
    write_signatures,
)
from contrib.releases.formats.neardup.index import BandIndex
from contrib.submissions.checks.neardup import EXAMPLE_SHINGLE_WORDS, normalize, shingles

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


def datasketch_values(text: str, num_perm: int = 64, k: int = EXAMPLE_SHINGLE_WORDS) -> np.ndarray:
    """datasketch's MinHash of the shingles of normalize()'s words, each hashed as the filter documents."""
    words = [zlib.crc32(word.encode("utf-8")) for word in normalize(text)]
    words += [0] * (k - len(words))  # a text shorter than k words is one shingle
    mix = [0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D]
    hashes = [
        sum(w * mix[o % 3] for o, w in enumerate(words[i : i + k])) % 2**32 for i in range(len(words) - k + 1)
    ]
    reference = MinHash(num_perm=num_perm, seed=1, scheme=SCHEME, hashfunc=lambda value: value)
    reference.update_batch(hashes)
    return reference.hashvalues


def test_signature_matches_datasketch_minhash_with_the_same_shingle_hashes() -> None:
    f = NearDupFilter(0.9)
    text = "the quick brown fox jumps"
    ours = f.minhash(text)
    assert ours is not None and ours.scheme == SCHEME and len(ours) == 64
    # the same shingle hashes fed to datasketch's own MinHash give the same hash values
    words = [zlib.crc32(w.encode()) for w in text.split()]
    mix = [0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D]
    hashes = [sum(w * m for w, m in zip(words[i : i + 3], mix)) % 2**32 for i in range(len(words) - 2)]
    reference = MinHash(num_perm=64, seed=1, scheme=SCHEME, hashfunc=lambda value: value)
    reference.update_batch(hashes)
    assert np.array_equal(reference.hashvalues, ours.hashvalues)


def test_signatures_take_the_words_of_normalize_in_every_text() -> None:
    """The byte-table word splitting of ASCII texts agrees with normalize(), whatever the characters."""
    rng = random.Random(11)
    alphabet = [chr(c) for c in range(128)] + list("éßİÇ—“…😀中ǅﬁΣς\u00a0\u2003\u0307") + [" "] * 30
    tricky = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(200)]
    tricky += ["x" * 64, "y" * 65, "z" * 300 + " short words", "A_B", "one", "two words", "Straße İstanbul"]
    tricky += [" ".join(rng.choice(VOCAB) for _ in range(30)) for _ in range(10)]
    for k in (1, 3, 5):
        f = NearDupFilter(0.9, shingle_words=k)
        for text, values in zip(tricky, f.signatures(tricky)):
            if not normalize(text):
                assert values is None
            else:
                assert values is not None and np.array_equal(values, datasketch_values(text, k=k)), text


def test_the_datasketch_index_answers_queries() -> None:
    f = NearDupFilter(0.9)
    items = texts(20)
    for i, text in enumerate(items):
        f.offer(f"r{i}", text)
    minhash = f.minhash(items[7])
    assert minhash is not None and 7 in f.lsh.query(minhash)
    assert f.bands[0] * f.bands[1] <= 64
    # a near copy shares a band with its original, and the index holds a key per indexed row and band
    near = f.minhash(items[3] + " indeed")
    assert near is not None and 3 in f.lsh.query(near)
    assert all(sum(table.itemcounts().values()) == 20 for table in f.lsh.hashtables)


def brute_force(f: NearDupFilter, items: list[tuple[str, str]], references: list[tuple[str, str]]) -> list:
    """What the filter should answer, from signatures(): each row against every earlier indexed row sharing a
    band (the LSH candidates), the most similar at or above the threshold, ties to the earliest."""
    keys: list[str] = []
    indexed = np.empty((0, f.num_perm), dtype=np.uint32)
    for key, values in zip([key for key, _ in references], f.signatures([text for _, text in references])):
        if values is not None:
            keys.append(key)
            indexed = np.vstack([indexed, values])
    results = []
    for (key, _), values in zip(items, f.signatures([text for _, text in items])):
        best = None
        if values is not None:
            equal = indexed == values
            candidate = np.any([equal[:, a:b].all(axis=1) for a, b in f.lsh.hashranges], axis=0)
            for position in np.flatnonzero(candidate).tolist():
                similarity = float(np.count_nonzero(equal[position])) / f.num_perm
                if similarity >= f.threshold and (best is None or similarity > best.similarity):
                    best = Match(keys[position], similarity, position < len(references))
        results.append(best)
        if best is None and values is not None:
            keys.append(key)
            indexed = np.vstack([indexed, values])
    return results


@pytest.mark.parametrize(("threshold", "num_perm"), [(0.8, 64), (0.5, 16)])  # the second has many ties
def test_batches_give_the_results_of_one_by_one_and_of_brute_force(threshold: float, num_perm: int) -> None:
    rng = random.Random(8)
    previous = [(f"prev{i}", text) for i, text in enumerate(texts(150, seed=4))]
    originals = texts(900, seed=6)
    items: list[tuple[str, str]] = []
    for i, text in enumerate(originals):
        items.append((f"r{i}", text))
        roll = rng.random()
        source = rng.choice(items)[1] if roll < 0.5 else rng.choice(previous)[1]
        if roll < 0.1 or 0.5 < roll < 0.55:
            items.append((f"exact{i}", source))
        elif roll < 0.2 or 0.55 < roll < 0.6:
            words = source.split()
            for _ in range(rng.randint(1, 8)):  # from clear near copies to below the threshold
                words[rng.randrange(len(words))] = rng.choice(VOCAB)
            items.append((f"near{i}", " ".join(words)))
        elif roll < 0.22:
            items.append((f"empty{i}", "?!"))
    expected = brute_force(NearDupFilter(threshold, num_perm), items, previous)
    assert 100 < sum(match is not None for match in expected) < 300
    assert any(match is not None and match.reference for match in expected)

    one = NearDupFilter(threshold, num_perm)
    for key, text in previous:
        one.add_reference(key, text)
    assert [one.offer(key, text) for key, text in items] == expected

    many = NearDupFilter(threshold, num_perm)
    references = [
        (key, values) for (key, _), values in zip(previous, many.signatures([t for _, t in previous]))
    ]
    assert many.add_reference_signatures(iter(references)) == len(previous)
    results: list[Match | None] = []
    start = 0
    while start < len(items):  # batches of every size, so copies fall within and across batches
        size = rng.choice([1, 2, 13, 100, 700])
        results += many.offer_many(items[start : start + size])
        start += size
    assert results == expected
    assert [key for key, _ in many.kept_signatures()] == [key for key, _ in one.kept_signatures()]
    assert many.kept == one.kept and many.dropped == one.dropped == sum(m is not None for m in expected)


def tied_triple() -> tuple[str, str, str]:
    """Texts P, A, C: A no near duplicate of P, and C as similar to P as to A (and their LSH candidate)."""
    for seed in range(500):
        rng = random.Random(seed)
        words = [rng.choice(VOCAB) for _ in range(30)]
        a, c = list(words), list(words)
        for n, spot in enumerate(rng.sample(range(30), 10)):  # C takes half of A's changes to P
            a[spot] = f"new{spot}"
            if n < 5:
                c[spot] = f"new{spot}"
        p_text, a_text, c_text = (" ".join(text) for text in (words, a, c))

        def second(first: tuple[str, str], then: tuple[str, str]) -> Match | None:
            with NearDupFilter(0.5, num_perm=16) as f:
                return f.offer_many([first, then])[1]

        apart = second(("P", p_text), ("A", a_text))
        by_p = second(("P", p_text), ("C", c_text))
        by_a = second(("A", a_text), ("C", c_text))
        if apart is None and by_p is not None and by_a is not None and by_a.similarity == by_p.similarity:
            return p_text, a_text, c_text
    raise AssertionError("no tie found")


def test_ties_go_to_the_earliest_row_whether_indexed_or_in_the_batch() -> None:
    p_text, a_text, c_text = tied_triple()
    rows = [("P", p_text), ("A", a_text), ("C", c_text)]
    for split in (0, 1, 2, 3):  # all in one batch, or P, or P and A, indexed before
        f = NearDupFilter(0.5, num_perm=16)
        results = f.offer_many(rows[:split]) + f.offer_many(rows[split:])
        assert results[:2] == [None, None] and results[2] is not None and results[2].key == "P"
    f = NearDupFilter(0.5, num_perm=16)
    f.add_reference("P", p_text)
    f.add_reference("P2", p_text)  # references are never dropped, so they can be equal
    match = f.offer("C", c_text)
    assert match is not None and match.key == "P" and match.reference


def test_the_band_index_finds_every_key_as_its_slots_double() -> None:
    rng = np.random.default_rng(3)
    index = BandIndex(1)
    keys = rng.integers(0, 2**32, size=600_000, dtype=np.uint32)
    keys[::7] = keys[1::7][: keys[::7].size]  # repeated keys
    keys[3::11] ^= np.uint32(1 << 20)  # keys differing in a high bit only
    for start in range(0, keys.size, 50_000):
        index.add(keys[start : start + 50_000, None])
    queries = np.concatenate(
        [keys[rng.integers(0, keys.size, 3000)], rng.integers(0, 2**32, 300, dtype=np.uint32)]
    )
    rows, positions = index.candidates(queries[:, None])
    found: dict[int, list[int]] = {}
    for row, position in zip(rows.tolist(), positions.tolist()):
        found.setdefault(row, []).append(position)
    for row, key in enumerate(queries.tolist()):
        assert found.get(row, []) == np.flatnonzero(keys == key).tolist()


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


def test_long_keys_are_refused_and_references_may_come_between_rows() -> None:
    f = NearDupFilter(0.9)
    with pytest.raises(ValueError, match="32 bytes"):
        f.offer("k" * 33, "a text with some words")
    assert len(f) == 0 and f.kept == 0
    first, second, third = texts(3, seed=12)
    assert f.offer("a", first) is None
    f.add_reference("prev", second)
    assert f.offer("b", third) is None
    match = f.offer("c", second)
    assert match == Match("prev", 1.0, True)
    assert [key for key, _ in f.kept_signatures()] == ["a", "b"]


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts open files through /proc")
def test_the_spill_file_is_closed_by_close_the_context_manager_and_collection(tmp_path: Path) -> None:
    before = open_files()
    with NearDupFilter(0.9, spill_dir=tmp_path) as f:
        f.offer("a", "a text with some words")
        assert open_files() == before + 1
    assert open_files() == before and list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError):
        f.offer("b", "another text")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = NearDupFilter(0.9)
        g.offer("a", "a text with some words")
        del g
        gc.collect()
    assert open_files() == before
    assert not [warning for warning in caught if issubclass(warning.category, ResourceWarning)]
    with pytest.raises(FileNotFoundError):
        NearDupFilter(0.9, spill_dir=tmp_path / "absent")
