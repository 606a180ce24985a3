"""Sites that misbehave: each fault is recorded by reason, the other pages are stored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from tests.crawl_fixtures import FAST, article, frontier_rows, run_crawl, stored_urls
from tests.siteserver import Reply, RoutedServer

Serve = Callable[..., RoutedServer]


def redirect(to: str) -> Reply:
    return Reply(b"", status=302, headers={"Location": to})


def test_faults_are_recorded_and_the_crawl_goes_on(serve: Serve, db: str) -> None:
    busy = Reply(b"busy", status=503)
    links = ["/flaky.html", "/always500.html", "/truncated.html", "/hang.html", "/a", "/chain/0"]
    routes = {
        "/": Reply.html(article("首页", links=links)),
        "/flaky.html": [busy, busy, Reply.html(article("终于"))],  # case 5
        "/always500.html": Reply(b"", status=500),
        "/truncated.html": Reply(b"<p>cut", headers={"Content-Length": "20"}),  # case 4
        "/hang.html": Reply.html(article("慢"), delay=5),  # case 3, with --timeout 1
        "/a": redirect("/b"),  # case 20: a loop ...
        "/b": redirect("/a"),
        **{f"/chain/{i}": redirect(f"/chain/{i + 1}") for i in range(25)},  # ... and a chain
    }
    server = serve(routes)
    proc = run_crawl(
        db, server.url("/"), "--timeout", "1", *FAST, "-s", "YULIAO_RETRY_BACKOFF_S=0.1", timeout=90
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(stored_urls(db)) == [server.url("/"), server.url("/flaky.html")]
    hits = Counter(server.paths())
    assert hits["/flaky.html"] == hits["/always500.html"] == 3  # 2 retries each
    assert hits["/a"] == hits["/b"] == 1  # the loop ends at the first repeat
    assert hits["/chain/20"] == 1  # at most 20 redirects
    assert "/chain/22" not in hits
    errors = {url.removeprefix(server.url("")): error for url, _, error in frontier_rows(db)}
    assert errors["/always500.html"] == "http_500"
    assert errors["/truncated.html"] == "data_loss"
    assert errors["/hang.html"] == "timeout"
    assert errors["/b"] == "redirect_loop"
    assert "redirect_limit" in errors.values()
    assert "Traceback" not in proc.stderr
