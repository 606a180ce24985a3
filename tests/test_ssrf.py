"""Links and redirects never reach non-public or non-http(s) targets (reliability cases 2, 29-32).

Crawls run with the test resolver and the tripwire handler (tests/sandbox.py): names resolve
only through a table, and a request that reaches the downloader for anything but loopback is
written down instead of sent. Refusals are asserted from the frontier and the tripwire, never
by connecting.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.resolver import dnscache

from crawler.addresses import AddressPolicy, ip_literal, is_public
from crawler.guard import GuardedResolver
from tests.crawl_fixtures import (
    FAST,
    article,
    frontier_rows,
    link_site,
    link_site_paths,
    run_crawl,
    sqlite_rows,
    stored_urls,
)
from tests.sandbox import _Table, sandbox_args
from tests.siteserver import Reply, RoutedServer

Serve = Callable[..., RoutedServer]

PRIVATE = (
    "169.254.169.254",
    "[fd00:ec2::254]",
    "10.1.2.3",
    "172.16.0.9",
    "192.168.1.1",
    "100.64.0.1",
    "[::ffff:127.0.0.2]",
    "0.0.0.0",
    "2130706433",
    "0x7f.0.0.1",
)


def redirect(to: str) -> Reply:
    return Reply(b"", status=302, headers={"Location": to})


def refresh(to: str) -> Reply:
    return Reply.html(
        f'<html><head><meta http-equiv="refresh" content="0; url={to}"></head></html>'
    )


@pytest.fixture
def tripwire(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "tripwire.log"
    path.touch()
    return path


@pytest.fixture
def secret_server() -> Iterator[RoutedServer]:
    """S2: a loopback server no crawl may reach; it must see no request at all."""
    with RoutedServer({"*": Reply.html(article("秘密", seed=99))}, host="127.0.0.2") as server:
        yield server


def outcomes(db: str, server: RoutedServer) -> dict[str, tuple[str, str | None]]:
    return {
        url.removeprefix(server.url("")): (status, error)
        for url, status, error in frontier_rows(db)
    }


# -- the rule -------------------------------------------------------------------------------


@pytest.mark.parametrize("host", [*PRIVATE, "127.1", "[::1]", "224.0.0.1", "[64:ff9b::7f00:1]"])
def test_case30_private_and_disguised_addresses_are_not_public(host: str) -> None:
    ip = ip_literal(host)
    assert ip is not None
    assert not is_public(ip)


def test_case30_public_addresses_are_public() -> None:
    for host in ("8.8.8.8", "[2606:4700:4700::1111]", "93.184.216.34"):
        ip = ip_literal(host)
        assert ip is not None
        assert is_public(ip)
    assert ip_literal("example.com") is None


def test_allow_list_entries() -> None:
    policy = AddressPolicy.from_allow_list(
        "intranet.example, 10.1.2.3:8080,192.168.0.0/16,[::1]:80"
    )
    ip = ipaddress.ip_address
    assert policy.named("intranet.example", 1234)
    assert policy.permits("intranet.example", 80, ip("10.9.9.9"))
    assert policy.permits("x.example", 8080, ip("10.1.2.3"))
    assert not policy.permits("x.example", 8081, ip("10.1.2.3"))
    assert policy.permits("nas.lan", 5000, ip("192.168.7.7"))
    assert policy.permits("[::1]", 80, ip("::1"))
    assert not policy.permits("[::1]", 81, ip("::1"))
    assert not policy.permits("x.example", 80, ip("172.16.0.1"))
    for bad in ("host:99999", "a b", "10.0.0.0/99", ":80", "*.corp.example", "host:abc"):
        with pytest.raises(ValueError, match=r"port|host|network"):
            AddressPolicy.from_allow_list(bad)


def test_case31_a_start_url_allows_its_own_host_and_port_only() -> None:
    policy = AddressPolicy()
    policy.name("http://127.0.0.1:8000/start")
    loopback = ipaddress.ip_address("127.0.0.1")
    assert policy.named("127.0.0.1", 8000)
    assert policy.permits("alias.test", 8000, loopback)
    assert not policy.permits("127.0.0.1", 8001, loopback)


def test_case32_rebinding_is_checked_on_the_address_connected_to() -> None:
    """The resolver passes on only permitted addresses, whatever an earlier lookup said."""

    class Reactor:
        nameResolver = _Table("rebind.test=127.0.0.1,127.0.0.2")

    policy = AddressPolicy.from_allow_list("127.0.0.1:8000")
    resolver = GuardedResolver(Reactor(), 0, policy)  # type: ignore[arg-type]
    answers = []

    class Receiver:
        def resolutionBegan(self, resolution: Any) -> None:
            answers.append([])

        def addressResolved(self, address: Any) -> None:
            answers[-1].append(address.host)

        def resolutionComplete(self) -> None:
            pass

    dnscache.pop("rebind.test", None)
    resolver.resolveHostName(Receiver(), "rebind.test", 8000)
    resolver.resolveHostName(Receiver(), "rebind.test", 8000)
    assert answers == [["127.0.0.1"], []]


# -- crawls ---------------------------------------------------------------------------------


def test_case02_dns_failure_is_recorded_and_the_good_seed_crawled(
    serve: Serve, db: str, tripwire: Path
) -> None:
    server = serve(
        {"/": Reply.html(article("首页", links=["/a.html"])), "/a.html": Reply.html(article("甲"))}
    )
    proc = run_crawl(
        db,
        "http://nothing.invalid./",
        server.url("/"),
        *FAST,
        *sandbox_args(str(tripwire)),
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(stored_urls(db)) == [server.url("/"), server.url("/a.html")]
    failed = {url: (status, error) for url, status, error in frontier_rows(db)}
    # its robots.txt could not be fetched: nothing is fetched from the host, and the URL stays
    # pending for the next run of the crawl (RFC 9309: unreachable means disallow, for now)
    assert failed["http://nothing.invalid./"] == ("pending", "dns_lookup_failed")
    assert tripwire.read_text() == ""


def test_case29_scheme_escapes_are_never_followed(
    serve: Serve, db: str, tripwire: Path, tmp_path: Path
) -> None:
    marker = "MARKER-d41d8cd98f00b204"
    secret = tmp_path / "secret"
    secret.write_text(f"<html><body><p>{marker}</p></body></html>")
    escapes = [
        f"file://{secret}",
        "ftp://127.0.0.1/x",
        "s3://bucket/key",
        f"data:text/html,{marker}",
    ]
    routes: dict[str, Any] = {
        "/": Reply.html(
            article(
                "首页", links=[*escapes, "/r0", "/r1", "/r2", "/r3", "/m0", "/m1", "/m2", "/m3"]
            )
        ),
        **{f"/r{i}": redirect(to) for i, to in enumerate(escapes)},
        **{f"/m{i}": refresh(to) for i, to in enumerate(escapes)},
    }
    server = serve(routes)
    proc = run_crawl(db, server.url("/"), *FAST, *sandbox_args(str(tripwire)), timeout=90)
    assert proc.returncode == 0, proc.stderr
    assert stored_urls(db) == [server.url("/")]
    seen = outcomes(db, server)
    for path in ("/r0", "/r1", "/r2", "/r3", "/m0", "/m1", "/m2", "/m3"):
        assert seen[path] == ("skipped", "blocked_scheme"), path
    texts = " ".join(text for (text,) in sqlite_rows(db, "SELECT text FROM documents"))
    assert marker not in texts
    assert tripwire.read_text() == ""
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("how", ["link", "redirect", "refresh"])
def test_case30_private_and_metadata_addresses_are_refused_before_the_downloader(
    serve: Serve, db: str, tripwire: Path, how: str
) -> None:
    targets = [f"http://{host}/latest/meta-data/" for host in PRIVATE]
    if how == "link":
        routes: dict[str, Any] = {"/": Reply.html(article("首页", links=targets))}
        # the site spider follows links within the allowed domains only: allow them all (an
        # IPv6 literal cannot be an --allow-domain, so its link stays off-site, unrequested)
        domains = [host for host in PRIVATE if not host.startswith("[")]
        args, expected = ["--allow-domain", ",".join(domains)], len(domains)
    else:
        hop = redirect if how == "redirect" else refresh
        paths = [f"/hop{i}" for i in range(len(targets))]
        routes = {"/": Reply.html(article("首页", links=paths))}
        routes |= {path: hop(to) for path, to in zip(paths, targets, strict=True)}
        args, expected = [], len(PRIVATE) * 2  # each hop, and its target
    server = serve(routes)
    proc = run_crawl(db, server.url("/"), *args, *FAST, *sandbox_args(str(tripwire)), timeout=90)
    assert proc.returncode == 0, proc.stderr
    assert stored_urls(db) == [server.url("/")]
    refused = [url for url, status, error in frontier_rows(db) if error == "blocked_address"]
    assert len(refused) == expected, frontier_rows(db)
    assert tripwire.read_text() == ""
    assert "blocked_address" in proc.stderr or "blocked address" in proc.stderr


def test_case31_loopback_port_pivot_is_refused(
    serve: Serve, db: str, tripwire: Path, secret_server: RoutedServer
) -> None:
    other_port = RoutedServer({"*": Reply.html(article("秘密"))})
    with other_port:
        secret = other_port.url("/secret")  # 127.0.0.1, another port: not the seed's
        server = serve(
            {
                "/": Reply.html(article("首页", links=[secret, "/go", "/ok.html"])),
                "/go": redirect(other_port.url("/secret2")),
                "/ok.html": Reply.html(article("好")),
            }
        )
        proc = run_crawl(db, server.url("/"), *FAST, *sandbox_args(str(tripwire)), timeout=90)
        assert proc.returncode == 0, proc.stderr
        assert other_port.hits() == []
    assert sorted(stored_urls(db)) == [server.url("/"), server.url("/ok.html")]
    errors = {url: error for url, _, error in frontier_rows(db)}
    assert errors[secret] == errors[server.url("/go")] == "blocked_address"


def test_case32_names_resolving_to_private_addresses_and_rebinding(
    serve: Serve, db: str, tmp_path: Path, tripwire: Path
) -> None:
    server = serve({})
    port = server.port
    with RoutedServer(
        {"*": Reply.html(article("秘密", seed=7))}, port=port, host="127.0.0.2"
    ) as s2:
        server.routes.update(
            {
                "/": Reply.html(
                    article(
                        "首页",
                        links=[
                            f"http://evil.test:{port}/x",
                            f"http://rebind.test:{port}/y",
                            "/ok.html",
                        ],
                    )
                ),
                "/ok.html": Reply.html(article("好")),
            }
        )
        dns = {"evil.test": ["127.0.0.2"], "rebind.test": ["127.0.0.1", "127.0.0.2"]}
        proc = run_crawl(
            db,
            server.url("/"),
            "--allow-domain",
            "evil.test,rebind.test",
            *FAST,
            "-s",
            "DNSCACHE_ENABLED=False",  # every lookup asks the table: the rebinding happens
            *sandbox_args(str(tripwire), dns),
            timeout=90,
        )
        assert proc.returncode == 0, proc.stderr
        assert s2.hits() == []
    seen = {url: (status, error) for url, status, error in frontier_rows(db)}
    assert seen[f"http://evil.test:{port}/x"] == ("skipped", "blocked_address")
    # the first answer passed the check; the next, at connect time, was held back
    assert seen[f"http://rebind.test:{port}/y"][1] in ("blocked_address", "dns_lookup_failed")
    assert f"not connecting to 127.0.0.2 for rebind.test:{port}" in proc.stderr
    assert server.url("/ok.html") in stored_urls(db)
    assert tripwire.read_text() == ""


def test_allow_hosts_lets_a_named_private_host_in(
    serve: Serve, db: str, tripwire: Path, secret_server: RoutedServer
) -> None:
    allowed = secret_server.url("/page.html")
    server = serve({"/": Reply.html(article("首页", links=[allowed]))})
    proc = run_crawl(
        db,
        server.url("/"),
        "--allow-domain",
        "127.0.0.2",
        "--allow-host",
        f"127.0.0.2:{secret_server.port}",
        *FAST,
        *sandbox_args(str(tripwire)),
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr
    assert allowed in stored_urls(db)
    assert "/page.html" in secret_server.paths()


def test_every_start_url_is_allowed_before_a_resumed_crawl_sends_anything(
    serve: Serve, db: str, tripwire: Path
) -> None:
    """A resumed crawl sends queued pages while start URLs are still being read."""
    first, second = serve({"*": link_site(40)}), serve({"*": link_site(40)}, host="127.0.0.2")
    args = [first.url("/"), second.url("/"), *FAST, *sandbox_args(str(tripwire))]
    stopped = run_crawl(db, *args, "--max-pages", "30", timeout=90)
    assert stopped.returncode == 0, stopped.stderr
    proc = run_crawl(db, *args, timeout=90)
    assert proc.returncode == 0, proc.stderr
    expected = {server.url(path) for server in (first, second) for path in link_site_paths(40)}
    assert sorted(stored_urls(db)) == sorted(expected)
    assert "blocked" not in proc.stderr
