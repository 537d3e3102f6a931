"""The train/test split by leaf: deterministic, seed-dependent, never empty of test when it can be."""

from __future__ import annotations

import pytest

from contrib.releases.formats.split import assign_split, leaf_draw, split_leaves

PATHS = [f"compositional_skills/area{i % 7}/leaf{i}" for i in range(400)]


def test_assign_split_is_deterministic_and_near_the_fraction() -> None:
    first = [assign_split(p, test_fraction=0.1, seed=0) for p in PATHS]
    assert first == [assign_split(p, test_fraction=0.1, seed=0) for p in PATHS]
    assert 20 <= first.count("test") <= 60
    assert first != [assign_split(p, test_fraction=0.1, seed=1) for p in PATHS]
    assert all(0.0 <= leaf_draw(p, 0) < 1.0 for p in PATHS)
    assert {assign_split(p, test_fraction=0.0, seed=0) for p in PATHS} == {"train"}


def test_split_leaves_matches_assign_split_and_is_order_free() -> None:
    splits = split_leaves(PATHS, 0.1, 0)
    assert splits == {p: assign_split(p, test_fraction=0.1, seed=0) for p in PATHS}
    assert split_leaves(reversed(PATHS), 0.1, 0) == splits


def test_split_leaves_guarantees_a_test_leaf() -> None:
    paths = ["a/b/one", "a/b/two", "a/c/three"]
    seed = next(s for s in range(1000) if all(assign_split(p, test_fraction=0.01, seed=s) == "train" for p in paths))
    splits = split_leaves(paths, 0.01, seed)
    smallest = min(paths, key=lambda p: leaf_draw(p, seed))
    assert splits[smallest] == "test" and list(splits.values()).count("test") == 1
    assert split_leaves(["only/one/leaf"], 0.01, seed) == {"only/one/leaf": "train"}
    assert set(split_leaves(paths, 0.0, seed).values()) == {"train"}


def test_bad_fraction_is_refused() -> None:
    with pytest.raises(ValueError, match="test_fraction"):
        assign_split("a/b", test_fraction=1.0, seed=0)
