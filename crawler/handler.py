"""Scrapy's HTTP/1.1 download handler, with a cap on the size of a response's header section.

``DOWNLOAD_MAXSIZE`` bounds a body, but nothing bounds the header lines before it: Twisted
caps one line at 16 KiB, not their number, so a hostile server could send header lines until
``DOWNLOAD_TIMEOUT`` and fill memory on the way. Past ``YULIAO_MAX_HEADER_BYTES`` the
response is abandoned (``headers_too_large``).

Scrapy 2.19 swaps the response parser's class inside its connection protocol; this module
does the same with a subclass of that parser, so it follows those private classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred
    from twisted.internet.interfaces import IAddress
    from twisted.web._newclient import HTTP11ClientProtocol
    from twisted.web._newclient import Request as TxRequest
    from twisted.web.iweb import IResponse


class HeadersTooLarge(Exception):
    """A response's header section is larger than ``YULIAO_MAX_HEADER_BYTES``."""


class _BoundedParser(_LenientHTTPClientParser):
    """Scrapy's lenient response parser, counting the bytes of the header section."""

    max_bytes: ClassVar[int] = 256 * 1024  # set by the handler from the crawl's settings

    def lineReceived(self, line: bytes) -> None:
        read = getattr(self, "_header_bytes", 0) + len(line) + 2
        if read > self.max_bytes:
            raise HeadersTooLarge(f"response headers over {self.max_bytes} bytes")
        self._header_bytes = read
        super().lineReceived(line)


class _BoundedProtocol(_LenientHTTP11ClientProtocol):
    def request(self, request: TxRequest) -> Deferred[IResponse]:
        response = super().request(request)
        assert self._parser is not None
        # as Scrapy does; the subclass only adds a counter, made on the first line it reads
        self._parser.__class__ = _BoundedParser
        return response


class _BoundedFactory(_LenientHTTP11ClientFactory):
    def buildProtocol(self, addr: IAddress | None) -> HTTP11ClientProtocol:
        return _BoundedProtocol(self._quiescentCallback)  # type: ignore[no-untyped-call]


class BoundedHTTPDownloadHandler(HTTP11DownloadHandler):
    """``DOWNLOAD_HANDLERS`` for http and https: Scrapy's, with the header cap."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        _BoundedParser.max_bytes = crawler.settings.getint("YULIAO_MAX_HEADER_BYTES", 256 * 1024)
        self._pool._factory = _BoundedFactory
