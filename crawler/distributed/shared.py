"""The Redis side of a distributed crawl: scrapy-redis's queue and dupefilter, with leases.

Keys of crawl NAME (prefix ``yuliao:NAME``):

- ``queue``: pages to fetch, JSON ``{"url", "depth"}``, pushed left and popped right (FIFO).
- ``seen``: the seen-set, 20-byte fingerprints (the frontier table's, :func:`url_fingerprint`).
- ``leases:ID``: pages worker ID has popped and not yet recorded, URL → queue entry.
- ``alive:ID``: worker ID's heartbeat, expiring after ``YULIAO_LEASE_S`` seconds.
- ``workers``: the IDs that may hold leases; ``session``: the id of the current session.
- ``lock``: held by a worker while it joins (and maybe rebuilds the keys from the database).

Every step that must not be cut in half by a kill runs as one Lua script: queueing a page with
its seen-set entry, leasing pages, putting a dead worker's leases back. Queueing, leasing and
adding to the seen-set (a redirect's target, a sitemap) check the session first: once the keys
are lost (Redis restarted or flushed), an empty seen-set would let a worker queue, and fetch
again, pages the database holds as done.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from redis.exceptions import RedisError
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base

from storage.frontier import url_fingerprint

if TYPE_CHECKING:
    from redis import Redis
    from redis.lock import Lock
    from scrapy import Request, Spider
    from scrapy.settings import BaseSettings

_CHUNK = 1000  # entries per Redis command when filling the keys in bulk

_PUT_BACK = """
local function put_back(leases, queue)
  local entries = redis.call('HVALS', leases)
  for _, entry in ipairs(entries) do redis.call('RPUSH', queue, entry) end
  redis.call('DEL', leases)
  return #entries
end
"""

# Both scripts that add to the seen-set first check the session (KEYS[2], ARGV[2]): once it is
# gone, an addition would start the set again from empty.
_IN_SESSION = """
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return -1 end
"""

# KEYS: seen, session. ARGV: fingerprint, session id. 1 when added, 0 when seen before, -1
# when the session is gone.
_SEE = (
    _IN_SESSION
    + """
return redis.call('SADD', KEYS[1], ARGV[1])
"""
)

# KEYS: seen, session, queue. ARGV: fingerprint, session id, entry. 1 when queued, 0 when seen
# before, -1 when the session is gone.
_PUSH_NEW = (
    _IN_SESSION
    + """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('LPUSH', KEYS[3], ARGV[3])
return 1
"""
)

# KEYS: queue, leases:ID, session. ARGV: how many, session id. The entries leased; nil when the
# session is gone.
_LEASE = """
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return nil end
local leased = {}
for _ = 1, tonumber(ARGV[1]) do
  local entry = redis.call('RPOP', KEYS[1])
  if not entry then break end
  redis.call('HSET', KEYS[2], cjson.decode(entry)['url'], entry)
  leased[#leased + 1] = entry
end
return leased
"""

# KEYS: session, alive:ID, workers, queue. ARGV: session id, ID, lease ms, key prefix, busy.
# nil when the session is gone; else {queued, leased by live workers, put back from dead
# workers, live workers with requests in hand}.
_BEAT = (
    _PUT_BACK
    + """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return nil end
redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[2])
local leased, reclaimed, busy = 0, 0, 0
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local leases = ARGV[4] .. ':leases:' .. worker
  local alive = redis.call('GET', ARGV[4] .. ':alive:' .. worker)
  if alive then
    leased = leased + redis.call('HLEN', leases)
    if alive == '1' then busy = busy + 1 end
  else
    reclaimed = reclaimed + put_back(leases, KEYS[4])
    redis.call('SREM', KEYS[3], worker)
  end
end
return {redis.call('LLEN', KEYS[4]), leased, reclaimed, busy}
"""
)

# KEYS: leases:ID, queue, workers, alive:ID. ARGV: ID. How many leases went back.
_LEAVE = (
    _PUT_BACK
    + """
local returned = put_back(KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[4])
return returned
"""
)


class FrontierError(Exception):
    """The frontier's Redis cannot be reached."""


