"""``yuliao serve``: the JSON API and the pages, in-process over a real crawl of the example site."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from typing import Any

import pytest
from starlette.datastructures import QueryParams

import nlp
from crawler.web import readonly_url
from crawler.web.api import jsonable
from crawler.web.params import SEARCH_LIMIT, kwic_params, search_params
from crawler.web.views import annotate, highlight, size
from storage import Corpus, DatabaseError, Document
from tests.conftest import CrawlRun

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def corpus(crawled: CrawlRun) -> Any:
    with Corpus(crawled.db, create=False) as opened:
        yield opened


@pytest.fixture(scope="module")
def nlp_page(corpus: Corpus) -> Document:
    """The example site's /zh/nlp.html, 自然语言处理入门."""
    [doc] = [d for d in corpus.documents() if d.url.endswith("/zh/nlp.html")]
    return doc


def test_search_api_ranks_the_nlp_page_first(web: Any, corpus: Corpus) -> None:
    response = web.get("/api/search", params={"q": "语言"})
    assert response.status_code == 200
    hits = response.json()
    assert hits[0]["url"].endswith("/zh/nlp.html")
    assert "[语言]" in hits[0]["snippet"]
    assert hits == jsonable(corpus.search("语言"))  # the Python API's Hit, field for field


def test_search_api_pages_and_filters(web: Any, corpus: Corpus) -> None:
    first = web.get("/api/search", params={"q": "的", "limit": 3}).json()
    second = web.get("/api/search", params={"q": "的", "limit": 3, "page": 2}).json()
    assert len(first) == len(second) == 3
    assert second == jsonable(corpus.search("的", limit=3, offset=3))
    english = web.get("/api/search", params={"q": "language", "lang": "en"}).json()
    assert english
    assert all("/en/" in hit["url"] for hit in english)
    assert web.get("/api/search", params={"q": "language", "lang": "zh"}).json() == []


def test_search_api_since_filters_by_date(web: Any) -> None:
    assert web.get("/api/search", params={"q": "语言", "since": "2000-01-01"}).json()
    assert web.get("/api/search", params={"q": "语言", "since": "2999-01-01"}).json() == []


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/search?q=x&limit=abc", "limit must be a positive integer, got 'abc'"),
        ("/api/search?q=x&page=0", "page must be a positive integer, got '0'"),
        ("/api/search?q=x&since=yesterday", "since must be a date like 2024-01-31"),
        ("/api/search", "q is required"),
        ("/api/search?q=%21%21%21", "invalid query: empty query"),
        ("/api/kwic?word=x&sort=middle", "sort must be left or right, got 'middle'"),
        ("/api/kwic", "word is required"),
        ("/api/freq?stopwords=maybe", "stopwords must be keep or drop, got 'maybe'"),
    ],
)
def test_bad_parameters_are_400_with_a_message(web: Any, path: str, message: str) -> None:
    response = web.get(path)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_page_sizes_are_capped() -> None:
    assert search_params(QueryParams("q=x&limit=100000")).limit == SEARCH_LIMIT[1]
    assert search_params(QueryParams("q=x&limit=" + "9" * 5000)).limit == SEARCH_LIMIT[1]
    assert kwic_params(QueryParams("word=x&limit=5000&width=500")).limit == 1000


def test_document_api_and_missing_document(web: Any, nlp_page: Document) -> None:
    response = web.get(f"/api/document/{nlp_page.id}")
    assert response.json() == jsonable(nlp_page)
    assert response.json()["fetched_at"].startswith("20")  # datetimes as ISO 8601
    missing = web.get("/api/document/999999")
    assert missing.status_code == 404
    assert missing.json() == {"error": "no such document"}


def test_kwic_api_lines_and_sorting(web: Any, corpus: Corpus) -> None:
    lines = web.get("/api/kwic", params={"word": "语言"}).json()
    assert lines == jsonable(corpus.concordance("语言", width=20, limit=100))
    assert len(lines) > 3
    assert {line["word"] for line in lines} == {"语言"}
    by_right = web.get("/api/kwic", params={"word": "语言", "sort": "right"}).json()
    assert sorted(map(str, by_right)) == sorted(map(str, lines))
    firsts = [nlp.tokenize(line["right"], drop_punct=True)[0].text for line in by_right]
    assert firsts == sorted(firsts)
    by_left = web.get("/api/kwic", params={"word": "语言", "sort": "left"}).json()
    lasts = [nlp.tokenize(line["left"], drop_punct=True)[-1].text for line in by_left]
    assert lasts == sorted(lasts)


