"""Live progress of a crawl on stderr, and the event-loop lag that proves the reactor is free.

``YULIAO_PROGRESS``: ``live`` (a rich display, redrawn four times a second), ``log`` (a plain
line every ``YULIAO_PROGRESS_INTERVAL`` seconds), ``off``, or ``auto`` (``live`` when stderr is
a terminal, else ``log``). When the crawl closes, the figures that the summary shows
(``yuliao/elapsed_s``, ``yuliao/pages_per_s``, ...) are added to its stats, which are stored
with the crawl.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text
from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

from crawler.context import CrawlContext
from crawler.summary import CrawlSummary

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

_LAG_PROBE_S = 0.1


class Progress:
    """A Scrapy extension: progress display, lag probe, final figures in the stats."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        mode = settings.get("YULIAO_PROGRESS", "auto")
        if mode == "auto":
            mode = "live" if sys.stderr.isatty() else "log"
        self.mode = mode
        self.interval = settings.getfloat("YULIAO_PROGRESS_INTERVAL", 10.0)
        self.started = time.monotonic()
        self.max_lag = 0.0
        self._last_log = self.started
        self._live: Live | None = None
        self._expected = 0.0
        self._loop = create_looping_call(self._tick)
        crawler.signals.connect(self._opened, signal=signals.spider_opened)
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def summary(self) -> CrawlSummary:
        """The figures now."""
        assert self.crawler.stats is not None
        scheduler = self.crawler.engine.scheduler if self.crawler.engine else None
        queued = len(scheduler) if scheduler is not None else 0  # type: ignore[arg-type]
        elapsed = time.monotonic() - self.started
        return CrawlSummary.from_stats(self.crawler.stats.get_stats(), elapsed, queued)

    def _opened(self) -> None:
        self.started = self._last_log = time.monotonic()
        if self.mode == "live":
            console = Console(stderr=True)
            self._live = Live(console=console, auto_refresh=False, transient=True)
            self._live.start()
        self._expected = time.monotonic() + _LAG_PROBE_S
        self._loop.start(_LAG_PROBE_S, now=False)

    def _tick(self) -> None:
        now = time.monotonic()
        self.max_lag = max(self.max_lag, now - self._expected)
        self._expected = now + _LAG_PROBE_S
        if self._live is not None and now - self._last_log >= 0.25:
            self._last_log = now
            self._live.update(self._render(self.summary()), refresh=True)
        elif self.mode == "log" and now - self._last_log >= self.interval:
            self._last_log = now
            logger.info("progress: %s", self.summary().line())

    def _closed(self, reason: str) -> None:
        if self._loop.running:
            self._loop.stop()
        if self._live is not None:
            self._live.stop()
        summary = self.summary()
        assert self.crawler.stats is not None
        figures: dict[str, Any] = {
            "yuliao/elapsed_s": round(summary.seconds, 3),
            "yuliao/pages_per_s": round(summary.rate, 3),
            "yuliao/loop_lag_max_ms": round(self.max_lag * 1000, 1),
            "yuliao/crawler_pid": os.getpid(),
        }
        context = CrawlContext.of(self.crawler)
        if "pool" in context.__dict__:
            figures["yuliao/worker_pids"] = " ".join(map(str, sorted(context.pool.pids)))
            figures["yuliao/worker_longest_s"] = round(context.pool.longest, 3)
        for key, value in figures.items():
            self.crawler.stats.set_value(key, value)

    def _render(self, summary: CrawlSummary) -> Group:
        name = CrawlContext.of(self.crawler).name
        lines = [f"yuliao crawl {name!r}", summary.line(), *summary.details()]
        return Group(*(Text(line) for line in lines))
