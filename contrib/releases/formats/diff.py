"""The difference between two releases: leaves added, removed and changed, and rows per area."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Snapshot:
    """What a release holds, for comparing: leaf path to leaf revision sha, and rows per area."""

    leaves: Mapping[str, str] = field(default_factory=dict)
    rows_by_area: Mapping[str, int] = field(default_factory=dict)


def release_diff(old: Snapshot | None, new: Snapshot) -> dict[str, Any]:
    """``new`` against ``old`` (None for a first release), sorted and JSON-serialisable:
    ``{"leaves_added", "leaves_removed", "leaves_changed": [path...], "rows_by_area": {area: {"old", "new",
    "delta"}}}``."""
    old = old or Snapshot()
    old_paths, new_paths = set(old.leaves), set(new.leaves)
    areas = sorted(set(old.rows_by_area) | set(new.rows_by_area))
    return {
        "leaves_added": sorted(new_paths - old_paths),
        "leaves_removed": sorted(old_paths - new_paths),
        "leaves_changed": sorted(path for path in old_paths & new_paths if old.leaves[path] != new.leaves[path]),
        "rows_by_area": {
            area: {
                "old": int(old.rows_by_area.get(area, 0)),
                "new": int(new.rows_by_area.get(area, 0)),
                "delta": int(new.rows_by_area.get(area, 0)) - int(old.rows_by_area.get(area, 0)),
            }
            for area in areas
        },
    }
