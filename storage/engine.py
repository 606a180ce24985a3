"""Database URL → SQLAlchemy engine, with SQLite set up for one writer and many readers.

SQLite connections run with ``isolation_level=None`` so that SQLAlchemy, not the ``sqlite3``
module, emits ``BEGIN`` (the recipe in SQLAlchemy's SQLite dialect documentation). Reads begin
deferred and never take the write lock; writes go through :func:`writer`, whose transactions
begin ``IMMEDIATE``: a deferred transaction that reads and then writes fails at once with
"database is locked" when another process committed in between, whereas ``IMMEDIATE`` waits
for the lock (up to ``busy_timeout``) before reading anything.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, Table, create_engine, event, exc, make_url
from sqlalchemy.dialects import postgresql, sqlite

from .errors import CorpusNotFound, DatabaseError, StorageError

logger = logging.getLogger(__name__)

DEFAULT_DB_URL = "sqlite:///corpus.db"
BUSY_TIMEOUT_S = 30
_WRITE = "yuliao_write"  # execution option that makes a transaction begin IMMEDIATE
_SQLITE_MAGIC = b"SQLite format 3\x00"

_PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}",
    "PRAGMA foreign_keys = ON",
    # With WAL, NORMAL loses nothing committed when the process is killed; a power cut may
    # lose the last commits but never corrupts the file.
    "PRAGMA synchronous = NORMAL",
    "PRAGMA journal_size_limit = 67108864",  # truncate the WAL to 64 MiB after a checkpoint
    "PRAGMA cache_size = -32768",  # 32 MiB of pages: index updates stay in memory at 100k docs
)

_MESSAGES = (  # sqlite3 error text → one line for the user; {where} is the database
    (
        "database is locked",
        "database {where} is busy: another process is writing to it",
    ),
    ("unable to open database file", "cannot open the database {where}"),
    ("file is not a database", "{where} is not an SQLite database (or is damaged)"),
    ("readonly database", "{where} is read-only"),
    ("malformed", "{where} is damaged (database disk image is malformed)"),
    ("database or disk is full", "database or disk is full while writing {where}"),
    (
        "Connection refused",
        "cannot connect to {where}: connection refused (is the server running?)",
    ),
    ("password authentication failed", "cannot connect to {where}: password authentication failed"),
    ("server closed the connection", "lost the connection to {where}: the server closed it"),
    ("terminating connection", "lost the connection to {where}: the server shut down"),
    ("the connection is closed", "lost the connection to {where}"),
    ("read-only transaction", "{where} is read-only"),
)
SUPPORTED = ("sqlite", "postgresql")
_CONNECT_TIMEOUT_S = 10
# Test hook: caps every SQLite connection at this many pages, so that a test can fill the
# database (``database or disk is full``) without filling a disk. Unset in normal use.
MAX_PAGES_ENV = "YULIAO_SQLITE_MAX_PAGES"


def resolve_db_url(url: str | None) -> str:
    """The database URL to use: ``url``, else ``$YULIAO_DB``, else ``sqlite:///corpus.db``."""
    return url or os.environ.get("YULIAO_DB") or DEFAULT_DB_URL


def display_name(url: URL) -> str:
    """How errors name the database: the SQLite file path, else the URL without its password."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite, with the pragmas and transaction control above.

    The journal mode is not set here: it is stored in the file, and a file is switched to WAL
    only when it becomes a corpus (see :func:`enable_wal`), never when it is merely opened.
    """
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:  # the message never repeats the URL: it may hold a password
        raise StorageError(f"invalid database URL: {error}") from error
    if parsed.get_backend_name() not in SUPPORTED:
        raise StorageError(
            f"unsupported database {display_name(parsed)}: use sqlite:/// or postgresql+psycopg://"
        )
    try:
        engine = create_engine(parsed, **_engine_options(parsed))
    except ImportError as error:
        raise StorageError(f"database driver not installed: {error.name}") from error
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_connect)
        event.listen(engine, "begin", _on_begin)
    return engine


