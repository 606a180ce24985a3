"""Why a request ended without a page to store: short, stable names for stats keys and messages.

Tree of the crawler's own exceptions (all are ``IgnoreRequest``: the request is not sent)::

    IgnoreRequest
    └── RequestRefused      a politeness rule keeps the request from being sent
        ├── RobotsUnavailable   robots.txt could not be read: the host is off limits for now
        ├── HostSkipped         the host asks for more patience than the crawl allows
        └── Blocked             a scheme or an address the crawler never connects to
"""

from __future__ import annotations

import gzip
import sys
import zlib
from collections.abc import Iterator
from typing import Literal

import brotli
from OpenSSL.SSL import Error as TlsError
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawler.handler import HeadersTooLarge

if sys.version_info >= (3, 14):
    from compression.zstd import ZstdError
else:
    from backports.zstd import ZstdError


Fate = Literal["dropped", "failed"]


class RequestRefused(IgnoreRequest):
    """A request the crawler chose not to send; ``reason`` is its stats key.

    ``retry_later`` keeps the URL pending in the frontier, for the next run of the crawl.
    """

    retry_later = False

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason.replace("_", " "))
        self.reason = reason


class RobotsUnavailable(RequestRefused):
    """robots.txt answered 5xx or 429, or not at all: RFC 9309 says assume complete disallow."""

    retry_later = True


class HostSkipped(RequestRefused):
    """The host's Crawl-delay or Retry-After is above the crawl's cap."""


class Blocked(RequestRefused):
    """Not http(s) (``blocked_scheme``), or not a public address (``blocked_address``)."""


# Matched against the error and its causes: Scrapy's own download exceptions (2.19+) first,
# then Twisted's, which they wrap, then the decoders' for a body that is not in its
# Content-Encoding (Scrapy's HttpCompressionMiddleware lets those through).
_REASONS: tuple[tuple[type[BaseException], str], ...] = (
    (HeadersTooLarge, "headers_too_large"),
    (TlsError, "tls_handshake"),
    (DownloadConnectionRefusedError, "connection_refused"),
    (CannotResolveHostError, "dns_lookup_failed"),
    (DownloadTimeoutError, "timeout"),
    (ResponseDataLossError, "data_loss"),
    (ConnectionRefusedError, "connection_refused"),
    (DNSLookupError, "dns_lookup_failed"),
    (TimeoutError, "timeout"),
    (TCPTimedOutError, "timeout"),
    (ResponseNeverReceived, "no_response"),
    (ResponseFailed, "data_loss"),
    (DownloadFailedError, "download_failed"),
    (gzip.BadGzipFile, "bad_content_encoding"),
    (zlib.error, "bad_content_encoding"),
    (brotli.error, "bad_content_encoding"),
    (ZstdError, "bad_content_encoding"),
)


def network_reason(failure: Failure) -> str:
    """The name of a download error (``connection_refused``, ``tls_handshake``, ...)."""
    causes = list(_causes(failure.value))
    for exc_type, reason in _REASONS:
        if any(isinstance(cause, exc_type) for cause in causes):
            return reason
    return type(failure.value).__name__.lower()


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the errors it wraps, outermost first.

    Scrapy 2.19 raises a ``DownloadFailedError`` from Twisted's ``ResponseNeverReceived``,
    whose ``reasons`` hold the real error (an OpenSSL one, say).
    """
    pending = [exc]
    while pending:
        exc = pending.pop(0)
        yield exc
        if exc.__cause__ is not None:
            pending.append(exc.__cause__)
        if isinstance(exc, ResponseFailed):
            pending.extend(reason.value for reason in exc.reasons if isinstance(reason, Failure))


def classify(failure: Failure) -> tuple[Fate, str, bool]:
    """Sort a request that got no usable response: failed or dropped, why, retry in a later run.

    Requests the crawler chose not to send (robots.txt, politeness caps, size limits) are
    drops, not failures, except an unreadable robots.txt, which is the site's failure.
    """
    if failure.check(RequestRefused):
        refused = failure.value
        if isinstance(refused, RobotsUnavailable):
            return "failed", refused.reason, refused.retry_later
        return "dropped", refused.reason, refused.retry_later
    if failure.check(DownloadCancelledError):  # DOWNLOAD_MAXSIZE: our limit, not the site's fault
        return "dropped", "too_large", False
    if failure.check(HttpError):  # a subclass of IgnoreRequest, so before it
        return "failed", f"http_{failure.value.response.status}", False
    if failure.check(IgnoreRequest):
        reason = _ignored_reason(str(failure.value))
        fate: Fate = "failed" if reason == "redirect_limit" else "dropped"  # the site's fault
        return fate, reason, False
    return "failed", network_reason(failure), False


def _ignored_reason(message: str) -> str:
    if "robots.txt" in message:
        return "robots_txt"
    if "DOWNLOAD_MAXSIZE" in message:  # decompression bomb
        return "too_large"
    if "max redirections" in message.lower():
        return "redirect_limit"
    if "offsite" in message.lower():
        return "offsite"
    return "ignored"
