"""Why a request ended without a page to store: short, stable names for stats keys and messages.

Tree of the crawler's own exceptions (all are ``IgnoreRequest``: the request is not sent)::

    IgnoreRequest
    └── RequestRefused      a politeness rule keeps the request from being sent
        ├── RobotsUnavailable   robots.txt could not be read: the host is off limits for now
        └── HostSkipped         the host asks for more patience than the crawl allows
"""

from __future__ import annotations

from typing import Literal

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
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


# Scrapy's own download exceptions (2.19+) first, then Twisted's.
_REASONS: tuple[tuple[type[BaseException], str], ...] = (
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
)


def network_reason(failure: Failure) -> str:
    """The name of a download error (``connection_refused``, ``timeout``, ...)."""
    for exc_type, reason in _REASONS:
        if failure.check(exc_type):
            return reason
    return type(failure.value).__name__.lower()


def classify(failure: Failure) -> tuple[Literal["dropped", "failed"], str, bool]:
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
        return "dropped", _ignored_reason(str(failure.value)), False
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
