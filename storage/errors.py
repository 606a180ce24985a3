"""Errors raised by :mod:`storage`; every one carries a single-line message fit for a user.

Tree::

    StorageError
    ├── CorpusNotFound          the corpus file does not exist and may not be created
    ├── CrawlRunning            another process is running the crawl of that name
    ├── DatabaseError           the database refused: busy, damaged, read-only, not SQLite, ...
    ├── DocumentNotFound        no document with that id or URL
    ├── InvalidQuery            also a ValueError: nothing left to search for, bad limit
    └── SchemaVersionMismatch   not a yuliao corpus, or another schema version
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class of every error raised by :mod:`storage`."""


class CorpusNotFound(StorageError):
    """Raised when opening a corpus that does not exist with ``create=False``."""


class CrawlRunning(StorageError):
    """Raised by :func:`storage.claim_crawl` when another process runs that crawl."""


class DatabaseError(StorageError):
    """Raised when the database cannot be opened, read or written."""


class DocumentNotFound(StorageError):
    """Raised by :meth:`Corpus.get` when no document has that id or URL."""


class InvalidQuery(StorageError, ValueError):
    """Raised by :meth:`Corpus.search` when the query has nothing to search for."""


class SchemaVersionMismatch(StorageError):
    """Raised when the database is not a yuliao corpus of the schema version this code reads."""
