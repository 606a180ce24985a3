"""The schema: SQLAlchemy 2.x declarative tables (the full-text index lives in :mod:`search`)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA_REVISIONS = ("0001",)
"""The Alembic revisions in ``storage/migrations``, oldest first; this code needs the last."""

_2_63 = 1 << 63
_2_64 = 1 << 64


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def to_signed64(value: int) -> int:
    """An unsigned 64-bit SimHash as the signed integer a BIGINT column holds."""
    if not 0 <= value < _2_64:
        raise ValueError(f"simhash must be an unsigned 64-bit integer, got {value}")
    return value - _2_64 if value >= _2_63 else value


def to_unsigned64(value: int) -> int:
    """The inverse of :func:`to_signed64`."""
    return value + _2_64 if value < 0 else value


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC (SQLite has no time zones), returned timezone-aware.

    A naive value handed in is taken to be UTC already.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of the yuliao tables."""


class MetaRow(Base):
    """Key/value facts about the database itself, such as ``schema_version``."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class CrawlRow(Base):
    """One named crawl; documents point to the crawl that last stored them."""

    __tablename__ = "crawls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    seeds: Mapped[list[str]] = mapped_column(JSON)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(32))
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DocumentRow(Base):
    """One page's main text and its token stream; ``id`` is also the full-text rowid."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("n_chars >= 0 AND n_tokens >= 0 AND n_sentences >= 0", name="counts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    domain: Mapped[str] = mapped_column(String(255), index=True)
    crawl_id: Mapped[int | None] = mapped_column(ForeignKey("crawls.id"))
    http_status: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)  # last change of content_hash
    published_at: Mapped[str | None] = mapped_column(String(64))  # as the page states it
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(16), index=True)
    # tokens before text: SQLite stores a row's columns in order, so reading the token stream
    # (freq, export txt) does not page through the text first
    tokens: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    n_chars: Mapped[int] = mapped_column(Integer)
    n_tokens: Mapped[int] = mapped_column(Integer)
    n_sentences: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    simhash: Mapped[int] = mapped_column(BigInteger)  # signed; see to_signed64
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    encoding: Mapped[str | None] = mapped_column(String(64))
    encoding_source: Mapped[str | None] = mapped_column(String(32))
    tokenizer: Mapped[str | None] = mapped_column(String(200))
    extractor: Mapped[str | None] = mapped_column(String(200))


class FrontierRow(Base):
    """A URL a crawl has discovered and how far it got: the record a crawl resumes from."""

    __tablename__ = "frontier"
    __table_args__ = (
        UniqueConstraint("crawl_id", "url_fingerprint", name="uq_frontier_url"),
        Index("ix_frontier_status", "crawl_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_id: Mapped[int] = mapped_column(ForeignKey("crawls.id"))
    url: Mapped[str] = mapped_column(Text)
    url_fingerprint: Mapped[str] = mapped_column(String(40))  # hex digest of the canonical URL
    depth: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))  # pending, done, failed, skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PageRow(Base):
    """The raw response behind a document, compressed, so reprocessing needs no refetch."""

    __tablename__ = "pages"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    body: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed response body
    headers: Mapped[dict[str, Any]] = mapped_column(JSON)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SimhashBandRow(Base):
    """One 16-bit band of a document's SimHash: near duplicates share at least one band.

    Two fingerprints at most 3 bits apart agree on at least one of four bands, so an index
    lookup per band finds every candidate without scanning the table.
    """

    __tablename__ = "simhash_bands"
    __table_args__ = ({"sqlite_with_rowid": False},)

    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )


# Core views of the same tables, for statements that need no ORM objects.
meta_table: Table = Base.metadata.tables[MetaRow.__tablename__]
crawls_table: Table = Base.metadata.tables[CrawlRow.__tablename__]
documents_table: Table = Base.metadata.tables[DocumentRow.__tablename__]
frontier_table: Table = Base.metadata.tables[FrontierRow.__tablename__]
pages_table: Table = Base.metadata.tables[PageRow.__tablename__]
bands_table: Table = Base.metadata.tables[SimhashBandRow.__tablename__]
