"""Streaming near-duplicate removal with MinHash LSH, within a release and against the previous one.

:class:`NearDupFilter` matches rows a batch at a time (:mod:`.signatures` computes their MinHash signatures in
numpy, :mod:`.index` is the LSH index), spills the signatures of indexed rows to a temporary file
(:mod:`.records`), and hands the kept ones to :func:`write_signatures` (:mod:`.persist`) for the next release.
"""

from contrib.releases.formats.neardup.filter import BATCH, RECALL_WEIGHTS, Match, NearDupFilter
from contrib.releases.formats.neardup.index import InsertOnlyError
from contrib.releases.formats.neardup.persist import (
    from_bytes,
    read_signatures,
    signature_bytes,
    write_signatures,
)
from contrib.releases.formats.neardup.records import KEY_BYTES
from contrib.releases.formats.neardup.signatures import SCHEME

__all__ = [
    "BATCH",
    "KEY_BYTES",
    "RECALL_WEIGHTS",
    "SCHEME",
    "InsertOnlyError",
    "Match",
    "NearDupFilter",
    "from_bytes",
    "read_signatures",
    "signature_bytes",
    "write_signatures",
]
