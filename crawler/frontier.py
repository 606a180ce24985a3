"""The crawl's side of its frontier: a bounded window in memory, the record in the database.

Discovered URLs and outcomes are buffered and written in batches (every ``YULIAO_FRONTIER_BATCH``
entries or ``YULIAO_FRONTIER_FLUSH_S`` seconds) through the crawl's writer thread; a batch
inserts the new URLs before it applies the outcomes, so no page is marked done without its
links. The seen-set is the database's unique key; a bounded LRU cache in front of it spares
the database the links every page repeats (menus, footers), so memory stays flat.

Every page's fate goes through :meth:`CrawlFrontier.record`, which also counts it in the
crawl's stats (``yuliao/stored``, ``yuliao/dropped/<reason>``, ``yuliao/failed/<reason>``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from crawler.urls import UnusableUrl, canonicalize
from storage import StorageError
from storage.frontier import FrontierUrl, Outcome, Status

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.store import CrawlStore

logger = logging.getLogger(__name__)

Fate = Literal["dropped", "failed"]
_STATUS: dict[Fate, Status] = {"dropped": "skipped", "failed": "failed"}


class CrawlFrontier:
    """Buffers, the LRU seen-cache and the queue cursor of one crawl."""

    def __init__(self, crawler: Crawler, store: CrawlStore) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.store = store
        self.backlog = 0  # pending rows in the database not loaded yet (an estimate)
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._seen_max = settings.getint("YULIAO_SEEN_CACHE", 50_000)
        self._found: dict[str, int] = {}  # url -> depth, not yet written
        self._outcomes: list[Outcome] = []
        self._batch = max(1, settings.getint("YULIAO_FRONTIER_BATCH", 500))
        self._interval = settings.getfloat("YULIAO_FRONTIER_FLUSH_S", 1.0)
        self._cursor = 0
        self._writing = 0
        self._last_flush = time.monotonic()
        self._failed = False
        self.committed: Callable[[Sequence[Outcome]], None] | None = None

    def start(self, seeds: list[str], settings: dict[str, object]) -> bool:
        """Record the crawl as running; ``True`` when it resumes with URLs already known."""
        resumed = self.store.start(seeds, settings)
        self.backlog = self.store.frontier.counts()["pending"]
        return resumed

    def discover(self, url: str, depth: int) -> bool:
        """Queue ``url`` (canonical) unless the crawl knows it; ``False`` when it surely does."""
        if self.met(url):
            return False
        self._remember(url)
        self._found.setdefault(url, depth)
        self._maybe_flush()
        return True

    def met(self, url: str) -> bool:
        """Whether this process met ``url`` (canonical) lately: memory only, no query.

        Spiders ask before they build a request: most links of a page (its navigation) were
        met on earlier pages, and a request the scheduler would drop still costs every
        middleware on its way there.
        """
        if url in self._seen:
            self._seen.move_to_end(url)
            return True
        return False

    def known(self, url: str) -> bool:
        """Whether the crawl has met ``url`` (canonical): in memory, or in the database."""
        if url in self._seen or url in self._found:
            return True
        try:
            return self.store.frontier.status(url) is not None
        except StorageError as exc:
            self.fail(exc)
            return True

    def remember(self, url: str) -> None:
        """Note ``url`` as met (a redirect target, fetched under its first URL's row)."""
        self._remember(url)

    def record(
        self,
        url: str | None,
        fate: Fate,
        reason: str,
        *,
        final: str | None = None,
        retry_later: bool = False,
    ) -> None:
        """Count a page that was not stored; mark it in the frontier (``url`` None: not a page).

        ``final`` is the URL fetched last, after redirects: it is recorded with the same fate,
        so that nothing fetches it again. ``retry_later`` leaves the URL pending, for the next
        run of the crawl.
        """
        self._count(f"{fate}/{reason}")
        if url:
            status: Status = "pending" if retry_later else _STATUS[fate]
            self._outcome(url, status, reason, None if retry_later else final)
            self._maybe_flush()

    def stored(self, pages: Iterable[tuple[str, str]]) -> None:
        """Count and mark done pages whose documents have just been committed.

        ``pages`` are pairs: the URL in the frontier, and the URL fetched last.
        """
        count = 0
        for url, final in pages:
            self._outcome(url, "done", None, final)
            count += 1
        self._count("stored", count)
        self.flush()

    def load(self, limit: int, *, settle: bool = False) -> list[FrontierUrl]:
        """The next pending URLs from the database, which is the queue.

        ``settle`` first writes what is buffered and waits for the writes in flight: needed
        when nothing else is queued, else a URL discovered a moment ago would be missed.
        """
        if settle:
            self.flush_now()
        try:
            rows = self.store.frontier.pending(after=self._cursor, limit=limit)
        except StorageError as exc:
            self.fail(exc)
            return []
        if rows:
            self._cursor = rows[-1].id
        self.backlog = max(0, self.backlog - len(rows)) if len(rows) == limit else 0
        return rows

    def has_more(self) -> bool:
        """Whether any URL is still to be loaded (exact: settles the buffers first)."""
        if self._failed:
            return False
        self.flush_now()
        try:
            return bool(self.store.frontier.pending(after=self._cursor, limit=1))
        except StorageError as exc:
            self.fail(exc)
            return False

    def tick(self) -> None:
        """Write the buffers if the last write is older than the flush interval."""
        if time.monotonic() - self._last_flush >= self._interval:
            self.flush()

    def flush(self) -> None:
        """Write the buffers in the background."""
        add, outcomes = self._take()
        if add or outcomes:
            self._writing += 1
            task = asyncio.ensure_future(self.store.write(self._update, add, outcomes))
            task.add_done_callback(self._written)

    def flush_now(self) -> None:
        """Write the buffers, and wait for every write queued before."""
        add, outcomes = self._take()
        if not (add or outcomes or self._writing):
            return
        try:
            self.backlog += self.store.write_now(self._update, add, outcomes)
        except StorageError as exc:
            self.fail(exc)

    def _update(self, add: list[tuple[str, int]], outcomes: list[Outcome]) -> int:
        """Write one batch (on the writer thread), then pass its outcomes to ``committed``."""
        added = self.store.frontier.update(add, outcomes)
        if self.committed is not None and outcomes:
            self.committed(outcomes)
        return added

    def _take(self) -> tuple[list[tuple[str, int]], list[Outcome]]:
        add, outcomes = list(self._found.items()), self._outcomes
        self._found, self._outcomes = {}, []
        self._last_flush = time.monotonic()
        return add, outcomes

    def _outcome(self, url: str, status: Status, error: str | None, final: str | None) -> None:
        self._outcomes.append(Outcome(url, status, error))
        alias = _canonical(final) if final else None
        if alias and alias != url:  # inserted and marked in one transaction: never pending
            self._remember(alias)
            self._found.setdefault(alias, 0)
            self._outcomes.append(Outcome(alias, status, error))

    def _maybe_flush(self) -> None:
        if len(self._found) + len(self._outcomes) >= self._batch:
            self.flush()

    def _written(self, task: asyncio.Future[int]) -> None:
        self._writing -= 1
        if task.cancelled():
            return
        exc = task.exception()
        if isinstance(exc, StorageError):
            self.fail(exc)
        elif exc is not None:
            raise exc
        else:
            self.backlog += task.result()

    def _remember(self, url: str) -> None:
        self._seen[url] = None
        if len(self._seen) > self._seen_max:
            self._seen.popitem(last=False)

    def _count(self, key: str, n: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"yuliao/{key}", n)

    def fail(self, exc: StorageError) -> None:
        """Stop the crawl on a database error: what was committed stays, the rest resumes."""
        if self._failed:
            return
        self._failed = True
        logger.error("%s; stopping the crawl", exc)
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("yuliao/error", str(exc))
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            self._closing = asyncio.ensure_future(
                engine.close_spider_async(reason="database_error")
            )


def _canonical(url: str) -> str | None:
    try:
        return canonicalize(url)
    except UnusableUrl:
        return None
