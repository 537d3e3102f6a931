"""Releases: versioned, deduplicated, reproducible dataset releases with provenance, and takedowns."""
