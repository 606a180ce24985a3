"""``yuliao crawl --warc FILE``: every response of the crawl, archived as WARC records.

A downloader middleware next to the downloader sees each response as it came off the wire
(before decompression; redirects, HTTP error responses and robots.txt included) together with
the request as sent, less its credentials (``Authorization``, ``Cookie``: a WARC file gets
shared). warcio builds the request and response records (``WARC-Date``, block and payload
digests) and gzips each into a member of its own, as WARC readers expect. That work runs on a
thread of its own, in order, so the reactor only takes a snapshot of headers and body; when
the thread falls behind, responses wait for it (without blocking the reactor) once
``backlog`` bytes are queued, so a slow disk slows the crawl down instead of filling memory.

The file is appended to: a resumed crawl adds to its archive. A kill leaves at most the last
record cut short, which ``yuliao import-warc`` counts and skips.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from importlib.metadata import version
from io import BytesIO
from typing import TYPE_CHECKING, Any, BinaryIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Headers, Request, Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)

# The body as stored is no longer chunked: a reader must not try to undo that.
_UNCHUNKED = frozenset({b"Transfer-Encoding"})
# What the crawl proves its identity with stays out of the archive.
_CREDENTIALS = frozenset({b"Authorization", b"Proxy-Authorization", b"Cookie"})
_BACKLOG = 32 * 1024 * 1024  # bytes of bodies queued for the writer thread, at most


@dataclass(frozen=True, slots=True)
class Exchange:
    """What the archive keeps of one request and its response, copied on the reactor."""

    url: str
    date: str
    request_line: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    protocol: str
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes
    ip_address: str | None

    @classmethod
    def of(cls, request: Request, response: Response) -> Exchange:
        parts = urlparse_cached(request)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rpartition("@")[2]  # without any user:password@
        return cls(
            url=response.url,
            date=datetime_to_iso_date(datetime.now(timezone.utc).replace(tzinfo=None)),
            request_line=f"{request.method} {target} HTTP/1.1",
            request_headers=[("Host", host), *_pairs(request.headers, _UNCHUNKED | _CREDENTIALS)],
            request_body=request.body,
            protocol=response.protocol or "HTTP/1.1",
            status=response.status,
            response_headers=_pairs(response.headers, _UNCHUNKED),
            body=response.body,
            ip_address=str(response.ip_address) if response.ip_address else None,
        )

    @property
    def size(self) -> int:
        return len(self.request_body) + len(self.body)


class _Backlog:
    """Bytes queued for the writer thread, held to ``limit``: past it, callers wait their turn.

    Waiting is asynchronous, on the reactor's event loop; the thread hands each ``release``
    to that loop (``call_soon_threadsafe``). An exchange larger than the limit passes alone.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._freed = asyncio.Event()

    async def reserve(self, size: int) -> None:
        while self.size and self.size + size > self.limit:
            self._freed.clear()
            await self._freed.wait()
        self.size += size

    def release(self, size: int) -> None:
        self.size -= size
        self._freed.set()


class WarcMiddleware:
    """Archive every response in the WARC file ``YULIAO_WARC`` (off when it is not set)."""

    def __init__(self, crawler: Crawler, path: str, *, backlog: int = _BACKLOG) -> None:
        self.crawler = crawler
        self.path = path
        self._file: BinaryIO = open(path, "ab")  # noqa: SIM115 (closed with the spider)
        self._writer = WARCWriter(self._file, gzip=True)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="yuliao-warc")
        self._backlog = _Backlog(backlog)
        self._failed = False
        if os.fstat(self._file.fileno()).st_size == 0:  # a pipe, too, has no position
            self._thread.submit(self._write_info)
        crawler.signals.connect(self._close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("YULIAO_WARC")
        if not path:
            raise NotConfigured  # without a message: Scrapy would log it as a warning
        return cls(crawler, str(path))

    async def process_response(self, request: Request, response: Response) -> Response:
        if not self._failed:
            exchange = Exchange.of(request, response)
            await self._backlog.reserve(exchange.size)
            self._thread.submit(self._write_queued, exchange, asyncio.get_running_loop())
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("yuliao/warc_responses")
        return response

    def _write_queued(self, exchange: Exchange, loop: asyncio.AbstractEventLoop) -> None:
        try:
            if not self._failed:
                self._write(exchange)
        finally:
            loop.call_soon_threadsafe(self._backlog.release, exchange.size)

    def _write(self, exchange: Exchange) -> None:
        """Write the response record, then the request record that points to it."""
        writer = self._writer
        response = writer.create_warc_record(
            exchange.url,
            "response",
            payload=BytesIO(exchange.body),
            length=len(exchange.body),
            warc_headers_dict=_warc_headers(exchange),
            http_headers=StatusAndHeaders(
                f"{exchange.status} {_reason(exchange.status)}".rstrip(),
                exchange.response_headers,
                protocol=exchange.protocol,
            ),
        )
        request = writer.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=StatusAndHeaders(
                exchange.request_line, exchange.request_headers, is_http_request=True
            ),
        )
        self._guarded(writer.write_request_response_pair, request, response)

    def _write_info(self) -> None:
        info = {"software": f"yuliao/{version('yuliao')}", "format": "WARC File Format 1.0"}
        record = self._writer.create_warcinfo_record(os.path.basename(self.path), info)
        self._guarded(self._writer.write_record, record)

    def _guarded(self, write: Any, *records: Any) -> None:
        """Write, or stop archiving after the first error (the crawl goes on)."""
        try:
            write(*records)
        except OSError as exc:
            self._failed = True
            logger.error("cannot write the WARC file %s, archiving stopped: %s", self.path, exc)

    def _close(self) -> None:
        self._thread.shutdown(wait=True)  # the backlog is written before the file closes
        self._file.close()


def _pairs(headers: Headers, left_out: frozenset[bytes]) -> list[tuple[str, str]]:
    """Header name/value pairs as text, one pair per value, as they were on the wire."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        if name not in left_out
        for value in values
    ]


def _warc_headers(exchange: Exchange) -> dict[str, str]:
    headers = {"WARC-Date": exchange.date}
    if exchange.ip_address:
        headers["WARC-IP-Address"] = exchange.ip_address
    return headers


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