class KeysGone(RedisError):
    """The crawl's session ended under a worker: Redis lost its keys (restarted or flushed)."""

    def __init__(self) -> None:
        super().__init__("the crawl's keys are gone (was Redis restarted or flushed?)")


@dataclass(frozen=True, slots=True)
class Beat:
    """The shared frontier as one heartbeat saw it."""

    queued: int  # pages waiting in the queue
    leased: int  # pages popped by live workers and not yet recorded
    reclaimed: int  # leases of dead workers this beat put back in the queue
    busy: int  # live workers with requests in hand: sitemaps and feeds are not leased

    @property
    def idle(self) -> bool:
        """Whether no worker has anything to do."""
        return not (self.queued or self.leased or self.busy)


def connect(settings: BaseSettings) -> Redis:
    """A client for ``REDIS_URL`` with ``REDIS_PARAMS`` (scrapy-redis's settings)."""
    return get_redis_from_settings(settings)  # type: ignore[no-any-return]


def describe(url: str) -> str:
    """``url`` without its password (in the user part or the query), for messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def check(settings: BaseSettings) -> None:
    """Fail now, with one line, if the frontier's Redis cannot be reached."""
    try:
        connect(settings).ping()
    except RedisError as exc:
        where = describe(settings["REDIS_URL"])
        raise FrontierError(f"cannot reach the frontier {where}: {exc}") from exc


def fingerprint(url: str) -> bytes:
    """A URL's key in the seen-set: the frontier table's fingerprint, as 20 bytes."""
    return bytes.fromhex(url_fingerprint(url))


def prefix_of(crawl: str) -> str:
    return f"yuliao:{crawl}"


class SeenSet(RFPDupeFilter):  # type: ignore[misc]
    """scrapy-redis's dupefilter, keyed by the URL as the frontier table keys it, per session.

    Requests here are already canonical (:mod:`crawler.urls`), so the URL alone is the key.
    Every addition checks the session: after Redis lost its keys, an addition would start an
    empty seen-set, and every URL the crawl knew would look new.
    """

    def __init__(self, server: Redis, key: str, session_key: str) -> None:
        super().__init__(server, key)
        self.session_key = session_key
        self.session = ""  # the id of the session this worker joined
        self._see = server.register_script(_SEE)

    def request_fingerprint(self, request: Request) -> bytes:
        return fingerprint(request.url)

    def request_seen(self, request: Request) -> bool:
        return not self.add(request.url)

    def add(self, url: str) -> bool:
        """Mark ``url`` seen; ``False`` when it was already; :exc:`KeysGone` if it cannot."""
        keys = (self.key, self.session_key)
        added = int(self._see(keys=keys, args=(fingerprint(url), self.session)))
        if added < 0:
            raise KeysGone
        return bool(added)


