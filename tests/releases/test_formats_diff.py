"""Release diffs: leaves added, removed and changed, and rows per area, sorted and JSON-ready."""

from __future__ import annotations

import json

from contrib.releases.formats.diff import Snapshot, release_diff


def test_diff_against_previous() -> None:
    old = Snapshot(leaves={"k/a/x": "1", "k/a/y": "2", "s/b/z": "3"}, rows_by_area={"k/a": 10, "s/b": 5})
    new = Snapshot(leaves={"k/a/x": "1", "k/a/y": "9", "s/c/w": "4"}, rows_by_area={"k/a": 12, "s/c": 7})
    diff = release_diff(old, new)
    assert diff == {
        "leaves_added": ["s/c/w"],
        "leaves_removed": ["s/b/z"],
        "leaves_changed": ["k/a/y"],
        "rows_by_area": {
            "k/a": {"old": 10, "new": 12, "delta": 2},
            "s/b": {"old": 5, "new": 0, "delta": -5},
            "s/c": {"old": 0, "new": 7, "delta": 7},
        },
    }
    assert json.dumps(diff) == json.dumps(release_diff(old, new))


def test_first_release_diff() -> None:
    new = Snapshot(leaves={"b/x/1": "s", "a/x/2": "t"}, rows_by_area={"b/x": 1, "a/x": 2})
    diff = release_diff(None, new)
    assert diff["leaves_added"] == ["a/x/2", "b/x/1"]
    assert diff["leaves_removed"] == diff["leaves_changed"] == []
    assert list(diff["rows_by_area"]) == ["a/x", "b/x"]
