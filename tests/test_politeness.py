"""Politeness, measured from the server's side: robots.txt (RFC 9309), Crawl-delay,
Retry-After, requests per host, User-Agent. Hosts are distinct loopback addresses."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from tests.crawl_fixtures import FAST, article, frontier_rows, run_crawl, stored_urls
from tests.siteserver import Reply, RoutedServer

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


def test_case26_robots_rules_404_and_garbage(serve: Serve, db: str) -> None:
    rules = b"User-agent: *\nDisallow: /private\nAllow: /private/ok\n"
    links = ["/private/no.html", "/private/ok.html", "/open.html"]
    site = {"/": Reply.html(article("首页", links=links)), "*": Reply.html(article("页"))}
    ruled = serve({**site, "/robots.txt": Reply(rules, headers={"Content-Type": "text/plain"})})
    missing = serve(site, host="127.0.0.2")  # robots.txt: 404
    html = serve(
        {**site, "/robots.txt": Reply.html("<html><body>Disallow: /</body></html>")},
        host="127.0.0.3",
    )
    proc = run_crawl(db, ruled.url("/"), missing.url("/"), html.url("/"), *FAST)
    assert proc.returncode == 0, proc.stderr
    assert "/private/no.html" not in ruled.paths()
    assert {"/private/ok.html", "/open.html"} <= set(ruled.paths())
    for allowed in (missing, html):
        assert {"/private/no.html", "/private/ok.html", "/open.html"} <= set(allowed.paths())
    assert len(stored_urls(db)) == 3 + 4 + 4


@pytest.mark.parametrize("honoured", [True, False], ids=["crawl-delay", "control"])
def test_case27_crawl_delay_is_the_least_gap(serve: Serve, db: str, honoured: bool) -> None:
    robots = Reply(b"User-agent: *\nCrawl-delay: 1\n")
    slow = serve({**chain("/p", 5), "/robots.txt": robots})
    greedy = serve(
        {**chain("/p", 2), "/robots.txt": Reply(b"User-agent: *\nCrawl-delay: 100000\n")},
        host="127.0.0.2",
    )
    extra = () if honoured else ("-s", "YULIAO_CRAWL_DELAY_MAX=0")  # 0: ignore Crawl-delay
    proc = run_crawl(db, slow.url("/"), greedy.url("/"), "--concurrency", "2", *extra)
    assert proc.returncode == 0, proc.stderr
    gaps = page_gaps(slow)
    assert len(gaps) == 5
    if honoured:  # AutoThrottle is on, and must not go below the Crawl-delay
        assert min(gaps) >= 0.98, gaps
        assert "skipping host 127.0.0.2" in proc.stderr
        assert "Crawl-delay 100000 s, over the cap" in proc.stderr
        assert set(greedy.paths()) == {"/robots.txt"}
    else:
        assert min(gaps) < 0.9, gaps


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


def test_two_requests_per_host_and_an_identifying_user_agent(serve: Serve, db: str) -> None:
    site = {"/": Reply.html(article("首页", links=[f"/p{i}.html" for i in range(8)]))}
    server = serve({**site, "*": Reply.html(article("页"), delay=0.3)})
    proc = run_crawl(db, server.url("/"), "--contact", "mailto:corpus@example.org", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert server.max_active == 2
    agents = {hit.headers.get("User-Agent") for hit in server.hits()}
    assert agents == {"yuliao/0.1 (+mailto:corpus@example.org)"}