class LeaseQueue(Base):  # type: ignore[misc]
    """scrapy-redis's FIFO queue of pages, where a pop is a lease and a push is deduplicated.

    Entries are ``{"url", "depth"}`` in JSON, rebuilt into requests by the spider's
    ``page_request``: nothing pickled crosses machines. ``worker`` names this process's leases.
    """

    def __init__(
        self, server: Redis, spider: Spider, crawl: str, worker: str, *, lease_s: float
    ) -> None:
        self.prefix = prefix_of(crawl)
        # Base formats its key with the spider's name: a "%" in the crawl name is escaped.
        super().__init__(server, spider, f"{self.prefix}:queue".replace("%", "%%"), json)
        self.seen = SeenSet(server, self._key("seen"), self._key("session"))
        self.worker = worker
        self.lease_ms = max(1, round(lease_s * 1000))
        self._push_new = server.register_script(_PUSH_NEW)
        self._lease = server.register_script(_LEASE)
        self._beat = server.register_script(_BEAT)
        self._leave = server.register_script(_LEAVE)

    def _key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    @property
    def session(self) -> str:
        """The id of the session this worker joined (the seen-set checks it too)."""
        return self.seen.session

    @session.setter
    def session(self, session: str) -> None:
        self.seen.session = session

    def __len__(self) -> int:
        return int(self.server.llen(self.key))

    def _encode_request(self, request: Request) -> str:
        return _entry(request.url, int(request.meta.get("depth", 0)))

    def _decode_request(self, encoded_request: bytes) -> Request:
        entry = self.serializer.loads(encoded_request)
        return self.spider.page_request(entry["url"], int(entry["depth"]))

    def push(self, request: Request) -> bool:
        """Queue the page unless the crawl has seen its URL; ``False`` if it had."""
        keys = (self.seen.key, self.seen.session_key, self.key)
        args = (fingerprint(request.url), self.session, self._encode_request(request))
        queued = int(self._push_new(keys=keys, args=args))
        if queued < 0:
            raise KeysGone
        return bool(queued)

    def pop(self, timeout: int = 0) -> Request | None:
        leased = self.lease(1)
        return leased[0] if leased else None

    def lease(self, count: int) -> list[Request]:
        """Up to ``count`` pages, each leased to this worker until :meth:`ack` or a crash."""
        keys = (self.key, self._key(f"leases:{self.worker}"), self._key("session"))
        leased = self._lease(keys=keys, args=(count, self.session))
        if leased is None:
            raise KeysGone
        return [self._decode_request(entry) for entry in leased]

    def ack(self, urls: Sequence[str]) -> None:
        """End the leases of pages whose outcome is recorded (other URLs are ignored)."""
        for chunk in _chunks(urls):
            self.server.hdel(self._key(f"leases:{self.worker}"), *chunk)

    def lock(self, timeout: float) -> Lock:
        """The lock a worker holds while it joins, so that one session is built at a time."""
        return self.server.lock(self._key("lock"), timeout=timeout, blocking_timeout=timeout)

    def join(self) -> bool:
        """Enter the current session; ``True`` when there is none alive and one was begun.

        A new session starts from empty keys: the caller refills them from the database,
        then calls :meth:`beat` to register.
        """
        workers = [w.decode() for w in self.server.smembers(self._key("workers"))]
        with self.server.pipeline(transaction=False) as pipe:
            for worker in workers:
                pipe.exists(self._key(f"alive:{worker}"))
            pipe.get(self._key("session"))
            *alive, session = pipe.execute()
        if session is not None and any(alive):
            self.session = session.decode()
            return False
        stale = [self._key(f"{kind}:{w}") for w in workers for kind in ("leases", "alive")]
        names = ("queue", "seen", "workers", "session")
        self.server.delete(*(self._key(name) for name in names), *stale)
        self.session = uuid.uuid4().hex
        return True

    def begin(self) -> None:
        """Open the session :meth:`join` began, once its keys are filled."""
        self.server.set(self._key("session"), self.session)

    def see(self, urls: Iterable[str]) -> None:
        """Add URLs to the seen-set (the crawl's known URLs, when a session begins)."""
        for chunk in _chunks(fingerprint(url) for url in urls):
            self.server.sadd(self.seen.key, *chunk)

    def queue(self, pages: Iterable[tuple[str, int]]) -> None:
        """Queue ``(url, depth)`` pages in order, without deduplication."""
        for chunk in _chunks(_entry(url, depth) for url, depth in pages):
            self.server.lpush(self.key, *chunk)

    def beat(self, *, busy: bool) -> Beat:
        """Prove this worker alive, put back dead workers' leases; :exc:`KeysGone` if it cannot.

        ``busy``: this worker is fetching something that is not a leased page.
        """
        keys = (
            self._key("session"),
            self._key(f"alive:{self.worker}"),
            self._key("workers"),
            self.key,
        )
        args = (self.session, self.worker, self.lease_ms, self.prefix, int(busy))
        found = self._beat(keys=keys, args=args)
        if found is None:
            raise KeysGone
        return Beat(*(int(n) for n in found))

    def leave(self) -> int:
        """Put this worker's leases back in the queue and unregister; how many went back."""
        keys = (
            self._key(f"leases:{self.worker}"),
            self.key,
            self._key("workers"),
            self._key(f"alive:{self.worker}"),
        )
        return int(self._leave(keys=keys, args=(self.worker,)))


def _entry(url: str, depth: int) -> str:
    return json.dumps({"url": url, "depth": depth}, sort_keys=True, ensure_ascii=False)


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    values = iter(values)
    while chunk := list(islice(values, _CHUNK)):
        yield chunk
