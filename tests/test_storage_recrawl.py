"""Crawling a site again refreshes it in place, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.crawl_fixtures import FAST, article, link_site, run_crawl, site_urls, urls
from tests.db_fixtures import run_sql
from tests.siteserver import Reply, RoutedServer

Serve = Callable[..., RoutedServer]


def test_case39_a_second_crawl_updates_changed_pages_in_place(
    serve: Serve, corpus_url: str
) -> None:
    site = link_site(20, sections=2)
    edited = Reply.html(article("文章七（修订）", links=["/a8.html"], seed=7007))
    server = serve({"/a7.html": [site("/a7.html"), edited], "*": site})
    changed = server.url("/a7.html")

    def rows() -> dict[str, tuple[Any, ...]]:
        query = "SELECT url, id, content_hash, updated_at, fetched_at FROM documents"
        return {url: tuple(rest) for url, *rest in run_sql(corpus_url, query)}

    assert run_crawl(corpus_url, server.url("/"), "-q", *FAST).returncode == 0
    before = rows()
    proc = run_crawl(corpus_url, server.url("/"), "-q", *FAST)
    assert proc.returncode == 0, proc.stderr
    after = rows()
    assert sorted(urls(corpus_url)) == sorted(before) == sorted(after)
    assert sorted(after) == site_urls(server, 20, sections=2)
    assert after[changed][0] == before[changed][0]  # the same row
    assert after[changed][1] != before[changed][1]
    assert after[changed][2] > before[changed][2]
    for url in set(before) - {changed}:
        assert after[url][:3] == before[url][:3], url  # same id, hash and updated_at
        assert after[url][3] > before[url][3], url  # fetched again all the same
