"""yuliao's corpus store: ``Corpus(url)`` writes, reads, searches and summarises documents."""

from __future__ import annotations

import logging

from .claims import claim_crawl
from .corpus import Corpus, upgrade
from .engine import resolve_db_url
from .errors import (
    CorpusNotFound,
    CrawlRunning,
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
    "CrawlRunning",
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
    "claim_crawl",
    "resolve_db_url",
    "upgrade",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
