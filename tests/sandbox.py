"""Test-only network plumbing for crawls in a subprocess, so that nothing leaves loopback.

- :class:`TableResolver` is the crawler's guarded resolver over a fixed table of names
  (``YULIAO_TEST_DNS="evil.test=127.0.0.2;rebind.test=127.0.0.1,127.0.0.2"``); a name with
  several addresses answers them in turn (DNS rebinding), other names do not resolve.
- :class:`TripwireHandler` is Scrapy's HTTP handler that refuses to connect anywhere but
  loopback, and writes each such attempt to the file ``YULIAO_TRIPWIRE``: a guard that let a
  request through shows there, without any packet leaving the machine.

Use them with ``-s TWISTED_DNS_RESOLVER=tests.sandbox.TableResolver`` and
``-s 'DOWNLOAD_HANDLERS={"http": "tests.sandbox.TripwireHandler", ...}'`` (see :func:`sandbox_args`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.resolver import HostResolution
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.error import ConnectionRefusedError
from twisted.internet.interfaces import IHostnameResolver
from zope.interface import implementer

from crawler.addresses import ip_literal, request_port
from crawler.guard import GuardedResolver
from crawler.handler import BoundedHTTPDownloadHandler

if TYPE_CHECKING:
    from scrapy.http import Request, Response
    from twisted.internet.base import ReactorBase
    from twisted.internet.interfaces import IAddress, IHostResolution, IResolutionReceiver

    from crawler.addresses import AddressPolicy

_TABLE_NAME = re.compile(r"(^|\.)(test|invalid|localhost)\.?$")


def sandbox_args(tripwire: str, dns: dict[str, Sequence[str]] | None = None) -> list[str]:
    """``yuliao crawl`` arguments that install the table resolver and the tripwire."""
    handler = "tests.sandbox.TripwireHandler"
    return [
        "-s",
        "TWISTED_DNS_RESOLVER=tests.sandbox.TableResolver",
        "-s",
        "DOWNLOAD_HANDLERS=" + json.dumps({"http": handler, "https": handler}),
        "-s",
        f"YULIAO_TRIPWIRE={tripwire}",
        "-s",
        "YULIAO_TEST_DNS=" + ";".join(f"{k}={','.join(v)}" for k, v in (dns or {}).items()),
    ]


@implementer(IHostnameResolver)
class _Table:
    """Answers from a table; each lookup of a name takes its next address (the last repeats)."""

    def __init__(self, spec: str) -> None:
        self.table: dict[str, list[str]] = {}
        for entry in filter(None, spec.split(";")):
            name, _, addresses = entry.partition("=")
            self.table[name.strip().lower()] = addresses.split(",")
            for address in self.table[name.strip().lower()]:
                ip = ip_literal(address)
                assert ip is not None, address
                assert ip.is_loopback, f"not a loopback address: {address}"
        self.lookups: dict[str, Any] = {}

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        resolution = HostResolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        for address in self._answer(hostName.lower()):
            ip = ip_literal(address)
            cls = IPv6Address if ip is not None and ip.version == 6 else IPv4Address
            resolutionReceiver.addressResolved(cls("TCP", address, portNumber))
        resolutionReceiver.resolutionComplete()
        return resolution

    def _answer(self, name: str) -> list[str]:
        literal = ip_literal(name)
        if literal is not None:
            return [str(literal)]
        if name == "localhost":
            return ["127.0.0.1"]
        addresses = self.table.get(name)
        if not addresses:
            return []  # NXDOMAIN
        turn = next(self.lookups.setdefault(name, count()))
        return [addresses[min(turn, len(addresses) - 1)]]


class TableResolver(GuardedResolver):
    """The guarded resolver, with the test table in place of the system's resolver."""

    def __init__(self, reactor: ReactorBase, cache_size: int, policy: AddressPolicy) -> None:
        super().__init__(reactor, cache_size, policy)
        self.original_resolver = _Table(os.environ.get("YULIAO_TEST_DNS", ""))

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: ReactorBase) -> TableResolver:
        os.environ["YULIAO_TEST_DNS"] = crawler.settings.get("YULIAO_TEST_DNS", "")
        return super().from_crawler(crawler, reactor)


class TripwireHandler(BoundedHTTPDownloadHandler):
    """HTTP(S) to loopback and to test names only; anything else is written down and refused.

    Test names (``*.test``, ``*.invalid``, ``localhost``) resolve through the table, which
    holds loopback addresses only.
    """

    async def download_request(self, request: Request) -> Response:
        _, host, _ = request_port(request.url)
        ip = ip_literal(host)
        if (ip is not None and ip.is_loopback) or (ip is None and _TABLE_NAME.search(host)):
            return await super().download_request(request)
        with Path(self._crawler.settings["YULIAO_TRIPWIRE"]).open("a", encoding="utf-8") as log:  # noqa: ASYNC230 (a test log line)
            log.write(request.url + "\n")
        raise ConnectionRefusedError(f"tripwire: {request.url} is not on loopback")
