"""The corpus: documents in, documents, hits and statistics out."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Insert, Row, case, func, inspect, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from typing_extensions import Self

from . import search as fts
from .engine import (
    DEFAULT_DB_URL,
    check_sqlite_file,
    database_errors,
    display_name,
    enable_wal,
    make_engine,
    writer,
)
from .errors import (
    CorpusNotFound,
    DocumentNotFound,
    InvalidQuery,
    SchemaVersionMismatch,
    StorageError,
)
from .models import (
    SCHEMA_VERSION,
    Base,
    CrawlRow,
    DocumentRow,
    MetaRow,
    crawls_table,
    documents_table,
    meta_table,
    now,
    to_signed64,
    to_unsigned64,
)
from .types import Document, GroupStats, Hit, NewDocument, Stats

logger = logging.getLogger(__name__)

_documents = documents_table
_crawls = crawls_table
_meta = meta_table
_REQUIRED_TABLES = frozenset({_meta.name, _crawls.name, _documents.name, fts.FTS_TABLE})
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: no backend takes them
_PAGE = 200  # documents per read transaction when streaming
_IN_CHUNK = 500  # values per IN (...) list, well under SQLite's variable limit


class Corpus:
    """A corpus database: SQLite file (or, later, PostgreSQL), opened and checked.

    Use it as a context manager, or call :meth:`close`. Methods return plain dataclasses and
    raise only :class:`StorageError` subclasses for database trouble.

    Args:
        url: SQLAlchemy database URL, for example ``sqlite:///corpus.db``.
        create: create the corpus when the file does not exist; when false, raise
            :class:`CorpusNotFound` instead and create nothing.

    Raises:
        CorpusNotFound: no corpus there and ``create`` is false.
        SchemaVersionMismatch: the database is not a yuliao corpus or has another schema version.
        DatabaseError: the file cannot be used (directory, missing directory, not SQLite, ...).
    """

    def __init__(self, url: str = DEFAULT_DB_URL, *, create: bool = True) -> None:
        self._engine = make_engine(url)
        self._where = display_name(self._engine.url)
        if self._engine.dialect.name != "sqlite":
            self._engine.dispose()
            raise StorageError(f"unsupported database {self._where}: only SQLite for now")
        self._writer = writer(self._engine)
        try:
            check_sqlite_file(self._engine.url, create=create)
            with database_errors(self._where):
                self._open(create=create)
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

    def upsert_many(self, docs: Iterable[NewDocument]) -> int:
        """Store ``docs`` in one transaction, replacing documents with the same URL.

        ``updated_at`` changes only when ``content_hash`` does. A document whose content hash
        another, older document already has is marked ``duplicate_of`` that document. NUL and
        lone surrogates are removed from every string. On any error nothing of the batch is
        stored and the rows already there are untouched.

        Returns:
            The number of documents written.
        """
        batch = [(doc.crawl_name, _values(doc)) for doc in docs]
        if not batch:
            return 0
        with database_errors(self._where), self._writer.begin() as conn:
            crawl_ids = {name: _crawl_id(conn, name) for name, _ in batch if name}
            hashes: set[str] = set()
            for crawl_name, values in batch:
                values["crawl_id"] = crawl_ids.get(crawl_name or "")
                hashes |= _upsert(conn, values)
            _mark_duplicates(conn, hashes)
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
        values = _crawl_values(name, seeds=list(seeds), settings=dict(settings or {}))
        statement = sqlite_insert(CrawlRow).values(values)
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

    def finish_crawl(self, name: str, status: str, stats: Mapping[str, Any]) -> None:
        """Record the end of crawl ``name``: its final status and stats (JSON values).

        Raises:
            StorageError: there is no crawl of that name.
        """
        statement = (
            update(CrawlRow)
            .where(_crawls.c.name == _clean(name))
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
        key = _documents.c.id if isinstance(id_or_url, int) else _documents.c.url
        with database_errors(self._where), self._engine.connect() as conn:
            row = conn.execute(select(_documents).where(key == id_or_url)).first()
        if row is None:
            raise DocumentNotFound(f"no document {id_or_url!r} in {self._where}")
        return _document(row)

    def count(self) -> int:
        """The number of stored documents, duplicates included."""
        with database_errors(self._where), self._engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(_documents)).scalar_one()

    def search(
        self,
        query: str,
        *,
        lang: str | None = None,
        domain: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Hit]:
        """Documents containing ``query`` as a phrase, best first; duplicates left out.

        Chinese matches any run of characters, other scripts whole words, case-insensitively.
        Any string is a valid query: operators and quotes are searched for as text.

        Raises:
            InvalidQuery: nothing searchable is left in ``query``, or a negative limit/offset.
        """
        if limit < 0 or offset < 0:
            raise InvalidQuery(f"limit and offset must not be negative, got {limit}, {offset}")
        parsed = fts.parse_query(query)
        with database_errors(self._where), self._engine.connect() as conn:
            return fts.search(conn, parsed, lang=lang, domain=domain, limit=limit, offset=offset)

    def stats(self) -> Stats:
        """Totals over all documents; the per-language and per-domain groups skip duplicates."""
        totals = select(
            func.count(),
            func.coalesce(func.sum(_documents.c.n_tokens), 0),
            func.coalesce(func.sum(_documents.c.n_chars), 0),
            func.count(_documents.c.duplicate_of),
        )
        with database_errors(self._where), self._engine.connect() as conn:
            documents, tokens, chars, duplicates = conn.execute(totals).one()
            crawls = conn.execute(select(func.count()).select_from(_crawls)).scalar_one()
            return Stats(
                documents=documents,
                tokens=tokens,
                chars=chars,
                duplicates=duplicates,
                crawls=crawls,
                by_lang=_groups(conn, "lang"),
                by_domain=_groups(conn, "domain"),
            )

    def documents(
        self,
        *,
        lang: str | None = None,
        domain: str | None = None,
        since: datetime | None = None,
        duplicates: bool = False,
    ) -> Iterator[Document]:
        """Stream documents in id order, in pages of short read transactions.

        Memory stays constant and no snapshot is held between pages, so a long export does
        not stop the WAL from being checkpointed while a crawl writes.

        Args:
            since: only documents whose content changed at or after this time.
            duplicates: include documents marked as duplicates.
        """
        conditions = fts.filters(lang=lang, domain=domain)
        if since is not None:
            conditions.append(_documents.c.updated_at >= since)
        if not duplicates:
            conditions.append(_documents.c.duplicate_of.is_(None))
        page = select(_documents).where(*conditions).order_by(_documents.c.id).limit(_PAGE)
        last_id = 0
        while True:
            with database_errors(self._where), self._engine.connect() as conn:
                rows = conn.execute(page.where(_documents.c.id > last_id)).all()
            yield from map(_document, rows)
            if len(rows) < _PAGE:
                return
            last_id = rows[-1].id

    def _open(self, *, create: bool) -> None:
        """Check that the database is a corpus of our schema version, or make it one."""
        with self._engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            version = _schema_version(conn) if _meta.name in tables else None
        if not tables:
            if not create:
                raise CorpusNotFound(f"no corpus at {self._where} (the database is empty)")
            self._create_schema()
            return
        _check_schema(self._where, tables, version)

    def _create_schema(self) -> None:
        enable_wal(self._engine)
        with self._writer.begin() as conn:  # IF NOT EXISTS throughout: another process may race
            Base.metadata.create_all(conn)
            fts.create_index(conn)
            conn.execute(
                sqlite_insert(MetaRow)
                .values(key="schema_version", value=str(SCHEMA_VERSION))
                .on_conflict_do_nothing()
            )
        logger.info("created corpus %s", self._where)


def _schema_version(conn: Connection) -> str | None:
    statement = select(_meta.c.value).where(_meta.c.key == "schema_version")
    return conn.execute(statement).scalar_one_or_none()


def _check_schema(where: str, tables: set[str], version: str | None) -> None:
    if version is None or _documents.name not in tables:
        raise SchemaVersionMismatch(
            f"{where} is not a yuliao corpus (it holds other tables); choose another database"
        )
    if version != str(SCHEMA_VERSION):
        hint = "run `yuliao db upgrade`" if _older(version) else "use a newer yuliao"
        raise SchemaVersionMismatch(
            f"{where} has schema version {version}, this yuliao reads version "
            f"{SCHEMA_VERSION}: {hint}"
        )
    missing = _REQUIRED_TABLES - tables
    if missing:
        raise SchemaVersionMismatch(
            f"{where} is an incomplete yuliao corpus (missing {', '.join(sorted(missing))})"
        )


def _older(version: str | None) -> bool:
    return version is not None and version.isdigit() and int(version) < SCHEMA_VERSION


def _clean(text: str) -> str:
    return _UNSTORABLE.sub("", text)


def _values(doc: NewDocument) -> dict[str, Any]:
    """Column values of ``doc``, storable as they are (validated before any transaction)."""
    values = {f.name: getattr(doc, f.name) for f in fields(doc) if f.name != "crawl_name"}
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = _clean(value)
    values["simhash"] = to_signed64(doc.simhash)
    values["updated_at"] = now()
    return values


def _crawl_values(name: str, *, seeds: list[str], settings: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": _clean(name),
        "seeds": seeds,
        "settings": settings,
        "started_at": now(),
        "status": "running",
    }


def _crawl_id(conn: Connection, name: str) -> int:
    """The id of crawl ``name``, recorded as running if it was not known."""
    values = _crawl_values(name, seeds=[], settings={})
    conn.execute(sqlite_insert(CrawlRow).values(values).on_conflict_do_nothing())
    return conn.execute(select(CrawlRow.id).where(CrawlRow.name == values["name"])).scalar_one()


def _upsert(conn: Connection, values: dict[str, Any]) -> set[str]:
    """Insert or update one document and its index row; return the content hashes it touched."""
    old = conn.execute(
        select(_documents.c.id, _documents.c.tokens, _documents.c.content_hash).where(
            _documents.c.url == values["url"]
        )
    ).first()
    doc_id = conn.execute(_upsert_statement(), values).scalar_one()
    if old is None or old.tokens != values["tokens"]:
        fts.index_document(conn, doc_id, values["tokens"], replace=old is not None)
    return {values["content_hash"]} if old is None else {values["content_hash"], old.content_hash}


@functools.cache
def _upsert_statement() -> Insert:
    """INSERT … ON CONFLICT(url) DO UPDATE, keeping ``updated_at`` when the content is unchanged.

    In SQLite's upsert, the table's columns in SET are the row's values before the update.
    """
    statement = sqlite_insert(DocumentRow)
    new = statement.excluded
    kept = {"id", "url", "duplicate_of", "updated_at", "crawl_id"}
    changes: dict[str, Any] = {c.name: new[c.name] for c in _documents.c if c.name not in kept}
    changes["updated_at"] = case(
        (_documents.c.content_hash == new.content_hash, _documents.c.updated_at),
        else_=new.updated_at,
    )
    changes["crawl_id"] = func.coalesce(new.crawl_id, _documents.c.crawl_id)
    return statement.on_conflict_do_update(
        index_elements=[_documents.c.url], set_=changes
    ).returning(_documents.c.id)


def _mark_duplicates(conn: Connection, hashes: Collection[str]) -> None:
    """Within each group of equal content hashes, point every document at the lowest id.

    Recomputed for whole groups, so a document whose content changed frees (or re-points) the
    documents that were marked as its duplicates.
    """
    twin = _documents.alias("twin")
    lowest = (
        select(func.min(twin.c.id))
        .where(twin.c.content_hash == _documents.c.content_hash)
        .scalar_subquery()
    )
    target = func.nullif(lowest, _documents.c.id)
    ordered = sorted(hashes)
    for start in range(0, len(ordered), _IN_CHUNK):
        conn.execute(
            update(_documents)
            .where(
                _documents.c.content_hash.in_(ordered[start : start + _IN_CHUNK]),
                _documents.c.duplicate_of.is_distinct_from(target),
            )
            .values(duplicate_of=target)
        )


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
    return [GroupStats(key=k, documents=d, tokens=t, chars=c) for k, d, t, c in rows]


def _document(row: Row[Any]) -> Document:
    values = dict(row._mapping)
    values["simhash"] = to_unsigned64(values["simhash"])
    return Document(**values)
