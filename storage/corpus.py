"""The corpus: documents in; documents, hits, counts, concordances and exports out."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from types import TracebackType
from typing import IO, Any

from sqlalchemy import Connection, Row, exc, func, select, text, update
from typing_extensions import Self

from . import export as exporters
from . import overview, reprocess, schema, similar, words
from . import search as fts
from .dedup import MAX_DISTANCE
from .engine import (
    DEFAULT_DB_URL,
    check_sqlite_file,
    database_errors,
    describe,
    display_name,
    insert,
    make_engine,
    writer,
)
from .errors import DatabaseError, DocumentNotFound, InvalidQuery, StorageError
from .frontier import Frontier, frontier_of
from .models import crawls_table, documents_table, now, pages_table, to_unsigned64
from .schema import VERSION_TABLE
from .types import (
    CrawlInfo,
    Document,
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
from .write import clean, crawl_values, prepare, store

logger = logging.getLogger(__name__)

_documents = documents_table
_crawls = crawls_table
_PAGE = 200  # documents per read transaction when streaming
MAX_INT = 2**63 - 1  # the largest integer a database column holds (SQLite INTEGER, BIGINT)


class Corpus:
    """A corpus database, SQLite file or PostgreSQL, opened and checked.

    Use it as a context manager, or call :meth:`close`. Methods return plain dataclasses and
    raise only :class:`StorageError` subclasses for database trouble.

    Args:
        url: SQLAlchemy database URL: ``sqlite:///corpus.db``, ``postgresql+psycopg://…``.
        create: create the corpus when the database does not exist or is empty; when false,
            raise :class:`CorpusNotFound` instead and create nothing.

    Raises:
        CorpusNotFound: no corpus there and ``create`` is false.
        SchemaVersionMismatch: the database is not a yuliao corpus, or of another revision.
        DatabaseError: the database cannot be used (directory, not SQLite, server down, ...).
    """

    def __init__(self, url: str = DEFAULT_DB_URL, *, create: bool = True) -> None:
        self._engine = make_engine(url)
        self._where = display_name(self._engine.url)
        self._writer = writer(self._engine)
        try:
            check_sqlite_file(self._engine.url, create=create)
            with database_errors(self._where):
                schema.check(self._engine, self._where, create=create)
        except BaseException:
            self._engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"Corpus({self._where!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def upsert_many(self, docs: Iterable[NewDocument]) -> int:
        """Store ``docs`` in one transaction, replacing documents with the same URL.

        ``updated_at`` changes only when ``content_hash`` does. Exact and near duplicates are
        marked (see :mod:`storage.dedup`); raw pages are kept when a document has a ``body``.
        NUL and lone surrogates are removed from every string. On any error nothing of the
        batch is stored and the rows already there are untouched.

        Returns:
            The number of distinct URLs written.
        """
        batch = prepare(docs)
        if not batch:
            return 0
        with database_errors(self._where), self._writer.begin() as conn:
            schema.lock(conn)
            store(conn, batch)
        logger.debug("stored %d documents in %s", len(batch), self._where)
        return len(batch)

    def ensure_crawl(
        self,
        name: str,
        seeds: Sequence[str] = (),
        settings: Mapping[str, Any] | None = None,
    ) -> int:
        """Record that crawl ``name`` is running (created, or resumed) and return its id.

        A resumed crawl keeps its ``started_at`` and takes the new seeds and settings, which
        must be JSON values.
        """
        values = crawl_values(name, seeds=list(seeds), settings=dict(settings or {}))
        statement = insert(self.dialect, _crawls).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=[_crawls.c.name],
            set_={
                "seeds": statement.excluded.seeds,
                "settings": statement.excluded.settings,
                "status": statement.excluded.status,
                "finished_at": None,
            },
        )
        with database_errors(self._where), self._writer.begin() as conn:
            return int(conn.execute(statement.returning(_crawls.c.id)).scalar_one())

    def check_writable(self) -> None:
        """Fail now, with :class:`DatabaseError`, if the corpus cannot be written.

        A crawl calls this before it starts fetching: a read-only file or a read-only
        PostgreSQL role then gives one clear error instead of failing at the first batch.
        The probe rewrites the schema version row to itself and rolls back.
        """
        probe = text(f"UPDATE {VERSION_TABLE} SET version_num = version_num")
        with (
            database_errors(self._where),
            self._writer.connect() as conn,
            conn.begin() as transaction,
        ):
            conn.execute(probe)
            transaction.rollback()

    def frontier(self, crawl: str) -> Frontier:
        """The frontier of record of crawl ``crawl`` (see :mod:`storage.frontier`)."""
        return frontier_of(self._engine, crawl, self._where)

    def finish_crawl(self, name: str, status: str, stats: Mapping[str, Any]) -> None:
        """Record the end of crawl ``name``: its final status and stats (JSON values).

        Raises:
            StorageError: there is no crawl of that name.
        """
        statement = (
            update(_crawls)
            .where(_crawls.c.name == clean(name))
            .values(status=status, stats=dict(stats), finished_at=now())
        )
        with database_errors(self._where), self._writer.begin() as conn:
            if conn.execute(statement).rowcount == 0:
                raise StorageError(f"no crawl named {name!r} in {self._where}")

    def get(self, id_or_url: int | str) -> Document:
        """The document with this id (an ``int``) or URL (a ``str``).

        Raises:
            DocumentNotFound: no such document.
        """
        row = self._document_row(id_or_url)
        if row is None:
            raise DocumentNotFound(f"no document {id_or_url!r} in {self._where}")
        return _document(row)

    def page(self, id_or_url: int | str) -> Page:
        """The raw response kept for a document.

        Raises:
            DocumentNotFound: no such document, or it was stored without its page.
        """
        pages = pages_table
        doc = self.get(id_or_url)
        with self._read() as conn:
            row = conn.execute(select(pages).where(pages.c.document_id == doc.id)).first()
        if row is None:
            raise DocumentNotFound(f"no page kept for document {id_or_url!r} in {self._where}")
        return Page(doc.id, zlib.decompress(row.body), dict(row.headers), row.fetched_at)

    def count(self) -> int:
        """The number of stored documents, duplicates included."""
        with self._read() as conn:
            return int(conn.execute(select(func.count()).select_from(_documents)).scalar_one())

    def search(
        self,
        query: str,
        *,
        lang: str | None = None,
        domain: str | None = None,
        since: datetime | None = None,
        include_duplicates: bool = False,
        raw: bool = False,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Hit]:
        """Documents containing ``query`` as a phrase, best first.

        Chinese matches any run of characters, other scripts whole words, case-insensitively.
        Any string is a valid query: operators and quotes are searched for as text. With
        ``raw``, the query is FTS5 syntax (SQLite) or web-search syntax (PostgreSQL).

        Args:
            since: only documents whose content changed at or after this time.

        Raises:
            InvalidQuery: nothing searchable in ``query``, a raw query the database rejects,
                or a negative limit/offset.
        """
        if not (0 <= limit <= MAX_INT and 0 <= offset <= MAX_INT):
            raise InvalidQuery(f"limit and offset must be 0 to 2**63-1, got {limit}, {offset}")
        parsed = fts.parse_query(query, raw=raw)
        conditions = fts.filters(
            lang=lang, domain=domain, since=since, include_duplicates=include_duplicates
        )
        try:
            with self._engine.connect() as conn:
                return fts.search(conn, parsed, conditions, limit=limit, offset=offset)
        except exc.DBAPIError as error:
            raise _query_error(error, self._where, raw=raw) from error

    def documents(
        self,
        *,
        lang: str | None = None,
        domain: str | None = None,
        since: datetime | None = None,
        include_duplicates: bool = False,
    ) -> Iterator[Document]:
        """Stream documents in id order, in pages of short read transactions.

        Memory stays constant and no snapshot is held between pages, so a long export does
        not stop the WAL from being checkpointed while a crawl writes.

        Args:
            since: only documents whose content changed at or after this time.
            include_duplicates: include documents marked as duplicates.
        """
        conditions = fts.filters(
            lang=lang, domain=domain, since=since, include_duplicates=include_duplicates
        )
        for rows in self._pages(select(_documents).where(*conditions)):
            yield from map(_document, rows)

    def stale_documents(
        self,
        *,
        tokenizer: str,
        extractor: str,
        lang: str | None = None,
        since: datetime | None = None,
        batch: int = _PAGE,
    ) -> Iterator[list[tuple[Document, Page | None]]]:
        """Documents not made by these tokenizer and extractor versions, with their raw pages.

        Batches of ``batch`` documents in id order, each read in its own short transaction
        (duplicates included; ``None`` where no page was kept). Re-analyze them, then store the
        result with :meth:`upsert_many` or :meth:`mark_current`.

        Args:
            since: only documents whose content changed at or after this time.
        """
        conditions = [
            reprocess.stale(tokenizer, extractor),
            *fts.filters(lang=lang, since=since, include_duplicates=True),
        ]
        after = 0
        while True:
            with self._read() as conn:
                rows = reprocess.batch(conn, conditions, after=after, size=batch)
                pages = reprocess.pages(conn, [row.id for row in rows])
            if not rows:
                return
            yield [(_document(row), pages.get(row.id)) for row in rows]
            after = rows[-1].id

    def count_stale(
        self,
        *,
        tokenizer: str,
        extractor: str,
        lang: str | None = None,
        since: datetime | None = None,
    ) -> int:
        """How many documents :meth:`stale_documents` would return now."""
        filters = fts.filters(lang=lang, since=since, include_duplicates=True)
        with self._read() as conn:
            return reprocess.count(conn, [reprocess.stale(tokenizer, extractor), *filters])

    def mark_current(self, ids: Sequence[int], *, tokenizer: str, extractor: str) -> None:
        """Record that a new analysis of documents ``ids`` changed nothing but the versions."""
        with database_errors(self._where), self._writer.begin() as conn:
            schema.lock(conn)
            reprocess.mark_current(conn, ids, tokenizer, extractor)

    def stats(self) -> Stats:
        """Totals over all documents; the per-language and per-domain groups skip duplicates."""
        with self._read() as conn:
            return overview.stats(conn)

    def timeline(self, *, by: TimeBasis, include_duplicates: bool = False) -> list[Period]:
        """Documents and tokens per month and language, oldest month first.

        Args:
            by: ``"fetched"`` dates a document by when it was fetched; ``"published"`` by the
                publication date the page states, when it starts ``YYYY-MM``. Documents
                without that date are left out.

        Raises:
            InvalidQuery: ``by`` is neither of those.
        """
        with self._read() as conn:
            return overview.timeline(conn, by=by, include_duplicates=include_duplicates)

    def crawls(self, *, limit: int | None = None) -> list[CrawlInfo]:
        """The recorded crawls with their status and stats, the most recently started first."""
        with self._read() as conn:
            return overview.crawls(conn, limit=limit)

    def overview(self, *, by: TimeBasis, last_crawls: int = 50) -> Overview:
        """:meth:`stats`, :meth:`timeline` (without duplicates) and the latest crawls at once."""
        with self._read() as conn:
            return Overview(
                stats=overview.stats(conn),
                by=by,
                timeline=overview.timeline(conn, by=by, include_duplicates=False),
                crawls=overview.crawls(conn, limit=last_crawls),
            )

    def near_duplicates(
        self, id_or_url: int | str, *, bits: int = MAX_DISTANCE, limit: int = 100
    ) -> list[NearDuplicate]:
        """Other documents with the same text or a SimHash at most ``bits`` bits away.

        Both the original and the other copies are listed, closest first, each with its own
        ``duplicate_of``. Candidates come from the SimHash band index, so this stays fast at
        any corpus size.

        Raises:
            DocumentNotFound: no such document.
            InvalidQuery: ``bits`` outside 0 to 3 (the bands find nothing further apart).
        """
        doc = self._document_row(id_or_url)
        if doc is None:
            raise DocumentNotFound(f"no document {id_or_url!r} in {self._where}")
        with self._read() as conn:
            return similar.near_duplicates(conn, doc, bits=bits, limit=limit)

    def frequencies(
        self,
        *,
        lang: str | None = None,
        top: int = 100,
        drop_stopwords: bool = True,
        min_len: int = 1,
        include_duplicates: bool = False,
    ) -> list[tuple[str, int]]:
        """The ``top`` most frequent words (case-folded) with their counts, most frequent first.

        Punctuation and symbols are never counted; Chinese and English stopwords are dropped
        unless ``drop_stopwords`` is false; words shorter than ``min_len`` characters too.
        """
        conditions = fts.filters(lang=lang, include_duplicates=include_duplicates)
        streams = (
            row.tokens
            for rows in self._pages(select(_documents.c.id, _documents.c.tokens).where(*conditions))
            for row in rows
        )
        counts = words.count(streams)
        return words.top(counts, n=top, drop_stopwords=drop_stopwords, min_len=min_len)

    def concordance(self, word: str, *, width: int = 20, limit: int = 50) -> list[Line]:
        """Up to ``limit`` lines where ``word`` occurs, ``width`` characters of context a side.

        ``word`` is segmented like the documents and matched against whole tokens (``人民``
        does not match inside the single token ``中华人民共和国``); duplicates are left out.

        Raises:
            InvalidQuery: nothing searchable in ``word``.
        """
        key = words.key_tokens(word)
        parsed = fts.parse_query(word)
        ids = fts.matching_ids(self._read, parsed, fts.filters())
        found = (
            line
            for doc in self._by_ids(ids)
            for line in words.lines(doc.id, doc.url, doc.tokens, key, width=width)
        )
        return list(islice(found, min(limit, MAX_INT)))

    def export(
        self,
        fp: IO[bytes],
        *,
        fmt: str = "jsonl",
        lang: str | None = None,
        since: datetime | None = None,
        include_duplicates: bool = False,
    ) -> int:
        """Write documents to the binary file ``fp``, streaming; return how many.

        Formats: ``jsonl`` and ``csv`` (every field), ``parquet`` (every field; needs the
        ``parquet`` extra), ``txt`` (one document per line, tokens space-separated).

        Raises:
            StorageError: unknown format, or pyarrow missing for Parquet.
        """
        exporters.check_format(fmt)
        docs = self.documents(lang=lang, since=since, include_duplicates=include_duplicates)
        return exporters.write(docs, fp, fmt)

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A connection whose driver errors become one-line :class:`DatabaseError`."""
        with database_errors(self._where), self._engine.connect() as conn:
            yield conn

    def _pages(self, statement: Any) -> Iterator[Sequence[Row[Any]]]:
        """Rows of ``statement`` in id order, :data:`_PAGE` per short transaction."""
        page = statement.order_by(_documents.c.id).limit(_PAGE)
        last_id = 0
        while True:
            with self._read() as conn:
                rows = conn.execute(page.where(_documents.c.id > last_id)).all()
            yield rows
            if len(rows) < _PAGE:
                return
            last_id = rows[-1].id

    def _by_ids(self, ids: Iterator[int]) -> Iterator[Document]:
        while chunk := list(islice(ids, _PAGE)):
            with self._read() as conn:
                rows = conn.execute(select(_documents).where(_documents.c.id.in_(chunk))).all()
            yield from map(_document, sorted(rows, key=lambda row: row.id))

    def _document_row(self, id_or_url: int | str) -> Row[Any] | None:
        key = _documents.c.id if isinstance(id_or_url, int) else _documents.c.url
        if isinstance(id_or_url, int) and abs(id_or_url) > MAX_INT:
            return None  # no such id, and the driver would overflow
        with self._read() as conn:
            return conn.execute(select(_documents).where(key == id_or_url)).first()


def upgrade(url: str) -> tuple[str | None, str]:
    """Create the corpus at ``url`` or migrate it to the current schema revision.

    Returns:
        The revision before (``None`` for a new corpus) and after.

    Raises:
        SchemaVersionMismatch: not a yuliao corpus, or made by a newer yuliao.
        DatabaseError: the database cannot be used.
    """
    engine = make_engine(url)
    where = display_name(engine.url)
    try:
        check_sqlite_file(engine.url, create=True)
        with database_errors(where):
            return schema.upgrade(engine, where)
    finally:
        engine.dispose()


def _query_error(error: exc.DBAPIError, where: str, *, raw: bool) -> StorageError:
    """A raw query's syntax error is the user's; anything else is the database's."""
    message = describe(error, where)
    if raw and isinstance(error, exc.OperationalError) and message.startswith("database error"):
        detail = str(error.orig).strip().splitlines()[0]
        return InvalidQuery(detail)
    return DatabaseError(message)


def _document(row: Row[Any]) -> Document:
    values = dict(row._mapping)
    values["simhash"] = to_unsigned64(values["simhash"])
    return Document(**values)
