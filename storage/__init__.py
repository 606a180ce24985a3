"""yuliao's corpus store: ``Corpus(url)`` writes, reads, searches and summarises documents."""

from __future__ import annotations

import logging

from .corpus import Corpus, upgrade
from .engine import resolve_db_url
from .errors import (
    CorpusNotFound,
    DatabaseError,
    DocumentNotFound,
    InvalidQuery,
    SchemaVersionMismatch,
    StorageError,
)
from .types import Document, GroupStats, Hit, Line, NewDocument, Page, Stats

__all__ = [
    "Corpus",
    "CorpusNotFound",
    "DatabaseError",
    "Document",
    "DocumentNotFound",
    "GroupStats",
    "Hit",
    "InvalidQuery",
    "Line",
    "NewDocument",
    "Page",
    "SchemaVersionMismatch",
    "Stats",
    "StorageError",
    "resolve_db_url",
    "upgrade",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
