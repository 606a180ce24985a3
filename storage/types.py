"""Plain values that :class:`storage.Corpus` takes and returns (never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

TimeBasis = Literal["fetched", "published"]
"""What dates a document in :meth:`Corpus.timeline`: when it was fetched, or published."""


@dataclass(frozen=True, slots=True)
class NewDocument:
    """A document as the pipeline hands it to :meth:`Corpus.upsert_many`.

    ``tokens`` is the space-joined token stream that search, frequencies and KWIC read.
    ``body`` and ``headers`` are the raw response, kept (compressed) in ``pages`` so that the
    text can be extracted again without fetching; ``None`` keeps no page.
    """

    url: str
    text: str
    tokens: str
    lang: str
    content_hash: str
    simhash: int  # unsigned 64-bit; stored signed
    n_chars: int
    n_tokens: int
    n_sentences: int
    domain: str = ""
    canonical_url: str | None = None
    crawl_name: str | None = None
    http_status: int | None = None
    fetched_at: datetime | None = None
    published_at: str | None = None
    title: str | None = None
    author: str | None = None
    encoding: str | None = None
    encoding_source: str | None = None
    tokenizer: str | None = None
    extractor: str | None = None
    body: bytes | None = None
    headers: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A stored document."""

    id: int
    url: str
    canonical_url: str | None
    domain: str
    crawl_id: int | None
    http_status: int | None
    fetched_at: datetime | None
    updated_at: datetime
    published_at: str | None
    title: str | None
    author: str | None
    lang: str
    text: str
    tokens: str
    n_chars: int
    n_tokens: int
    n_sentences: int
    content_hash: str
    simhash: int
    duplicate_of: int | None
    encoding: str | None
    encoding_source: str | None
    tokenizer: str | None
    extractor: str | None


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result; ``snippet`` marks matches with ``[`` and ``]``."""

    id: int
    url: str
    title: str | None
    score: float
    snippet: str


@dataclass(frozen=True, slots=True)
class Page:
    """The raw response a document was extracted from."""

    document_id: int
    body: bytes
    headers: dict[str, str]
    fetched_at: datetime | None


@dataclass(frozen=True, slots=True)
class Line:
    """One concordance line: ``left`` and ``right`` are the context around ``word``."""

    document_id: int
    url: str
    left: str
    word: str
    right: str


@dataclass(frozen=True, slots=True)
class GroupStats:
    """Counts for one language or one domain."""

    key: str
    documents: int
    tokens: int
    chars: int


@dataclass(frozen=True, slots=True)
class Stats:
    """Corpus overview: totals count duplicates too, the groups do not.

    ``duplicate_rate`` is ``duplicates / documents`` (0 when empty); ``db_bytes`` is the size
    of the database on disk (SQLite file with its WAL, or PostgreSQL's database size).
    """

    documents: int
    tokens: int
    chars: int
    duplicates: int
    duplicate_rate: float
    crawls: int
    db_bytes: int
    by_lang: list[GroupStats] = field(default_factory=list)
    by_domain: list[GroupStats] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Period:
    """Documents and tokens in one language in one month (``YYYY-MM``)."""

    month: str
    lang: str
    documents: int
    tokens: int


@dataclass(frozen=True, slots=True)
class CrawlInfo:
    """One crawl as recorded: ``stats`` are the crawler's figures at its end (``{}`` before).

    The crawler's figures include ``response_received_count`` (pages fetched),
    ``yuliao/stored``, ``yuliao/dropped/<reason>`` and ``yuliao/failed/<reason>``.
    """

    id: int
    name: str
    seeds: list[str]
    started_at: datetime
    finished_at: datetime | None
    status: str
    stats: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Overview:
    """What a corpus holds: totals, documents over time by ``by``, the latest crawls."""

    stats: Stats
    by: TimeBasis
    timeline: list[Period]
    crawls: list[CrawlInfo]


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """A document with the same text as another, or a SimHash ``distance`` bits away.

    ``duplicate_of`` is the document's own mark: ``None`` for an original.
    """

    id: int
    url: str
    title: str | None
    lang: str
    distance: int
    duplicate_of: int | None
