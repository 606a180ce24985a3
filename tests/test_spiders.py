"""The four spiders on loopback sites: site, sitemap, feed, urls; canonical URLs; --lang."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

from tests.crawl_fixtures import FAST, article, frontier_rows, run_crawl, stored_urls
from tests.siteserver import Reply, RoutedServer

Serve = Callable[..., RoutedServer]


def pages(*paths: str, lang: str = "zh") -> dict[str, Reply]:
    return {
        path: Reply.html(article(f"页面{path}", lang=lang, seed=i)) for i, path in enumerate(paths)
    }


def urlset(server: RoutedServer, paths: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{server.url(p)}</loc></url>" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    ).encode()


def test_sitemap_spider_reads_robots_index_and_gzip(serve: Serve, db: str) -> None:
    server = serve(pages("/a.html", "/b.html", "/c.html", "/not-listed.html"))
    xml = {"Content-Type": "application/xml"}
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{server.url('/plain.xml')}</loc></sitemap>"
        f"<sitemap><loc>{server.url('/packed.xml.gz')}</loc></sitemap></sitemapindex>"
    )
    server.routes.update(
        {
            "/robots.txt": Reply(f"User-agent: *\nSitemap: {server.url('/index.xml')}\n".encode()),
            "/index.xml": Reply(index.encode(), headers=xml),
            "/plain.xml": Reply(urlset(server, ["/a.html", "/b.html"]), headers=xml),
            "/packed.xml.gz": Reply(
                gzip.compress(urlset(server, ["/c.html", "/a.html"])),
                headers={"Content-Type": "application/x-gzip"},
            ),
        }
    )
    proc = run_crawl(db, server.url("/"), "--spider", "sitemap", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert sorted(stored_urls(db)) == [server.url(p) for p in ("/a.html", "/b.html", "/c.html")]
    assert "/not-listed.html" not in server.paths()


def test_sitemap_is_streamed_capped_and_never_expands_entities(
    serve: Serve, db: str, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    server = serve(pages("/p0.html"))
    entries = "".join(f"<url><loc>{server.url(f'/p{i}.html')}</loc></url>" for i in range(1, 5000))
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">'
        f'<!ENTITY xxe SYSTEM "file://{secret}">]>'
        f"<urlset><url><loc>{server.url('/p0.html')}&c;&xxe;</loc></url>{entries}</urlset>"
    )
    server.routes["/sitemap.xml"] = Reply(gzip.compress(bomb.encode()))
    proc = run_crawl(
        db, server.url("/sitemap.xml"), "--spider", "sitemap", "--max-pages", "3",
        "-s", "YULIAO_SITEMAP_MAX_URLS=100", *FAST,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "more than 100 entries, the rest ignored" in proc.stderr
    known = [url for url, _, _ in frontier_rows(db)]
    assert len(known) == 100  # the cap, not 5,000
    assert not any("TOP-SECRET" in url or "aaaa" in url for url in known)


def test_feed_spider_reads_rss_and_atom(serve: Serve, db: str) -> None:
    server = serve(pages("/news/1.html", "/news/2.html", "/news/3.html", lang="en"))
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>1</title><link>{server.url('/news/1.html')}</link></item>"
        "<item><title>2</title><link>/news/2.html</link></item></channel></rss>"
    )
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        f'<entry><link rel="alternate" href="{server.url("/news/3.html")}"/>'
        '<link rel="edit" href="/edit/3"/></entry></feed>'
    )
    server.routes.update({"/rss.xml": Reply(rss.encode()), "/atom.xml": Reply(atom.encode())})
    proc = run_crawl(db, server.url("/rss.xml"), server.url("/atom.xml"), "--spider", "feed", *FAST)
    assert proc.returncode == 0, proc.stderr
    expected = [server.url(f"/news/{i}.html") for i in (1, 2, 3)]
    assert sorted(stored_urls(db)) == expected
    assert "/edit/3" not in server.paths()


def test_feed_that_is_not_xml_is_a_clear_failure(serve: Serve, db: str) -> None:
    server = serve(
        {
            "/feed": Reply(
                b"\x00\x01 this is no feed <<<", headers={"Content-Type": "application/rss+xml"}
            )
        }
    )
    proc = run_crawl(db, server.url("/feed"), "--spider", "feed", *FAST)
    assert proc.returncode == 1
    assert proc.stderr.endswith(
        f"Error: no start URL could be fetched: {server.url('/feed')} (not a feed)\n"
    )
    assert "Traceback" not in proc.stderr


def test_urls_spider_fetches_the_list_and_follows_nothing(
    serve: Serve, db: str, tmp_path: Path
) -> None:
    one = serve(pages("/x.html", "/linked.html"))
    other = serve(pages("/y.html"), host="127.0.0.2")
    one.routes["/x.html"] = Reply.html(article("x", links=["/linked.html"]))
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# pages to fetch\n{one.url('/x.html')}\n\n{other.url('/y.html')}\n")
    proc = run_crawl(db, "--spider", "urls", "--urls-file", str(listing), *FAST)
    assert proc.returncode == 0, proc.stderr
    assert sorted(stored_urls(db)) == [one.url("/x.html"), other.url("/y.html")]
    assert "/linked.html" not in one.paths()


def test_site_spider_canonicalizes_and_avoids_traps(serve: Serve, db: str) -> None:
    links = [
        "/a.html?utm_source=x&b=2&a=1",  # tracking parameter dropped, query sorted
        "/a.html?a=1&b=2#section",
        "/s.html;jsessionid=0123456789ABCDEF0123456789ABCDEF",
        "/s.html?PHPSESSID=77e2c6a6b59a4e25a7d0c6a0f5fd5a2a",
        "/s.html?sid=0123456789abcdef0123456789abcdef",
        "/x/y/x/y/x/page.html",  # a segment for the third time: a loop
        "javascript:void(0)", "mailto:someone@example.org", "tel:+861012345678",
        "data:text/html,hi", "http://[::1", "http://127.0.0.1:99999/", "", "#top",
        "http://elsewhere.invalid/page.html",
    ]  # fmt: skip
    server = serve(pages("/a.html", "/s.html", "/x/y/x/y/x/page.html"))
    server.routes["/"] = Reply.html(article("首页", links=links))
    proc = run_crawl(db, server.url("/"), *FAST)
    assert proc.returncode == 0, proc.stderr
    assert sorted(stored_urls(db)) == [server.url(p) for p in ("/", "/a.html?a=1&b=2", "/s.html")]
    assert sorted(p for p in server.paths() if p != "/robots.txt") == [
        "/",
        "/a.html?a=1&b=2",
        "/s.html",
    ]
    assert "path repetition: 1" in proc.stderr
    assert "other site: 1" in proc.stderr
    assert "Spider error" not in proc.stderr


def test_lang_filter_drops_other_languages(serve: Serve, db: str) -> None:
    server = serve({**pages("/zh.html"), **pages("/en.html", lang="en")})
    server.routes["/"] = Reply.html(article("首页", links=["/zh.html", "/en.html"]))
    proc = run_crawl(db, server.url("/"), "--lang", "zh", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert sorted(stored_urls(db)) == [server.url("/"), server.url("/zh.html")]
    assert "lang: 1" in proc.stderr
