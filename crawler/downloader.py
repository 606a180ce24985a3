"""Scrapy's downloader, with its per-site concurrency limit actually enforced.

Scrapy 2.19 counts a request as transferring only when its download coroutine starts running,
which is after ``_process_queue`` has emptied the slot's queue: a slot allowed 2 requests at a
time sends everything it holds at once (measured: 8 concurrent requests to one host with
``CONCURRENT_REQUESTS_PER_DOMAIN = 2``). Counting the request before scheduling it restores the
limit; the rest is Scrapy's method unchanged.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class PoliteDownloader(Downloader):
    """Set ``DOWNLOADER = "crawler.downloader.PoliteDownloader"``."""

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return  # paused: a download delay or a Retry-After
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # counted now, not when the coroutine starts
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:  # one request per delay: the next one waits for its turn
                self._process_queue(slot)
                break
