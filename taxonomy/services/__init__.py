"""Writes to the taxonomy, one service a verb: versions from leaf changes, and whole-tree imports."""

from taxonomy.services.imports import ImportResult, tree_import, tree_import_enqueue
from taxonomy.services.versions import (
    Change,
    LeafContent,
    LeafRemoval,
    VersionConflict,
    VersionResult,
    blob_put,
    node_ensure,
    version_create,
)

__all__ = [
    "Change",
    "ImportResult",
    "LeafContent",
    "LeafRemoval",
    "VersionConflict",
    "VersionResult",
    "blob_put",
    "node_ensure",
    "tree_import",
    "tree_import_enqueue",
    "version_create",
]