def insert(dialect: str, table: Table) -> sqlite.Insert | postgresql.Insert:
    """An INSERT for ``table`` that supports ``ON CONFLICT`` on ``dialect``."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _engine_options(url: URL) -> dict[str, Any]:
    if url.get_backend_name() == "postgresql":
        return {"connect_args": {"connect_timeout": _CONNECT_TIMEOUT_S}}
    return {}


def writer(engine: Engine) -> Engine:
    """The same engine (same pool) whose transactions begin ``IMMEDIATE`` on SQLite."""
    return engine.execution_options(**{_WRITE: True})


def enable_wal(engine: Engine) -> None:
    """Switch an SQLite database to WAL, so that readers and the writer do not block each other.

    Must run outside a transaction; the mode persists in the file.
    """
    raw = engine.raw_connection()
    try:
        mode = raw.cursor().execute("PRAGMA journal_mode = WAL").fetchone()
        logger.debug("journal mode: %s", mode)
    finally:
        raw.close()


def check_sqlite_file(url: URL, *, create: bool) -> None:
    """Refuse, before SQLite touches anything, paths that cannot be or hold a corpus.

    SQLite itself would create a missing file, and would fail late and vaguely on a
    directory, a missing parent directory or a file that is not a database.

    Raises:
        CorpusNotFound: the file does not exist and ``create`` is false.
        DatabaseError: a directory, a missing parent directory, an unreadable file, or a
            file that is not SQLite (an empty file included).
    """
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return
    if database.startswith("file:"):  # an SQLite URI: its mode parameter decides
        return
    path = Path(database)
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a corpus file")
    if not path.exists():
        if not create:
            raise CorpusNotFound(f"no corpus at {path}")
        if not path.parent.is_dir():
            raise DatabaseError(f"cannot create {path}: directory {path.parent} does not exist")
        _create_empty(path)
        return
    try:
        with path.open("rb") as file:
            header = file.read(len(_SQLITE_MAGIC))
    except OSError as error:
        raise DatabaseError(f"cannot read {path}: {error.strerror}") from error
    if not header:
        raise DatabaseError(f"{path} is an empty file, not a yuliao corpus; remove it to start one")
    if header != _SQLITE_MAGIC:
        raise DatabaseError(f"{path} is not a yuliao corpus (not an SQLite database)")


def _create_empty(path: Path) -> None:
    """Put an empty SQLite database (in WAL mode) at ``path`` in one step, unless one appears.

    SQLite would create the file with zero bytes and write its header later: another process
    opening it in between (two crawls started together) would find an empty file, which is
    refused as not a database.
    """
    partial = path.with_name(f".{path.name}.{secrets.token_hex(8)}.new")
    try:
        with closing(sqlite3.connect(partial)) as conn:
            conn.execute("PRAGMA journal_mode = WAL")  # writes the header: the file is whole
        try:
            os.link(partial, path)
        except FileExistsError:
            pass  # another process created it meanwhile: theirs is used
        except PermissionError:  # a file system without hard links (FAT)
            os.rename(partial, path)
    except (OSError, sqlite3.Error) as error:
        detail = getattr(error, "strerror", None) or error
        raise DatabaseError(f"cannot create {path}: {detail}") from error
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def database_errors(where: str) -> Iterator[None]:
    """Turn driver errors into :class:`DatabaseError` with one line that names ``where``."""
    try:
        yield
    except exc.DBAPIError as error:
        raise DatabaseError(describe(error, where)) from error


def describe(error: exc.DBAPIError, where: str) -> str:
    """One line for a driver error; the first line of the driver's text when not recognised."""
    text = str(error.orig).strip()
    detail = text.splitlines()[0] if text else type(error.orig).__name__
    if isinstance(error, exc.IntegrityError):
        return f"constraint failed: {detail}"
    for needle, message in _MESSAGES:
        if needle in detail:
            return message.format(where=where)
    return f"database error on {where}: {detail}"


def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN, see _on_begin
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _PRAGMAS:
            cursor.execute(pragma)
        max_pages = os.environ.get(MAX_PAGES_ENV)
        if max_pages:
            cursor.execute(f"PRAGMA max_page_count = {int(max_pages)}")
    finally:
        cursor.close()


def _on_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN DEFERRED")
