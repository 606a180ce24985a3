"""Whole-corpus counts kept for a while: frequencies and the overview read every document.

At 100,000 documents a frequency list takes seconds (it streams every token), so the pages
show a result at most :data:`TTL` seconds old and say when it was counted. Requests that ask
for the same count while it runs wait for that one read instead of starting their own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Generic, TypeVar

TTL = 300.0  # seconds a count is served before it is read again
SIZE = 32  # counts kept; the oldest goes first

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Counted(Generic[T]):
    """A result and when it was read (UTC)."""

    value: T
    at: datetime


class Memo:
    """Results of slow reads by key, each kept ``ttl`` seconds; a failed read is not kept."""

    def __init__(self, ttl: float = TTL, *, size: int = SIZE) -> None:
        self._ttl = ttl
        self._size = size
        self._entries: dict[Hashable, tuple[float, asyncio.Future[Any]]] = {}

    async def get(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> Counted[T]:
        """The kept result for ``key``, or a new one from ``read()`` when none is fresh."""
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic() or _failed(entry[1]):
            self._entries.pop(key, None)
            while len(self._entries) >= self._size:
                del self._entries[next(iter(self._entries))]
            entry = (time.monotonic() + self._ttl, asyncio.ensure_future(_counted(read)))
            self._entries[key] = entry
        return await asyncio.shield(entry[1])  # a client that leaves does not cancel the read


async def _counted(read: Callable[[], Awaitable[T]]) -> Counted[T]:
    return Counted(await read(), datetime.now(timezone.utc))


def _failed(future: asyncio.Future[Any]) -> bool:
    return future.done() and (future.cancelled() or future.exception() is not None)
