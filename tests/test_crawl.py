"""End to end: `yuliao crawl` of the example site into SQLite, then the corpus is checked."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import jieba
import pytest

from storage import Corpus
from tests.conftest import SITE, CrawlRun, yuliao
from tests.siteserver import SiteServer

ZH = [p.stem for p in (SITE / "zh").glob("*.html") if p.stem != "index"]
ZH_GB = [p.stem for p in (SITE / "zh-gb").glob("*.html") if p.stem != "index"]
EN = [p.stem for p in (SITE / "en").glob("*.html") if p.stem != "index"]
ARTICLES = [f"/zh/{n}.html" for n in ZH] + [f"/zh-gb/{n}.html" for n in ZH_GB]
ARTICLES += [f"/en/{n}.html" for n in EN]
CRAWLABLE = 36  # examples/SITE.md: 4 index pages + 32 articles
BOILERPLATE = (
    "版权所有 © 语料示例站",
    "网站导航",
    "Copyright © Yuliao Example Site",
    "Site navigation",
)


def stored_urls(db: str) -> set[str]:
    with Corpus(db) as corpus:
        return {doc.url for doc in corpus.documents()}


def test_crawl_stores_every_crawlable_page(crawled: CrawlRun, site_server: SiteServer) -> None:
    urls = stored_urls(crawled.db)
    assert len(ARTICLES) == 32
    assert {site_server.url(path) for path in ARTICLES} <= urls
    assert len(urls) == CRAWLABLE
    assert "36 stored" in crawled.proc.stderr
    assert "robots txt: 2" in crawled.proc.stderr
    assert "http 404: 3" in crawled.proc.stderr


def test_robots_disallowed_directory_not_stored(crawled: CrawlRun) -> None:
    assert not [url for url in stored_urls(crawled.db) if "/private/" in url]
    with Corpus(crawled.db) as corpus:
        assert corpus.search("请勿抓取") == []


def test_chinese_pages_are_zh_with_jieba_words(crawled: CrawlRun, site_server: SiteServer) -> None:
    with Corpus(crawled.db) as corpus:
        for name in ZH:
            doc = corpus.get(site_server.url(f"/zh/{name}.html"))
            assert doc.lang == "zh", name
        nlp_page = corpus.get(site_server.url("/zh/nlp.html"))
    words = nlp_page.tokens.split()
    assert "自然语言" in words  # a jieba dictionary word, not characters
    first_line = nlp_page.text.splitlines()[1]
    expected = [w for w in jieba.lcut(first_line) if w.strip()]
    assert " ".join(expected) in nlp_page.tokens


def test_gb18030_pages_decoded_without_replacement(
    crawled: CrawlRun, site_server: SiteServer
) -> None:
    with Corpus(crawled.db) as corpus:
        for name in ZH_GB:
            doc = corpus.get(site_server.url(f"/zh-gb/{name}.html"))
            assert "\ufffd" not in doc.text, name
            assert doc.encoding == "gb18030", name
            assert doc.lang == "zh"
        assert "𠀀" in corpus.get(site_server.url("/zh-gb/encoding.html")).text
        assert "语料库" in corpus.get(site_server.url("/zh-gb/corpus-building.html")).text


def test_boilerplate_absent_from_text(crawled: CrawlRun) -> None:
    with Corpus(crawled.db) as corpus:
        for doc in corpus.documents():
            for marker in BOILERPLATE:
                assert marker not in doc.text, (doc.url, marker)


def test_english_tokenized_by_treebank_rules(crawled: CrawlRun) -> None:
    with Corpus(crawled.db) as corpus:
        english = list(corpus.documents(lang="en"))
    assert len(english) >= len(EN)
    contracted = [doc for doc in english if "don't" in doc.text]
    assert contracted
    for doc in contracted:
        assert " do n't " in f" {doc.tokens} "


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("书", "/zh/reading.html"),
        ("语言", "/zh/nlp.html"),
        ("natural language", "/en/natural-language.html"),
    ],
)
def test_search_ranks_expected_page_first(
    crawled: CrawlRun, site_server: SiteServer, query: str, expected: str
) -> None:
    with Corpus(crawled.db) as corpus:
        hits = corpus.search(query)
    assert hits[0].url == site_server.url(expected)


def test_search_command_outputs_hits(crawled: CrawlRun, site_server: SiteServer) -> None:
    proc = yuliao("--db", crawled.db, "search", "语言", "--format", "jsonl", "--limit", "1")
    assert proc.returncode == 0, proc.stderr
    assert site_server.url("/zh/nlp.html") in proc.stdout
    assert "[语言]" in proc.stdout


@pytest.mark.parametrize("query", ['"', '" AND * (', "NEAR(", "AND", "-foo", "' OR 1=1 --"])
def test_operator_only_queries_are_clean(crawled: CrawlRun, query: str) -> None:
    before = hashlib.sha256(Path(crawled.path).read_bytes()).hexdigest()
    proc = yuliao("--db", crawled.db, "search", "--", query)
    assert proc.returncode in (0, 2), proc.stderr
    assert "Traceback" not in proc.stderr
    if proc.returncode == 2:
        assert proc.stderr.startswith("Error: invalid query")
    assert hashlib.sha256(Path(crawled.path).read_bytes()).hexdigest() == before


def test_show_and_stats_commands(crawled: CrawlRun, site_server: SiteServer) -> None:
    url = site_server.url("/zh/nlp.html")
    proc = yuliao("--db", crawled.db, "show", url, "--tokens")
    assert proc.returncode == 0, proc.stderr
    assert re.search(rf"^url:\s+{re.escape(url)}$", proc.stdout, re.MULTILINE), proc.stdout
    assert "自然语言 处理" in proc.stdout
    proc = yuliao("--db", crawled.db, "stats", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert '"documents": 36' in proc.stdout


def test_second_crawl_is_idempotent(
    crawled: CrawlRun, site_server: SiteServer, tmp_path: Path
) -> None:
    copy = tmp_path / "again.db"
    copy.write_bytes(Path(crawled.path).read_bytes())
    db = f"sqlite:///{copy}"
    proc = yuliao("--db", db, "crawl", site_server.url("/"), "-q")
    assert proc.returncode == 0, proc.stderr
    assert stored_urls(db) == stored_urls(crawled.db)
    with Corpus(db) as corpus:
        assert corpus.count() == CRAWLABLE
