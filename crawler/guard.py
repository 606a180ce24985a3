"""The address policy (:mod:`crawler.addresses`) applied to Scrapy, in two layers.

- ``crawler.middlewares.AddressGuardMiddleware``, first of the downloader middlewares, refuses a request
  before anything is sent for it (not even its robots.txt): a scheme other than http(s), or a
  host whose addresses are not public, looked up through the crawl's DNS cache. Redirects and
  meta refreshes come back through it as new requests. Refusals are drops counted as
  ``blocked_scheme`` and ``blocked_address``.
- :class:`GuardedResolver`, the reactor's name resolver (``TWISTED_DNS_RESOLVER``), hands the
  connection only the addresses the policy permits, so a name that resolves to a public address
  for the check and to a private one for the connection (DNS rebinding) still cannot connect.

The response's peer address is checked once more before the page is used.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from scrapy.resolver import CachingHostnameResolver
from twisted.internet import defer
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from zope.interface import implementer, provider

from crawler.addresses import AddressPolicy, IPAddress, ip_literal

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.internet.base import ReactorBase
    from twisted.internet.interfaces import IAddress, IHostResolution
    from typing_extensions import Self

logger = logging.getLogger(__name__)


def allow_list(settings: BaseSettings) -> AddressPolicy:
    """The policy of ``YULIAO_ALLOW_HOSTS``: the setting and the environment variable."""
    entries = [
        settings.get("YULIAO_ALLOW_HOSTS") or "",
        os.environ.get("YULIAO_ALLOW_HOSTS", ""),
    ]
    return AddressPolicy.from_allow_list(",".join(entries))


@provider(IResolutionReceiver)
class _PermittedOnly:
    """Passes on the addresses the policy permits for ``host:port``; drops the others."""

    def __init__(
        self, receiver: IResolutionReceiver, policy: AddressPolicy, host: str, port: int
    ) -> None:
        self.receiver, self.policy, self.host, self.port = receiver, policy, host, port

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: IAddress) -> None:
        ip = ip_literal(getattr(address, "host", ""))
        if ip is not None and self.policy.permits(self.host, self.port, ip):
            self.receiver.addressResolved(address)
        else:
            logger.warning("not connecting to %s for %s:%s", ip, self.host, self.port)

    def resolutionComplete(self) -> None:
        self.receiver.resolutionComplete()


@provider(IResolutionReceiver)
class _Collect:
    """Gathers the addresses of one resolution into ``done``."""

    def __init__(self) -> None:
        self.addresses: list[IPAddress] = []
        self.done: defer.Deferred[list[IPAddress]] = defer.Deferred()

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        pass

    def addressResolved(self, address: IAddress) -> None:
        ip = ip_literal(getattr(address, "host", ""))
        if ip is not None:
            self.addresses.append(ip)

    def resolutionComplete(self) -> None:
        self.done.callback(self.addresses)


@implementer(IHostnameResolver)
class GuardedResolver(CachingHostnameResolver):
    """Scrapy's caching resolver (IPv4 and IPv6) that connects only where the policy permits."""

    def __init__(self, reactor: ReactorBase, cache_size: int, policy: AddressPolicy) -> None:
        super().__init__(reactor, cache_size)
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> Self:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, allow_list(settings))

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        permitted = _PermittedOnly(resolutionReceiver, self.policy, hostName.lower(), portNumber)
        return super().resolveHostName(
            permitted, hostName, portNumber, addressTypes, transportSemantics
        )

    def lookup(self, host: str, port: int) -> defer.Deferred[list[IPAddress]]:
        """All addresses of ``host``, through the cache, for the middleware to judge."""
        collect = _Collect()
        super().resolveHostName(collect, host, port)
        return collect.done


def installed_resolver() -> GuardedResolver | None:
    """The reactor's resolver if it is the guard (a project may configure another)."""
    from twisted.internet import reactor

    resolver = getattr(reactor, "nameResolver", None)
    return resolver if isinstance(resolver, GuardedResolver) else None
