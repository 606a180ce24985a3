"""Hostile links and crawl traps, seen from the server's side: bad hrefs, infinite calendars,
session ids, repeating paths, parameter explosion, soft-404s, XML bombs and XXE."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from storage import Corpus
from tests.crawl_fixtures import FAST, article, frontier_rows, run_crawl, sqlite_rows, stored_urls
from tests.siteserver import Reply, RoutedServer

Serve = Callable[..., RoutedServer]


def fetched(server: RoutedServer) -> list[str]:
    """Every path the server was asked for, robots.txt left out."""
    return [path for path in server.paths() if path != "/robots.txt"]


def any_page(path: str) -> Reply:
    """A page with its own text at every path."""
    return Reply.html(article(path, seed=len(path)))


def test_case18_bad_links_are_skipped_and_good_ones_fetched(serve: Serve, db: str) -> None:
    server = serve({})
    hostile = [
        "javascript:void(0)", "JavaScript:alert(1)", "mailto:someone@example.org",
        "tel:+861012345678", "data:text/html,<p>hi</p>", "http://[::1", "http://[::1]:99999/",
        "http://127.0.0.1:99999/", "//127.0.0.1:0/zero", "http://", "https:///no-host",
        "", "   ", "#frag", "#",
    ]  # fmt: skip
    good = ["/one.html", "two.html", server.url("/three.html") + "#section"]
    anchors = "".join(f'<a href="{href}">{i}</a>' for i, href in enumerate(hostile + good))
    page = article("首页").replace("<nav>", f"<nav><a>no href</a><a href>empty</a>{anchors}")
    server.routes.update({"/": Reply.html(page), "*": any_page})
    proc = run_crawl(db, server.url("/"), *FAST)
    assert proc.returncode == 0, proc.stderr
    assert sorted(fetched(server)) == ["/", "/one.html", "/three.html", "/two.html"]
    assert len(stored_urls(db)) == 4
    assert "Spider error processing" not in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "links skipped: invalid url: 5, not http: 5" in proc.stderr


def calendar(path: str) -> Reply:
    """``/calendar?date=D``: links to the next day, the day before and the next month, forever."""
    day = date.fromisoformat(parse_qs(urlsplit(path).query)["date"][0])
    links = [f"/calendar?date={d}" for d in calendar_links(day)]
    return Reply.html(article(f"日历 {day}", links=links, seed=day.toordinal()))


def calendar_links(day: date) -> list[date]:
    month = day.replace(day=1) + timedelta(days=32)
    return [day + timedelta(days=1), day - timedelta(days=1), month.replace(day=1)]


def within(start: date, clicks: int) -> set[date]:
    """The calendar days reachable from ``start`` in at most ``clicks`` links."""
    seen, level = {start}, {start}
    for _ in range(clicks):
        level = {d for day in level for d in calendar_links(day)} - seen
        seen |= level
    return seen


def test_case22_infinite_calendar_ends_at_the_depth_limit(serve: Serve, db: str) -> None:
    server = serve({"/calendar": calendar})
    start = date(2024, 1, 15)
    proc = run_crawl(db, server.url(f"/calendar?date={start}"), *FAST)  # default DEPTH_LIMIT 5
    assert proc.returncode == 0, proc.stderr
    expected = {"/", *(f"/calendar?date={day}" for day in within(start, 5))}  # "/": 404
    requested = fetched(server)
    assert sorted(requested) == sorted(expected)  # each page once, nothing past 5 clicks
    assert max(depth for (depth,) in sqlite_rows(db, "SELECT depth FROM frontier")) == 5
    summary = proc.stderr.rpartition("crawl '")[2]
    assert "links skipped: depth limit:" in summary


def session_page(path: str) -> Reply | None:
    """Page ``i`` whatever session id its URL carries; its links each get a fresh one."""
    parts = urlsplit(path)
    name = parts.path.split(";")[0]
    query = parse_qs(parts.query)
    if name == "/list" and "page" in query:
        i = int(query["page"][0])
    elif name.startswith("/p") and name.endswith(".html"):
        i = int(name[2:-5])
    else:
        return None
    links = [session_link((i + step) % 20) for step in (1, 2, 7)]
    return Reply.html(article(f"文章{i}", links=links, seed=i))


def session_link(i: int) -> str:
    """A link to page ``i`` with a new session id, in one of three common styles."""
    if i % 3 == 0:
        return f"/p{i}.html;jsessionid={secrets.token_hex(16).upper()}"
    if i % 3 == 1:
        return f"/p{i}.html?PHPSESSID={secrets.token_hex(13)}"
    return f"/list?page={i}&sid={secrets.token_hex(16)}"


def test_case23_session_ids_do_not_multiply_pages(serve: Serve, db: str) -> None:
    server = serve({"*": session_page})
    server.routes["/"] = Reply.html(article("首页", links=[session_link(i) for i in range(20)]))
    proc = run_crawl(db, server.url("/"), *FAST)
    assert proc.returncode == 0, proc.stderr
    urls = stored_urls(db)
    assert len(urls) == 21  # 20 pages and the index, not one per session id
    assert not any(marker in url.lower() for url in urls for marker in ("sessid", "sid="))
    assert len(fetched(server)) == 21  # each page fetched once
    assert len(frontier_rows(db)) == 21


def looping_site(path: str) -> Reply | None:
    """A site whose relative links never end: ``a/``, ``b/``, dot loops, a doubling query."""
    parts = urlsplit(path)
    if parts.path.startswith("/loop/"):
        links = ["a/", "b/"]
    elif parts.path == "/grow":
        links = [f"grow?q={parse_qs(parts.query)['q'][0] * 2}"]
    elif parts.path in ("/", "/x/"):
        links = ["/loop/", "../x/../x/", "./x/./../x/", "/grow?q=ab", "/" + "long/" * 500]
    else:
        return None
    return Reply.html(article(path, links=links, seed=len(path)))


def few_repeats(segments: list[str]) -> bool:
    return all(segments.count(s) <= 2 for s in segments)


def test_case24_repeating_and_growing_urls_end_by_themselves(serve: Serve, db: str) -> None:
    server = serve({"*": looping_site})
    proc = run_crawl(db, server.url("/"), "--depth", "0", *FAST)  # no depth limit
    assert proc.returncode == 0, proc.stderr
    requested = fetched(server)
    assert len(requested) == len(set(requested))
    assert all(len(server.url(path)) <= 2083 for path in requested)
    assert all(few_repeats(urlsplit(path).path.split("/")[1:-1]) for path in requested)
    assert not any("/./" in path or "/../" in path for path in requested)
    loops = {path for path in requested if path.startswith("/loop/")}
    words = {""}  # every path of a's and b's with no segment three times
    for _ in range(4):
        words |= {w + c for w in words for c in "ab" if few_repeats(list(w + c))}
    assert loops == {"/loop/" + "".join(f"{c}/" for c in word) for word in words}
    grown = [path for path in requested if path.startswith("/grow")]
    assert len(server.url(max(grown, key=len))) > 1000  # it grew until the length cap
    assert "path repetition:" in proc.stderr
    assert "url too long:" in proc.stderr


def test_case25_parameter_order_and_tracking_give_one_url(serve: Serve, db: str) -> None:
    links = [
        "/list?sort=a&order=b",
        "/list?order=b&sort=a",
        "/list?sort=a&utm_source=news&order=b&utm_medium=email",
        "/list?utm_campaign=x&order=b&fbclid=abc&sort=a&gclid=1",
        "/list?order=a&sort=b",  # other values: another listing
        "/item?id=7&utm_content=footer",
        "/item?id=7",
    ]
    server = serve(
        {
            "/": Reply.html(article("首页", links=links)),
            "/list": any_page,
            "/item": Reply.html(article("商品", seed=7)),
        }
    )
    proc = run_crawl(db, server.url("/"), *FAST)
    assert proc.returncode == 0, proc.stderr
    assert sorted(fetched(server)) == [
        "/",
        "/item?id=7",
        "/list?order=a&sort=b",
        "/list?order=b&sort=a",
    ]
    assert sorted(stored_urls(db)) == sorted(server.url(path) for path in fetched(server))


def test_case25_soft_404s_are_one_document_with_aliases(serve: Serve, db: str) -> None:
    missing = [f"/gone/{i}.html" for i in range(500)]
    soft_404 = Reply.html(article("页面不存在", seed=404))  # status 200, same body for all
    server = serve({"/": Reply.html(article("首页", links=missing)), "*": soft_404})
    proc = run_crawl(db, server.url("/"), "--concurrency", "8", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert len(fetched(server)) == 501
    rows = sqlite_rows(
        db,
        "SELECT count(*), count(DISTINCT content_hash), sum(duplicate_of IS NULL),"
        " count(DISTINCT duplicate_of) FROM documents WHERE url LIKE '%/gone/%'",
    )
    assert rows == [(500, 1, 1, 1)]  # one original; 499 URLs point at it
    [(original,)] = sqlite_rows(
        db, "SELECT url FROM documents WHERE url LIKE '%/gone/%' AND duplicate_of IS NULL"
    )
    assert original in {server.url(path) for path in missing}
    with Corpus(db) as corpus:  # search shows the page once, the aliases on request
        assert [hit.url for hit in corpus.search("页面不存在", limit=1000)] == [original]
        assert len(corpus.search("页面不存在", include_duplicates=True, limit=1000)) == 500


XML = {"Content-Type": "application/xml"}


def hostile_prologs(secret: Path, dtd_url: str) -> dict[str, str]:
    """DOCTYPEs that would expand to gigabytes, read a local file or fetch a remote DTD."""
    laughs = '<!ENTITY a "LOLLOLLOL">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{f"&{chr(97 + i)};" * 10}">' for i in range(9)
    )
    return {
        "laughs": f"<!DOCTYPE doc [{laughs}]>",
        "quadratic": f'<!DOCTYPE doc [<!ENTITY q "{"Q" * 50_000}">]>',
        "xxe": f'<!DOCTYPE doc [<!ENTITY e SYSTEM "file://{secret}">]>',
        "param": f'<!DOCTYPE doc [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>',
        "dtd": f'<!DOCTYPE doc SYSTEM "{dtd_url}">',
        "remote": f'<!DOCTYPE doc [<!ENTITY % r SYSTEM "{dtd_url}"> %r;]>',
    }


# The entity each prolog defines, referenced where a URL is read.
_REFERENCE = {"laughs": "&j;", "quadratic": "&q;" * 50_000, "xxe": "&e;", "dtd": "&e;"}


def secret_and_s2(serve: Serve, tmp_path: Path) -> tuple[Path, RoutedServer]:
    secret = tmp_path / "secret"
    secret.write_text("TOP-SECRET-MARKER")
    evil = f'<!ENTITY e "TOP-SECRET-MARKER"><!ENTITY % x SYSTEM "file://{secret}">'
    s2 = serve({"*": Reply(evil.encode(), headers=XML)}, host="127.0.0.2")
    return secret, s2


def assert_nothing_leaked(tmp_path: Path, s2: RoutedServer, log: str) -> None:
    """S2 got no request; no payload reached the database files or the log."""
    assert s2.hits() == []
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("corpus.db*"))
    for payload in ("TOP-SECRET", "LOLLOL", "QQQQ"):
        assert payload.encode() not in stored
        assert payload not in log


def urlset(links: list[str]) -> str:
    return "<urlset>" + "".join(f"<url><loc>{url}</loc></url>" for url in links) + "</urlset>"


def rss(links: list[str]) -> str:
    items = "".join(f"<item><title>t</title><link>{url}</link></item>" for url in links)
    return f'<rss version="2.0"><channel>{items}</channel></rss>'


@pytest.mark.parametrize(("spider", "document"), [("sitemap", urlset), ("feed", rss)])
def test_case34_xml_bombs_and_xxe(
    serve: Serve, db: str, tmp_path: Path, spider: str, document: Callable[[list[str]], str]
) -> None:
    secret, s2 = secret_and_s2(serve, tmp_path)
    server = serve({"*": any_page})
    prologs = hostile_prologs(secret, s2.url("/evil.dtd"))
    for name, prolog in prologs.items():
        reference = _REFERENCE.get(name, "")
        links = [server.url(f"/{name}/{i}.html") + reference * (i == 1) for i in range(3)]
        body = f'<?xml version="1.0"?>{prolog}{document(links)}'
        server.routes[f"/{name}.xml"] = Reply(body.encode(), headers=XML)
    seeds = [server.url(f"/{name}.xml") for name in prologs]
    proc = run_crawl(db, *seeds, "--spider", spider, *FAST, timeout=60)
    assert proc.returncode == 0, proc.stderr
    bombs = ("laughs", "quadratic")  # refused whole: libxml2 sees the amplification
    assert sorted(fetched(server)) == sorted(
        [f"/{name}.xml" for name in prologs]
        + [f"/{name}/{i}.html" for name in prologs if name not in bombs for i in range(3)]
    )
    for name in bombs:
        assert f"{spider} {server.url(f'/{name}.xml')}: Maximum entity amplification" in proc.stderr
    assert_nothing_leaked(tmp_path, s2, proc.stderr)
