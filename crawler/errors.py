"""Short, stable names for why a request failed, used in stats keys and messages."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
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
from twisted.web._newclient import ResponseNeverReceived

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
)


def classify(failure: Failure) -> tuple[str, str]:
    """Sort a request that got no usable response into ``("failed", reason)`` or
    ``("dropped", reason)``: requests Scrapy chose not to send (robots.txt) are drops.

    Reasons are stats-key friendly: ``http_404``, ``connection_refused``, ``robots_txt``, ...
    """
    if failure.check(HttpError):  # a subclass of IgnoreRequest, so first
        return "failed", f"http_{failure.value.response.status}"
    if failure.check(IgnoreRequest):
        return "dropped", "robots_txt" if "robots.txt" in str(failure.value) else "ignored"
    for exc_type, reason in _REASONS:
        if failure.check(exc_type):
            return "failed", reason
    return "failed", type(failure.value).__name__.lower()
