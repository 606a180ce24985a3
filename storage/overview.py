"""Whole-corpus summaries: totals, groups, documents over time, crawls; one query each.

Each function takes an open connection, so :meth:`Corpus.overview` reads them all on one.
"""

from __future__ import annotations

from typing import get_args

from sqlalchemy import ColumnElement, Connection, case, func, literal_column, or_, select, text

from .errors import InvalidQuery
from .models import crawls_table, documents_table
from .types import CrawlInfo, GroupStats, Period, Stats, TimeBasis

_documents = documents_table
_crawls = crawls_table
# A stated publication date is used when it starts with a year and a month: nlp writes ISO
# 8601 (``2024-03-05`` or ``2024-03-05T10:30``); anything else is left out, not guessed at.
_SQLITE_DATED = ("[0-9][0-9][0-9][0-9]-0[1-9]*", "[0-9][0-9][0-9][0-9]-1[0-2]*")
_POSTGRES_DATED = "^[0-9]{4}-(0[1-9]|1[0-2])"


def stats(conn: Connection) -> Stats:
    """Totals over all documents; the per-language and per-domain groups skip duplicates."""
    totals = select(
        func.count(),
        func.coalesce(func.sum(_documents.c.n_tokens), 0),
        func.coalesce(func.sum(_documents.c.n_chars), 0),
        func.count(_documents.c.duplicate_of),
    )
    documents, tokens, chars, duplicates = conn.execute(totals).one()
    return Stats(
        documents=documents,
        tokens=int(tokens),
        chars=int(chars),
        duplicates=duplicates,
        duplicate_rate=duplicates / documents if documents else 0.0,
        crawls=conn.execute(select(func.count()).select_from(_crawls)).scalar_one(),
        db_bytes=_size(conn),
        by_lang=_groups(conn, "lang"),
        by_domain=_groups(conn, "domain"),
    )


def timeline(conn: Connection, *, by: TimeBasis, include_duplicates: bool) -> list[Period]:
    """Documents and tokens per month and language, oldest month first; undated ones left out.

    Raises:
        InvalidQuery: ``by`` is neither ``"fetched"`` nor ``"published"``.
    """
    if by not in get_args(TimeBasis):
        raise InvalidQuery(f"by must be fetched or published, got {by!r}")
    month = _month(conn.dialect.name, by).label("month")
    lang = _documents.c.lang
    statement = (
        select(month, lang, func.count(), func.coalesce(func.sum(_documents.c.n_tokens), 0))
        .where(month.is_not(None))
        .group_by(literal_column("1"), literal_column("2"))  # the same expression, not a copy
        .order_by(literal_column("1"), lang)
    )
    if not include_duplicates:
        statement = statement.where(_documents.c.duplicate_of.is_(None))
    return [Period(m, lang, n, int(tokens)) for m, lang, n, tokens in conn.execute(statement)]


def crawls(conn: Connection, *, limit: int | None) -> list[CrawlInfo]:
    """The crawls, the most recently started first."""
    statement = select(_crawls).order_by(_crawls.c.started_at.desc(), _crawls.c.id.desc())
    return [
        CrawlInfo(
            id=row.id,
            name=row.name,
            seeds=list(row.seeds),
            started_at=row.started_at,
            finished_at=row.finished_at,
            status=row.status,
            stats=dict(row.stats or {}),
        )
        for row in conn.execute(statement.limit(limit))
    ]


def _month(dialect: str, by: TimeBasis) -> ColumnElement[str | None]:
    """``YYYY-MM`` of the fetch time, or of a stated publication date; NULL when unknown."""
    if by == "fetched":
        if dialect == "postgresql":
            return func.to_char(_documents.c.fetched_at, "YYYY-MM")
        return func.strftime("%Y-%m", _documents.c.fetched_at)
    published = _documents.c.published_at
    if dialect == "postgresql":
        dated = published.regexp_match(_POSTGRES_DATED)
    else:  # GLOB, not REGEXP: SQLite has no built-in regular expressions
        dated = or_(*(published.op("GLOB")(pattern) for pattern in _SQLITE_DATED))
    return case((dated, func.substr(published, 1, 7)))


def _size(conn: Connection) -> int:
    if conn.dialect.name == "postgresql":
        return int(
            conn.execute(select(func.pg_database_size(func.current_database()))).scalar_one()
        )
    pages = conn.execute(text("PRAGMA page_count")).scalar_one()
    return int(pages) * int(conn.execute(text("PRAGMA page_size")).scalar_one())


def _groups(conn: Connection, key: str) -> list[GroupStats]:
    """Per-``key`` counts over non-duplicate documents, largest group first."""
    column = _documents.c[key]
    n = func.count().label("n")
    rows = conn.execute(
        select(
            column,
            n,
            func.coalesce(func.sum(_documents.c.n_tokens), 0),
            func.coalesce(func.sum(_documents.c.n_chars), 0),
        )
        .where(_documents.c.duplicate_of.is_(None))
        .group_by(column)
        .order_by(n.desc(), column)
    )
    return [GroupStats(key=k, documents=d, tokens=int(t), chars=int(c)) for k, d, t, c in rows]
