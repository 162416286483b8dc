"""The archive package's own errors (records stores, numbering schemes), on the shared bilingual base."""
from __future__ import annotations

from signing.errors import LocalizedError


class ArchiveError(LocalizedError):
    """A records-store, package or numbering failure."""

    code = "ARCHIVE_ERROR"


class StoreUnavailable(ArchiveError):
    """The store cannot be reached or is full: the batch stops; a rerun continues."""

    code = "ARCHIVE_STORE_UNAVAILABLE"


class StoreConflict(ArchiveError):
    """The store already holds a different object under that name (write once)."""

    code = "ARCHIVE_STORE_CONFLICT"


class InvalidScheme(ArchiveError):
    """An archive-number scheme with unknown fields, or without year and item."""

    code = "ARCHIVE_SCHEME"
