"""Per-host politeness state of a crawl: skipped hosts, least delays, pauses.

Scrapy paces requests per download slot (one per host name); these helpers adjust those slots:
a Crawl-delay becomes the slot's delay without jitter (also for slots made later), and a
Retry-After pauses the slot's queue, so that no request queued for the host goes out early.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.utils.asyncio import call_later

if TYPE_CHECKING:
    from scrapy.core.downloader import Downloader
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class HostPolicy:
    """What the politeness middlewares know about each host of one crawl."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.skipped: dict[str, str] = {}  # host -> reason

    def skip(self, host: str, reason: str, message: str) -> None:
        """Fetch nothing more from ``host``; say why once."""
        if host not in self.skipped:
            self.skipped[host] = reason
            logger.warning("skipping host %s: %s", host, message)

    def set_min_delay(self, host: str, delay: float) -> None:
        """At least ``delay`` seconds between two requests to ``host``, exactly (no jitter)."""
        downloader = self._downloader()
        downloader.per_slot_settings.setdefault(host, {}).update(delay=delay, jitter=0.0)
        slot = downloader.slots.get(host)
        if slot is not None:
            slot.delay, slot.jitter = max(slot.delay, delay), 0.0
        logger.info("%s asks for Crawl-delay %g s: honoured", host, delay)

    def min_delay(self, host: str) -> float:
        """The least delay set for ``host`` (0 if none)."""
        settings = self._downloader().per_slot_settings.get(host, {})
        return float(settings.get("delay", 0.0))

    def pause(self, host: str, seconds: float) -> None:
        """Hold every request to ``host`` for ``seconds`` (a Retry-After)."""
        downloader = self._downloader()
        slot = downloader.slots.get(host)
        if slot is None:
            return
        if slot.latercall is not None:
            slot.latercall.cancel()
        # The slot's own wake-up call: while it is set, the downloader sends nothing from the
        # slot's queue; when it fires, the queue is processed as after a download delay.
        slot.latercall = call_later(seconds, downloader._latercall, slot)

    def _downloader(self) -> Downloader:
        assert self.crawler.engine is not None
        return self.crawler.engine.downloader
