"""Errors the taxonomy core raises, each saying how to fix the problem."""


class TaxonomyError(Exception):
    """Base class of the taxonomy core's errors."""


class InvalidPath(TaxonomyError):
    """A taxonomy path that cannot become a directory safely."""


class UnsafeSource(TaxonomyError):
    """An import source holding something we refuse to read (symlinks, special files, escapes)."""


class SourceUnavailable(TaxonomyError):
    """An import source that cannot be read (missing directory, failed git clone, unknown ref)."""


class ImportRefused(TaxonomyError):
    """An import refused as a whole (``--all-or-nothing`` with invalid leaves)."""
