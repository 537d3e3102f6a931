"""The deterministic train/test split of a release, by leaf, so no leaf is in both."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Literal

SplitName = Literal["train", "test"]


def leaf_draw(leaf_path: str, seed: int) -> float:
    """A uniform number in [0, 1) fixed by the seed and the leaf path."""
    digest = hashlib.sha256(f"{seed}\x1f{leaf_path}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_split(leaf_path: str, *, test_fraction: float, seed: int) -> SplitName:
    """The split of every row of the leaf at ``leaf_path``: test when its draw falls below ``test_fraction``."""
    _check_fraction(test_fraction)
    return "test" if leaf_draw(leaf_path, seed) < test_fraction else "train"


def split_leaves(paths: Iterable[str], test_fraction: float, seed: int) -> dict[str, SplitName]:
    """The split of each leaf path, as :func:`assign_split` gives it, except that when no leaf drew test
    although there are two leaves or more and ``test_fraction`` > 0, the leaf with the smallest draw is test."""
    _check_fraction(test_fraction)
    unique = sorted(set(paths))
    splits: dict[str, SplitName] = {
        path: assign_split(path, test_fraction=test_fraction, seed=seed) for path in unique
    }
    if test_fraction > 0 and len(unique) >= 2 and "test" not in splits.values():
        smallest = min(unique, key=lambda path: (leaf_draw(path, seed), path))
        splits[smallest] = "test"
    return splits


def _check_fraction(test_fraction: float) -> None:
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction}: 0.1 puts a tenth of the leaves in test.")
