"""Where the crawler may connect: public addresses, and the hosts the user named.

A web page must not steer the crawler into the network it runs in (server-side request
forgery): a link, a redirect or a meta refresh to ``127.0.0.1``, ``10.0.0.5`` or the cloud
metadata address ``169.254.169.254`` is refused, unless the user named that host themselves, as
a start URL's exact ``host:port`` or in the allow-list ``YULIAO_ALLOW_HOSTS``.

This module is the rule, free of Scrapy and Twisted; :mod:`crawler.guard` applies it.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public(ip: IPAddress) -> bool:
    """Whether ``ip`` is a global unicast address, IPv4 inside IPv6 unwrapped first.

    ``::ffff:127.0.0.1``, ``2002:7f00:1::`` (6to4) and ``64:ff9b::7f00:1`` (NAT64) all reach
    127.0.0.1, so they are judged as 127.0.0.1.
    """
    ip = _unwrapped(ip)
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def _unwrapped(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def ip_literal(host: str) -> IPAddress | None:
    """The address a host name spells, in any form a resolver accepts, else ``None``.

    Besides dotted quads and IPv6, C resolvers read ``2130706433``, ``0x7f.0.0.1`` and
    ``127.1`` as 127.0.0.1: links use these forms to slip past naive checks.
    """
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


Ports = set[int | None]  # the ports allowed; None: all of them


@dataclass
class AddressPolicy:
    """The hosts a crawl may reach although they are not public.

    Entries of ``YULIAO_ALLOW_HOSTS`` are ``host``, ``host:port``, an address or a network
    (``10.1.0.0/16``, ``[fd00::]/8``, optionally with ``:port``); start URLs add their exact
    ``host:port``. Names and addresses are looked up in dicts: a crawl may have many start URLs.
    """

    names: dict[str, Ports] = field(default_factory=dict)
    addresses: dict[IPAddress, Ports] = field(default_factory=dict)
    networks: list[tuple[IPNetwork, int | None]] = field(default_factory=list)

    @classmethod
    def from_allow_list(cls, allow: str | Iterable[str]) -> AddressPolicy:
        """A policy from the allow-list (comma-separated text, or a list).

        Raises:
            ValueError: an entry that is neither a host, a network nor ``host:port``.
        """
        policy = cls()
        items = allow.split(",") if isinstance(allow, str) else allow
        for item in filter(None, (item.strip() for item in items)):
            policy._add(*_parse_entry(item))
        return policy

    def name(self, url: str) -> None:
        """Allow the exact ``host:port`` of ``url``, a start URL the user gave."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host:
            self._add(host, _port(parts.scheme, parts.port))

    def named(self, host: str, port: int) -> bool:
        """Whether the user allowed ``host:port`` by name (no address check needed)."""
        return _covers(self.names.get(host), port)

    def permits(self, host: str, port: int, ip: IPAddress) -> bool:
        """Whether the crawler may connect to ``ip`` for a request to ``host:port``."""
        if is_public(ip) or self.named(host, port):
            return True
        ip = _unwrapped(ip)
        if _covers(self.addresses.get(ip), port):
            return True
        return any(ip in net and allowed in (None, port) for net, allowed in self.networks)

    def _add(self, spec: str, port: int | None) -> None:
        """Allow a host name, an address or a network (``spec``), on ``port`` or all ports."""
        if "/" in spec:
            self.networks.append((ipaddress.ip_network(spec, strict=False), port))
            return
        self.names.setdefault(spec, set()).add(port)
        literal = ip_literal(spec)
        if literal is not None:
            self.addresses.setdefault(_unwrapped(literal), set()).add(port)


def _covers(ports: Ports | None, port: int) -> bool:
    return ports is not None and (None in ports or port in ports)


def request_port(url: str) -> tuple[str, str, int]:
    """The scheme, lower-case host and effective port of ``url``."""
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), _port(parts.scheme, parts.port)


def _port(scheme: str, port: int | None) -> int:
    return port if port is not None else _DEFAULT_PORTS.get(scheme, 0)


def _parse_entry(text: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``1.2.3.4:80``, ``[::1]:80``, ``10.0.0.0/8``, ``[fd00::]/8:80``.

    Returns:
        The host, address or network (lower case, no brackets), and the port or ``None``.
    """
    spec, port = text, None
    head, colon, tail = text.rpartition(":")
    if colon and tail.isdigit() and (head.endswith("]") or ":" not in head):
        spec, port = head, int(tail)
        if not 0 < port < 65536:
            raise ValueError(f"bad port in allowed host {text!r}")
    spec = spec.replace("[", "").replace("]", "").lower()
    if "/" in spec:
        try:
            ipaddress.ip_network(spec, strict=False)
        except ValueError:
            raise ValueError(f"not a network: {text!r}") from None
    elif ip_literal(spec) is None and not _HOST_NAME.fullmatch(spec):
        raise ValueError(f"not a host name, address or network: {text!r}")
    return spec, port
