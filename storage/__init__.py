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
from .types import (
    CrawlInfo,
    Document,
    GroupStats,
    Hit,
    Line,
    NearDuplicate,
    NewDocument,
    Overview,
    Page,
    Period,
    Stats,
    TimeBasis,
)

__all__ = [
    "Corpus",
    "CorpusNotFound",
    "CrawlInfo",
    "DatabaseError",
    "Document",
    "DocumentNotFound",
    "GroupStats",
    "Hit",
    "InvalidQuery",
    "Line",
    "NearDuplicate",
    "NewDocument",
    "Overview",
    "Page",
    "Period",
    "SchemaVersionMismatch",
    "Stats",
    "StorageError",
    "TimeBasis",
    "resolve_db_url",
    "upgrade",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
