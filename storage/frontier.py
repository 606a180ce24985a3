"""A crawl's frontier of record: every URL it has discovered, and how far each one got.

The crawler keeps only a small window of the frontier in memory; the ``frontier`` table is the
queue, the seen-set and the history at once, so a crawl killed at any moment resumes from what
was committed. Rows are keyed by the crawl and a fingerprint of the (already canonical) URL, and
written with ``INSERT … ON CONFLICT DO NOTHING``, so discovering a URL twice is harmless.

Statuses: ``pending`` (to fetch, or to fetch again later), ``done`` (stored), ``failed`` (no
usable response) and ``skipped`` (fetched or refused, and deliberately not stored).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Update,
    bindparam,
    delete,
    exists,
    func,
    select,
    true,
    update,
)

from .engine import database_errors, insert, writer
from .models import crawls_table, documents_table, frontier_table, now
from .write import crawl_id

logger = logging.getLogger(__name__)

Status = Literal["pending", "done", "failed", "skipped"]
STATUSES: tuple[Status, ...] = ("pending", "done", "failed", "skipped")

_frontier = frontier_table
_crawls = crawls_table
_documents = documents_table


def url_fingerprint(url: str) -> str:
    """The 40-hex-digit key of ``url`` in the frontier (SHA-1: short, and collisions are moot)."""
    return hashlib.sha1(url.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class FrontierUrl:
    """A pending URL as the crawler loads it: ``id`` orders the queue (first found, first out)."""

    id: int
    url: str
    depth: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one URL: its new status and, unless it was stored, why."""

    url: str
    status: Status
    error: str | None = None


