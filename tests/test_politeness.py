"""Politeness, measured from the server's side: robots.txt (RFC 9309) and hostile robots.txt,
Crawl-delay, Retry-After, requests per host, User-Agent. Hosts are distinct loopback addresses."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable

import pytest

from tests.crawl_fixtures import (
    FAST,
    article,
    frontier_rows,
    run_crawl,
    sqlite_rows,
    stored_urls,
)
from tests.siteserver import Reply, Route, RoutedServer

Serve = Callable[..., RoutedServer]


def chain(prefix: str, n: int) -> dict[str, Reply]:
    """``/`` links to n pages, each on its own (a site of n + 1 pages)."""
    links = [f"{prefix}{i}.html" for i in range(n)]
    routes = {f"{prefix}{i}.html": Reply.html(article(f"页{i}", seed=i)) for i in range(n)}
    return {"/": Reply.html(article("首页", links=links)), **routes}


def page_gaps(server: RoutedServer) -> list[float]:
    times = [hit.time for hit in server.hits() if hit.path != "/robots.txt"]
    return [b - a for a, b in itertools.pairwise(times)]


def test_case26_unreadable_robots_txt_means_disallow_all(serve: Serve, db: str) -> None:
    failing = serve({**chain("/p", 2), "/robots.txt": Reply(b"busy", status=503)})
    hanging = serve(
        {**chain("/p", 2), "/robots.txt": Reply(b"User-agent: *\n", delay=3)}, host="127.0.0.2"
    )
    proc = run_crawl(db, failing.url("/"), hanging.url("/"), "--timeout", "1", *FAST)
    assert proc.returncode == 1
    assert set(failing.paths()) == {"/robots.txt"}  # 503: retried, then nothing else
    assert set(hanging.paths()) == {"/robots.txt"}  # timeout: nothing else
    assert proc.stderr.splitlines()[-1] == (
        "Error: no start URL could be fetched: "
        f"{failing.url('/')} (robots txt unavailable); {hanging.url('/')} (timeout)"
    )
    # the start pages stay pending, to be fetched by a later run once robots.txt answers
    assert sorted(status for _, status, _ in frontier_rows(db)) == ["pending", "pending"]


def site(*links: str, robots: Reply | None = None) -> dict[str, Route]:
    """``/`` links to ``links``; every other path is a page; robots.txt as given (else 404)."""
    pages: dict[str, Route] = {
        "/": Reply.html(article("首页", links=links)),
        "*": lambda path: Reply.html(article(path, seed=len(path))),
    }
    return pages if robots is None else {**pages, "/robots.txt": robots}


def text(body: bytes) -> Reply:
    return Reply(body, headers={"Content-Type": "text/plain"})


PRIVATE = ("/private/no.html", "/private/ok.html", "/open.html")
RULES = b"User-agent: *\nDisallow: /private\nAllow: /private/ok\n"


def test_case26_robots_rules_obeyed_and_404_allows_all(serve: Serve, db: str) -> None:
    ruled = serve(site(*PRIVATE, robots=text(RULES)))
    missing = serve(site(*PRIVATE), host="127.0.0.2")  # robots.txt: 404
    proc = run_crawl(db, ruled.url("/"), missing.url("/"), *FAST)
    assert proc.returncode == 0, proc.stderr
    assert "/private/no.html" not in ruled.paths()
    assert {"/private/ok.html", "/open.html"} <= set(ruled.paths())
    assert set(PRIVATE) <= set(missing.paths())
    assert len(stored_urls(db)) == 3 + 4


def redirects(hops: int, final: Reply) -> dict[str, Route]:
    """``/robots.txt`` → ``/r1`` → … → ``/r<hops>``, which answers ``final``."""
    names = ["/robots.txt", *(f"/r{i}" for i in range(1, hops + 1))]
    chain: dict[str, Route] = {
        a: Reply(b"", status=302, headers={"Location": b}) for a, b in itertools.pairwise(names)
    }
    return {**chain, names[-1]: final}


def test_case26_robots_redirects_followed_up_to_five_hops(serve: Serve, db: str) -> None:
    five = serve({**site(*PRIVATE), **redirects(5, text(RULES))})
    six = serve({**site(*PRIVATE), **redirects(6, text(RULES))}, host="127.0.0.2")
    proc = run_crawl(db, five.url("/"), six.url("/"), *FAST)
    assert proc.returncode == 0, proc.stderr
    assert "/r5" in five.paths()
    assert "/private/no.html" not in five.paths()  # the rules at the end of the chain
    assert {"/private/ok.html", "/open.html"} <= set(five.paths())
    assert "/r6" not in six.paths()  # a sixth hop is not followed: unavailable, allow all
    assert set(PRIVATE) <= set(six.paths())


@pytest.mark.parametrize("honoured", [True, False], ids=["crawl-delay", "control"])
def test_case27_crawl_delay_is_the_least_gap(serve: Serve, db: str, honoured: bool) -> None:
    robots = Reply(b"User-agent: *\nCrawl-delay: 2\n")
    slow = serve({**chain("/p", 3), "/robots.txt": robots})
    greedy = serve(
        {**chain("/p", 2), "/robots.txt": Reply(b"User-agent: *\nCrawl-delay: 100000\n")},
        host="127.0.0.2",
    )
    extra = () if honoured else ("-s", "YULIAO_CRAWL_DELAY_MAX=0")  # 0: ignore Crawl-delay
    proc = run_crawl(db, slow.url("/"), greedy.url("/"), "--concurrency", "2", *extra)
    assert proc.returncode == 0, proc.stderr
    gaps = page_gaps(slow)
    assert len(gaps) == 3
    if honoured:  # AutoThrottle is on, and must not go below the Crawl-delay
        assert min(gaps) >= 1.9, gaps  # arrival times jitter when the machine is busy
        assert "skipping host 127.0.0.2" in proc.stderr
        assert "Crawl-delay 100000 s, over the cap" in proc.stderr
        assert set(greedy.paths()) == {"/robots.txt"}
    else:
        assert min(gaps) < 1.5, gaps


def test_case06_retry_after_is_honoured_or_the_host_skipped(serve: Serve, db: str) -> None:
    later = Reply(b"slow down", status=429, headers={"Retry-After": "2"})
    patient = serve({"/": [later, Reply.html(article("首页"))]})
    hopeless = serve(
        {"/": Reply(b"", status=429, headers={"Retry-After": "3600"})}, host="127.0.0.2"
    )
    proc = run_crawl(db, patient.url("/"), hopeless.url("/"), *FAST, timeout=60)
    assert proc.returncode == 0, proc.stderr
    first, second = patient.hits("/")
    assert second.time - first.time >= 1.95
    assert stored_urls(db) == [patient.url("/")]
    assert len(hopeless.hits("/")) == 1
    assert "skipping host 127.0.0.2" in proc.stderr
    assert "retry after too long: 1" in proc.stderr


def test_case27_two_requests_per_host_and_an_identifying_user_agent(serve: Serve, db: str) -> None:
    index = {"/": Reply.html(article("首页", links=[f"/p{i}.html" for i in range(8)]))}
    slow = {**index, "*": Reply.html(article("页"), delay=0.3)}
    servers = [serve(slow), serve(slow, host="127.0.0.2")]
    urls = [server.url("/") for server in servers]
    proc = run_crawl(db, *urls, "--contact", "mailto:corpus@example.org", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert [server.max_active for server in servers] == [2, 2]  # CONCURRENT_REQUESTS_PER_DOMAIN
    agents = {hit.headers.get("User-Agent") for server in servers for hit in server.hits()}
    assert agents == {"yuliao/0.1 (+mailto:corpus@example.org)"}


def huge_robots() -> bytes:
    """Over 5 MB and 200,000 rules; the last rule lies far past the 500 KiB that are read."""
    rules = "".join(f"Disallow: /archive/{i:06d}/\n" for i in range(200_000))
    return f"User-agent: *\nDisallow: /early\n{rules}Disallow: /late\n".encode()


def test_case28_hostile_robots_txt(serve: Serve, db: str) -> None:
    paths = ("/early.html", "/late.html", "/box.html", "/page.html")
    redos = b"User-agent: *\nDisallow: /" + b"*" * 30 + b"x\n"  # matches paths with an "x"
    html = Reply.html("<html><body><h1>Welcome</h1>\nDisallow: /\n</body></html>")
    huge = serve(site(*paths, robots=text(huge_robots())))
    slow = serve(site(*paths, robots=text(redos)), host="127.0.0.2")
    garbage = serve(site(*paths, robots=text(random.Random(28).randbytes(64_000))), "127.0.0.3")
    page = serve(site(*paths, robots=html), host="127.0.0.4")
    servers = (huge, slow, garbage, page)
    proc = run_crawl(db, *(server.url("/") for server in servers), *FAST, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert len(huge_robots()) > 5_000_000
    assert "/early.html" not in huge.paths()
    assert "/late.html" in huge.paths()  # a rule past 500 KiB is never read
    assert f"{huge.url('/robots.txt')} is over 512000 bytes: the rest is not read" in proc.stderr
    [(stats,)] = sqlite_rows(db, "SELECT stats FROM crawls")
    assert json.loads(stats)["downloader/response_bytes"] < 1_000_000  # not the 5 MB
    assert "/box.html" not in slow.paths()
    assert {"/early.html", "/page.html"} <= set(slow.paths())
    for allowed in (garbage, page):  # garbage or an HTML page: allow all
        assert set(paths) <= set(allowed.paths())
