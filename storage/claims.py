"""One process at a time per crawl: a lock the operating system or the server lets go of.

Two ``yuliao crawl --name N`` on one corpus at once would each fetch every page. A crawl holds
a lock named after it for as long as it runs: on SQLite a byte of a lock file beside the
database (``fcntl.lockf``), on PostgreSQL a session advisory lock. Both are released when the
process ends however it ends, ``kill -9`` included, so a crash never leaves a crawl claimed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from sqlalchemy import Engine, exc, text

from .engine import database_errors, display_name, make_engine
from .errors import CrawlRunning, DatabaseError
from .write import clean

logger = logging.getLogger(__name__)

_NAMESPACE = b"yuliao crawl\x00"  # keeps these advisory locks apart from other applications'
# How long to wait for a holder that is going away: a PostgreSQL server ends the session of a
# killed client a moment after the client is gone, and a crawl is often resumed at once.
GRACE_S = 3.0


@contextmanager
def claim_crawl(url: str, crawl: str) -> Iterator[None]:
    """Hold crawl ``crawl`` of the corpus at ``url`` for this process until the block ends.

    No connection to an SQLite corpus stays open meanwhile (the crawl opens its own).

    Raises:
        CrawlRunning: another process holds it.
        DatabaseError: the lock cannot be taken (server down, lock file not writable).
    """
    engine = make_engine(url)
    where = display_name(engine.url)
    try:
        with database_errors(where), _lock(engine, clean(crawl), where):
            yield
    finally:
        engine.dispose()  # closes its connections: a PostgreSQL session and its lock end here


def _lock(engine: Engine, crawl: str, where: str) -> AbstractContextManager[None]:
    """The lock that fits the database behind ``engine``."""
    if engine.dialect.name == "postgresql":
        return _advisory_lock(engine, crawl, where)
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return nullcontext()  # in memory, nobody else can open it; an SQLite URI is left be
    return _file_lock(f"{database}.crawl-lock", crawl, where)


@contextmanager
def _file_lock(path: str, crawl: str, where: str) -> Iterator[None]:
    """Lock one byte of ``path``, at an offset that names the crawl."""
    import fcntl  # POSIX only: ``import storage`` works everywhere, crawling does not

    offset = int.from_bytes(_digest(crawl, 7), "big")  # 56 bits: a valid offset everywhere
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise DatabaseError(f"cannot open lock file {path}: {error.strerror}") from error

    def lock() -> bool:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset, os.SEEK_SET)
        except OSError:  # EAGAIN or EACCES: another process holds it
            return False
        return True

    try:
        _acquire(lock, crawl, where)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def _advisory_lock(engine: Engine, crawl: str, where: str) -> Iterator[None]:
    """A session advisory lock on a connection of its own, held outside any transaction."""
    key = int.from_bytes(_digest(crawl, 8), "big", signed=True)
    conn = engine.connect()

    def lock() -> bool:
        taken = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        conn.commit()  # the lock belongs to the session; no transaction stays open
        return bool(taken)

    try:
        _acquire(lock, crawl, where)
        yield
    finally:
        try:
            conn.close()  # back to the pool: ``claim_crawl`` then ends the session, and the lock
        except exc.SQLAlchemyError:  # the server went away during the crawl: nothing to free
            logger.debug("closing the lock connection of crawl %r failed", crawl)


def _acquire(lock: Callable[[], bool], crawl: str, where: str) -> None:
    """Call ``lock`` until it succeeds, for up to :data:`GRACE_S` seconds."""
    deadline = time.monotonic() + GRACE_S
    while not lock():
        if time.monotonic() > deadline:
            raise CrawlRunning(
                f"crawl {crawl!r} is already running on {where}: wait for it to end, "
                "or use another --name"
            )
        time.sleep(0.1)


def _digest(crawl: str, size: int) -> bytes:
    return hashlib.blake2b(
        _NAMESPACE + crawl.encode("utf-8", "surrogatepass"), digest_size=size
    ).digest()
