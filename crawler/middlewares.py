"""Downloader middlewares and a throttle: the crawl safe and polite beyond Scrapy's defaults.

- :class:`AddressGuardMiddleware` sends nothing to a scheme other than http(s) or to a host
  that is not public, unless the user named it (:mod:`crawler.guard`), and
  :class:`PeerAddressMiddleware` checks the address each response came from;
- :class:`PolitenessMiddleware` sends nothing to a host the crawl decided to skip;
- :class:`OriginAuthMiddleware` sends the ``--auth`` credentials to one origin only;
- :class:`RetryAfterMiddleware` honours ``Retry-After`` on 429 and 503 (and backs off
  exponentially without it), within Scrapy's retry limit; a wait above
  ``YULIAO_RETRY_AFTER_MAX`` seconds skips the host, with a message, instead of hanging;
- :class:`CrawlDelayThrottle` is AutoThrottle that never goes below a host's Crawl-delay.

robots.txt itself is :mod:`crawler.robots`.
"""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import get_meta_refresh
from w3lib.http import basic_auth_header

from crawler.addresses import IPAddress, ip_literal, request_port
from crawler.context import CrawlContext
from crawler.errors import Blocked, HostSkipped
from crawler.guard import installed_resolver

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from typing_extensions import Self

    from crawler.hosts import HostPolicy

logger = logging.getLogger(__name__)

_THROTTLED = (429, 503)
_SCHEMES = ("http", "https")


class AddressGuardMiddleware:
    """Refuse non-http(s) requests and non-public hosts before anything is sent."""

    def __init__(self, crawler: Crawler) -> None:
        self.policy = CrawlContext.of(crawler).addresses
        self.resolver = installed_resolver()
        self.refresh_max_delay = crawler.settings.getfloat("METAREFRESH_MAXDELAY")
        if self.resolver is None:
            logger.warning(
                "TWISTED_DNS_RESOLVER is not crawler.guard.GuardedResolver: host names are "
                "not checked for private addresses; address literals still are"
            )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        scheme, host, port = request_port(request.url)
        if scheme not in _SCHEMES:
            raise Blocked("blocked_scheme", f"not an http(s) URL: {request.url[:200]}")
        if self.policy.named(host, port):
            return
        literal = ip_literal(host)
        if literal is not None:
            addresses = [literal]
        elif self.resolver is not None:
            addresses = await maybe_deferred_to_future(self.resolver.lookup(host, port))
        else:
            return
        for ip in addresses:
            if not self.policy.permits(host, port, ip):
                raise Blocked("blocked_address", _refusal(request.url, ip))

    def process_response(self, request: Request, response: Response) -> Response:
        """Record redirects to other schemes, which Scrapy leaves be, as refused."""
        target = self._redirect_target(response)
        if target and urlsplit(target).scheme.lower() not in _SCHEMES:
            raise Blocked("blocked_scheme", f"{request.url[:200]} redirects to {target[:200]}")
        return response

    def _redirect_target(self, response: Response) -> str | None:
        """Where a 3xx or an immediate meta refresh sends the client, if anywhere."""
        if 300 <= response.status < 400 and b"Location" in response.headers:
            location = response.headers[b"Location"] or b""
            return response.urljoin(location.decode("latin-1"))
        if isinstance(response, HtmlResponse):
            delay, url = get_meta_refresh(response)
            if url and delay is not None and delay <= self.refresh_max_delay:
                return url
        return None


class PeerAddressMiddleware:
    """Check the address a response came from, first thing (DNS rebinding, odd resolvers).

    It sits next to the download handler, so that no other middleware (the WARC archive among
    them) sees a response from an address the crawl may not reach.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.policy = CrawlContext.of(crawler).addresses

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        ip: Any = response.ip_address
        _, host, port = request_port(request.url)
        if ip is None or self.policy.permits(host, port, ip):
            return response
        raise Blocked("blocked_address", _refusal(request.url, ip))


def _refusal(url: str, ip: IPAddress) -> str:
    return (
        f"{url[:200]} is at {ip}, not a public address (allow it with YULIAO_ALLOW_HOSTS "
        "or by giving it as a start URL)"
    )


class PolitenessMiddleware:
    """Refuse requests to skipped hosts before anything else happens to them."""

    def __init__(self, crawler: Crawler) -> None:
        self.hosts = CrawlContext.of(crawler).hosts

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        reason = self.hosts.skipped.get(urlparse_cached(request).hostname or "")
        if reason:
            raise HostSkipped(reason)


class OriginAuthMiddleware:
    """HTTP basic auth (``YULIAO_AUTH = "user:password"``) for one origin only.

    The origin is the scheme, host and port of ``YULIAO_AUTH_ORIGIN`` (``yuliao crawl --auth``:
    the first start URL). Scrapy's HttpAuthMiddleware matches the host and its subdomains but
    not the scheme: after ``https://site/`` redirects to ``http://site/``, it sends the
    password again, in clear text (measured on 2.19); and its HTTPAUTH_PASS setting is printed
    with the overridden settings at start-up.
    """

    def __init__(self, settings: BaseSettings) -> None:
        credentials = settings.get("YULIAO_AUTH")
        if not credentials:
            raise NotConfigured("no YULIAO_AUTH")
        origin = settings.get("YULIAO_AUTH_ORIGIN")
        if not origin:
            raise ValueError("YULIAO_AUTH needs YULIAO_AUTH_ORIGIN: the URL to send it to")
        user, _, password = str(credentials).partition(":")
        self.header = basic_auth_header(user, password)
        self.origin = request_port(origin)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings)

    def process_request(self, request: Request) -> None:
        if request_port(request.url) == self.origin:
            request.headers[b"Authorization"] = self.header
        else:
            request.headers.pop(b"Authorization", None)


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, plus a pause of the host on 429/503 as long as the server asks."""

    hosts: HostPolicy

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("YULIAO_RETRY_AFTER_MAX", 120.0)
        self.backoff = settings.getfloat("YULIAO_RETRY_BACKOFF_S", 1.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        middleware.hosts = CrawlContext.of(crawler).hosts
        return middleware

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if response.status in _THROTTLED and not request.meta.get("dont_retry"):
            self._pause(request, response)
        return super().process_response(request, response)

    def _pause(self, request: Request, response: Response) -> None:
        host = urlparse_cached(request).hostname or ""
        wait = retry_after(response.headers.get(b"Retry-After"))
        if wait is not None and wait > self.max_wait:
            self.hosts.skip(
                host,
                "retry_after_too_long",
                f"{response.url} asks to retry after {wait:g} s, over the cap of "
                f"{self.max_wait:g} s (YULIAO_RETRY_AFTER_MAX)",
            )
            raise HostSkipped("retry_after_too_long")
        if wait is None:
            wait = self.backoff * 2 ** int(request.meta.get("retry_times", 0))
        self.hosts.pause(host, min(wait, self.max_wait))


class CrawlDelayThrottle(AutoThrottle):
    """AutoThrottle whose delay for a host never drops below the host's Crawl-delay."""

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        super()._response_downloaded(response, request, spider)
        key = request.meta.get("download_slot")
        slot = self.crawler.engine.downloader.slots.get(key) if key else None
        if slot is not None:
            slot.delay = max(slot.delay, CrawlContext.of(self.crawler).hosts.min_delay(key))


def retry_after(value: bytes | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