def test_kwic_csv_export(web: Any) -> None:
    response = web.get("/kwic.csv", params={"word": "语言", "sort": "left"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''kwic-%E8%AF%AD%E8%A8%80.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    api = web.get("/api/kwic", params={"word": "语言", "sort": "left"}).json()
    assert [{**row, "document_id": int(row["document_id"])} for row in rows] == api


def test_freq_api_language_and_stopwords(web: Any, corpus: Corpus) -> None:
    dropped = web.get("/api/freq", params={"lang": "zh", "top": 200}).json()
    assert dropped == jsonable(corpus.frequencies(lang="zh", top=200))
    kept = web.get("/api/freq", params={"lang": "zh", "top": 200, "stopwords": "keep"}).json()
    assert "的" in dict(kept)
    assert "的" not in dict(dropped)
    english = web.get("/api/freq", params={"lang": "en", "top": 20}).json()
    assert len(english) == 20
    assert all(not re.search("[\u4e00-\u9fff]", word) for word, _ in english)


def test_stats_api(web: Any, corpus: Corpus) -> None:
    stats = web.get("/api/stats").json()
    assert stats == jsonable(corpus.stats())
    assert {group["key"] for group in stats["by_lang"]} >= {"zh", "en"}


def test_search_page_highlights_and_pages(web: Any) -> None:
    page = web.get("/", params={"q": "语言"}).text
    assert "<mark>语言</mark>" in page
    assert "/zh/nlp.html" in page
    first = web.get("/", params={"q": "的", "limit": 2}).text
    assert 'rel="next"' in first
    assert 'rel="prev"' not in first
    assert 'rel="prev"' in web.get("/", params={"q": "的", "limit": 2, "page": 2}).text


def test_query_is_escaped_everywhere(web: Any) -> None:
    for path, params in [("/", {"q": XSS}), ("/kwic", {"word": XSS})]:
        page = web.get(path, params=params).text
        assert "<script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_snippet_markers_become_marks_only_after_escaping() -> None:
    assert highlight("a <b>[x & y]</b> [z]") == (
        "a &lt;b&gt;<mark>x &amp; y</mark>&lt;/b&gt; <mark>z</mark>"
    )


def test_document_page_shows_sentences_and_tokens(web: Any, nlp_page: Document) -> None:
    doc = nlp_page
    page = web.get(f"/doc/{doc.id}").text
    assert '<h1 lang="zh">自然语言处理入门</h1>' in page
    assert page.count('<span class="s">') == len(nlp.split_sentences(doc.text))
    assert page.count('<span class="t word">') == sum(
        token.kind == "word" for token in nlp.tokenize(doc.text)
    )
    assert f'href="{doc.url}" rel="noreferrer noopener"' in page
    top = nlp.keywords(doc.text, top=15)
    assert page.count('<li><a href="http://testserver/kwic?word=') == len(top) > 0
    assert f">{top[0].word}</a></li>" in page


def test_annotate_keeps_the_text() -> None:
    text = "第一句话。第二句话！\n\nThe first sentence, e.g. this one. The second one."
    chunks = annotate(text)
    assert "".join(piece.text for chunk in chunks for piece in chunk.pieces) == text
    sentences = [
        "".join(piece.text for piece in chunk.pieces) for chunk in chunks if chunk.sentence
    ]
    assert sentences == [sentence.text for sentence in nlp.split_sentences(text)]
    assert len(sentences) == 4
    words = [piece.text for chunk in chunks for piece in chunk.pieces if piece.kind == "word"]
    assert words == [token.text for token in nlp.tokenize(text) if token.kind == "word"]


def test_charts_are_svg_bars(web: Any, corpus: Corpus) -> None:
    page = web.get("/freq", params={"lang": "zh"}).text
    bars = re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"', page)
    assert len(bars) == min(30, len(corpus.frequencies(lang="zh", top=50)))
    assert float(bars[0]) >= float(bars[-1]) > 0  # most frequent first, longest
    overview = web.get("/overview").text
    assert overview.count("<svg") == 3
    assert f"<dd>{size(corpus.stats().db_bytes)}</dd>" in overview


@pytest.mark.parametrize(
    ("n_bytes", "shown"),
    [(900, "900 bytes"), (1536, "1.5 KiB"), (552960, "540 KiB"), (5 * 2**30, "5.0 GiB")],
)
def test_sizes_for_people(n_bytes: int, shown: str) -> None:
    assert size(n_bytes) == shown


def test_unknown_pages_are_404(web: Any) -> None:
    assert web.get("/doc/999999").status_code == 404
    assert "no such document" in web.get("/doc/999999").text
    assert web.get("/nowhere").status_code == 404
    assert web.get("/api/nowhere").json() == {"error": "Not Found"}


def test_server_opens_the_corpus_read_only(crawled: CrawlRun, web: Any) -> None:
    before = hashlib.sha256(crawled.path.read_bytes()).hexdigest()
    for path in ("/", "/?q=语言", "/kwic?word=语言", "/freq", "/overview", "/api/stats"):
        assert web.get(path).status_code == 200
    assert hashlib.sha256(crawled.path.read_bytes()).hexdigest() == before
    url = readonly_url(crawled.db)
    assert url.endswith("?mode=ro&uri=true")
    with Corpus(url, create=False) as corpus, pytest.raises(DatabaseError, match="read-only"):
        corpus.ensure_crawl("not allowed")