class Frontier:
    """The frontier rows of one crawl; get one from :meth:`storage.Corpus.frontier`.

    Reads run on the caller's connection and never wait for the writer (SQLite WAL); writes are
    one short transaction each.
    """

    def __init__(self, engine: Engine, crawl_id: int, where: str) -> None:
        self._engine = engine
        self._writer = writer(engine)
        self.crawl_id = crawl_id
        self._where = where

    def __repr__(self) -> str:
        return f"Frontier({self._where!r}, crawl_id={self.crawl_id})"

    def update(self, add: Sequence[tuple[str, int]] = (), outcomes: Sequence[Outcome] = ()) -> int:
        """Record newly discovered ``(url, depth)`` pairs and ``outcomes`` in one transaction.

        New URLs are inserted as pending before the outcomes are applied, so a page is never
        marked done without the links found on it. Returns how many URLs were new.
        """
        if not add and not outcomes:
            return 0
        with database_errors(self._where), self._writer.begin() as conn:
            added = self._insert(conn, add)
            self._apply(conn, outcomes)
        return added

    def pending(self, *, after: int = 0, limit: int = 1000) -> list[FrontierUrl]:
        """Up to ``limit`` pending URLs with an id above ``after``, oldest first."""
        return self._urls(_frontier.c.status == "pending", after=after, limit=limit)

    def known(self, *, after: int = 0, limit: int = 1000) -> list[FrontierUrl]:
        """Up to ``limit`` URLs in any status with an id above ``after``, oldest first."""
        return self._urls(true(), after=after, limit=limit)

    def _urls(self, condition: ColumnElement[bool], *, after: int, limit: int) -> list[FrontierUrl]:
        statement = (
            select(_frontier.c.id, _frontier.c.url, _frontier.c.depth)
            .where(_frontier.c.crawl_id == self.crawl_id, condition, _frontier.c.id > after)
            .order_by(_frontier.c.id)
            .limit(limit)
        )
        with database_errors(self._where), self._engine.connect() as conn:
            return [FrontierUrl(row.id, row.url, row.depth) for row in conn.execute(statement)]

    def counts(self) -> dict[str, int]:
        """How many URLs of the crawl are in each status (every status present, maybe 0)."""
        statement = (
            select(_frontier.c.status, func.count())
            .where(_frontier.c.crawl_id == self.crawl_id)
            .group_by(_frontier.c.status)
        )
        with database_errors(self._where), self._engine.connect() as conn:
            found = {status: int(n) for status, n in conn.execute(statement)}
        return {status: found.get(status, 0) for status in STATUSES}

    def status(self, url: str) -> Outcome | None:
        """The recorded state of ``url``, or ``None`` if the crawl never found it."""
        statement = select(_frontier.c.status, _frontier.c.last_error).where(
            _frontier.c.crawl_id == self.crawl_id,
            _frontier.c.url_fingerprint == url_fingerprint(url),
        )
        with database_errors(self._where), self._engine.connect() as conn:
            row = conn.execute(statement).first()
        return None if row is None else Outcome(url, row.status, row.last_error)

    def prepare_run(self) -> bool:
        """Get the frontier ready for another run of its crawl; ``True`` when it resumes.

        A crawl that last ran to the end (status ``finished``) starts over: its URLs are
        forgotten, so the run fetches everything again and refreshes the stored documents. Any
        other crawl (killed, interrupted, stopped at a page limit) resumes: pending URLs whose
        document was stored after they were queued (the run died between the two commits) are
        marked done, and the rest stay pending.
        """
        with database_errors(self._where), self._writer.begin() as conn:
            status = conn.execute(
                select(_crawls.c.status).where(_crawls.c.id == self.crawl_id)
            ).scalar_one()
            if status == "finished":
                forgotten = conn.execute(
                    delete(_frontier).where(_frontier.c.crawl_id == self.crawl_id)
                ).rowcount
                logger.debug("crawl %d finished before: forgot %d URLs", self.crawl_id, forgotten)
                return False
            reconciled = conn.execute(self._reconcile_statement()).rowcount
            known = conn.execute(
                select(func.count()).where(_frontier.c.crawl_id == self.crawl_id)
            ).scalar_one()
        logger.debug("crawl %d resumes: %d URLs stored but not marked", self.crawl_id, reconciled)
        return bool(known)

    def _reconcile_statement(self) -> Update:
        stored = exists().where(
            _documents.c.url == _frontier.c.url,
            _documents.c.fetched_at >= _frontier.c.updated_at,
        )
        return (
            update(_frontier)
            .where(_frontier.c.crawl_id == self.crawl_id, _frontier.c.status == "pending", stored)
            .values(status="done", updated_at=now())
        )

    def _insert(self, conn: Connection, add: Sequence[tuple[str, int]]) -> int:
        if not add:
            return 0
        stamp = now()
        rows = [
            {
                "crawl_id": self.crawl_id,
                "url": url,
                "url_fingerprint": url_fingerprint(url),
                "depth": depth,
                "status": "pending",
                "attempts": 0,
                "updated_at": stamp,
            }
            for url, depth in _unique(add)
        ]
        statement = insert(conn.dialect.name, _frontier).on_conflict_do_nothing()
        return len(conn.execute(statement.returning(_frontier.c.id), rows).all())

    def _apply(self, conn: Connection, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        statement = (
            update(_frontier)
            .where(
                _frontier.c.crawl_id == self.crawl_id,
                _frontier.c.url_fingerprint == bindparam("fp"),
            )
            .values(
                status=bindparam("new_status"),
                last_error=bindparam("error"),
                attempts=_frontier.c.attempts + 1,
                updated_at=now(),
            )
        )
        rows = [
            {"fp": url_fingerprint(o.url), "new_status": o.status, "error": o.error}
            for o in outcomes
        ]
        conn.execute(statement, rows)


def frontier_of(engine: Engine, crawl: str, where: str) -> Frontier:
    """The frontier of crawl ``crawl`` in ``engine``'s database, recording the crawl if new."""
    with database_errors(where), writer(engine).begin() as conn:
        return Frontier(engine, crawl_id(conn, crawl), where)


def _unique(pairs: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """The pairs with each URL once, at its first (shallowest-found) depth."""
    seen: dict[str, int] = {}
    for url, depth in pairs:
        seen.setdefault(url, depth)
    return list(seen.items())
