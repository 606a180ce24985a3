"""``yuliao serve``: the JSON API and the pages, in-process over a real crawl of the example site."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import re
from typing import Any

import pytest
from starlette.datastructures import QueryParams

import nlp
from crawler.web import create_app, readonly_url
from crawler.web.api import jsonable
from crawler.web.charts import column_chart, compact, nice_top
from crawler.web.memo import Memo
from crawler.web.overview import OTHER, buckets, languages, stack
from crawler.web.params import SEARCH_LIMIT, kwic_params, search_params
from crawler.web.views import annotate, highlight, size
from storage import Corpus, DatabaseError, Document, Period
from tests.conftest import CrawlRun
from tests.db_fixtures import doc
from tests.test_storage_query import ARTICLE, EDITED, ENGLISH, LONG

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
        ("/api/overview?by=crawled", "by must be published or fetched, got 'crawled'"),
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


def test_pages_forbid_scripts(web: Any) -> None:
    for path in ("/", "/api/stats", "/static/style.css", "/nowhere"):
        headers = web.get(path).headers
        assert "script-src 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


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
    assert overview.count("<svg") == 5  # documents and tokens over time, then three bar charts
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


def test_memo_keeps_counts_and_shares_a_running_read() -> None:
    reads: list[str] = []

    async def read(value: str) -> str:
        reads.append(value)
        await asyncio.sleep(0.01)
        return value

    async def scenario() -> None:
        memo = Memo(ttl=60)
        first, second = await asyncio.gather(
            memo.get("k", lambda: read("a")), memo.get("k", lambda: read("b"))
        )
        assert first == second
        assert first.value == "a"
        assert (await memo.get("k", lambda: read("c"))).value == "a"  # still fresh
        assert (await memo.get("other", lambda: read("d"))).value == "d"
        expired = Memo(ttl=0)
        await expired.get("k", lambda: read("e"))
        assert (await expired.get("k", lambda: read("f"))).value == "f"

    asyncio.run(scenario())
    assert reads == ["a", "d", "e", "f"]


def test_memo_does_not_keep_failures() -> None:
    async def fail() -> str:
        raise DatabaseError("database is busy")

    async def succeed() -> str:
        return "ok"

    async def scenario() -> None:
        memo = Memo(ttl=60)
        with pytest.raises(DatabaseError):
            await memo.get("k", fail)
        assert (await memo.get("k", succeed)).value == "ok"

    asyncio.run(scenario())


# Overview over time, crawls, near duplicates

CRAWL_STATS = {
    "response_received_count": 10,
    "yuliao/stored": 7,
    "yuliao/dropped/too_short": 2,
    "yuliao/dropped/language": 1,
    "yuliao/failed/http_404": 1,
}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A small corpus built through the Python API: two crawls, near duplicates, old dates."""
    from starlette.testclient import TestClient

    url = f"sqlite:///{tmp_path_factory.mktemp('made') / 'corpus.db'}"
    with Corpus(url) as corpus:
        corpus.ensure_crawl("news", ["https://a.cn/"])
        corpus.finish_crawl("news", "finished", CRAWL_STATS)
        corpus.ensure_crawl("blogs", ["https://b.cn/", "https://c.cn/", "https://d.cn/", XSS])
        corpus.upsert_many(
            [
                doc("https://a.cn/long", LONG, published_at="2019-01-05"),
                doc("https://b.cn/edited", EDITED, published_at="2024-03-01"),
                doc("https://c.cn/copy", LONG, published_at="2019-01-05"),
                doc("https://a.cn/article", ARTICLE, published_at="2024-03-01"),
                doc("https://d.org/en", ENGLISH, lang="en", published_at="last spring"),
            ]
        )
    with (
        Corpus(readonly_url(url), create=False) as corpus,
        TestClient(create_app(corpus, name="made.db")) as client,
    ):
        yield client, corpus


def timeline_titles(page: str) -> list[tuple[str, str, int, int]]:
    """(column, language, value, column total) of each segment of the page's first time chart."""
    first = page.split('<figure class="chart timeline">')[1].split("</figure>")[0]
    found = re.findall(r"<title>([\w-]+) · (\w+): ([\d,]+) of ([\d,]+)</title>", first)
    return [(c, lang, int(v.replace(",", "")), int(t.replace(",", ""))) for c, lang, v, t in found]


def test_overview_charts_documents_by_month_published(web: Any, corpus: Corpus) -> None:
    page = web.get("/overview").text
    periods = corpus.timeline(by="published")
    assert len({p.month for p in periods}) > 6
    segments = timeline_titles(page)
    assert sorted((c, lang, n) for c, lang, n, _ in segments) == [
        (p.month, p.lang, p.documents) for p in periods
    ]
    first, last = periods[0].month, periods[-1].month
    labels = re.findall(r'<text class="label" [^>]*>(\d{4}-\d{2})</text>', page)
    assert labels[0] == first
    assert labels[-1] == last
    months = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1
    assert page.count('<g class="column">') == 2 * months  # no month skipped, in both charts
    undated = sum(g.documents for g in corpus.stats().by_lang) - sum(p.documents for p in periods)
    assert undated > 0
    assert f"{undated} documents without a stated date are not shown" in page
    assert '<strong class="basis-current">when published</strong>' in page


def test_overview_by_month_fetched(web: Any, corpus: Corpus) -> None:
    page = web.get("/overview", params={"by": "fetched"}).text
    segments = timeline_titles(page)
    periods = corpus.timeline(by="fetched")
    assert sorted((c, lang, n) for c, lang, n, _ in segments) == [
        (p.month, p.lang, p.documents) for p in periods
    ]
    stats = corpus.stats()
    assert sum(n for _, _, n, _ in segments) == stats.documents - stats.duplicates  # all dated
    assert "Documents by month fetched" in page
    assert "not shown" not in page


def test_overview_api(web: Any, corpus: Corpus) -> None:
    assert web.get("/api/overview").json() == jsonable(corpus.overview(by="published"))
    fetched = web.get("/api/overview", params={"by": "fetched"}).json()
    assert fetched["by"] == "fetched"
    assert fetched["timeline"] == jsonable(corpus.timeline(by="fetched"))
    [crawl] = fetched["crawls"]
    assert crawl["stats"]["yuliao/stored"] == corpus.stats().documents


def test_overview_lists_crawls_with_drop_reasons(web: Any, corpus: Corpus) -> None:
    [crawl] = corpus.crawls()
    page = web.get("/overview").text
    row = page.split('<table class="crawls">')[1].split("</table>")[0]
    assert '<span class="status status-finished">finished</span>' in row
    fetched, stored = re.findall(r'<td class="count">([\d,]+)</td>', row)
    assert (int(fetched), int(stored)) == (
        crawl.stats["response_received_count"],
        crawl.stats["yuliao/stored"],
    )
    assert "robots txt <span" in row  # the example site's robots.txt forbids two pages
    assert "http 404 <span" in row


def test_overview_of_years_and_running_crawls(made: Any) -> None:
    client, corpus = made
    page = client.get("/overview").text
    assert "Documents by year published" in page
    assert [(c, n) for c, _, n, _ in timeline_titles(page)] == [("2019", 1), ("2024", 1)]
    assert page.count('<g class="column">') == 2 * 6  # 2019 to 2024, none skipped
    assert "1 document without a stated date is not shown" in page
    blogs, news = page.split('<table class="crawls">')[1].split("</tr>")[1:3]
    assert "counted when the crawl ends" in blogs
    assert "and 1 more" in blogs  # four seeds, three shown
    assert "&lt;script&gt;" not in blogs  # the fourth, not shown
    assert "stays <em>running</em>" in page
    assert re.search(r'<span class="total">3</span>\s*<ul class="reasons">', news)
    assert "too short <span" in news
    assert [c.name for c in corpus.crawls()] == ["blogs", "news"]


def test_document_page_lists_near_duplicates(made: Any) -> None:
    client, corpus = made
    original, edited = corpus.get("https://a.cn/long"), corpus.get("https://b.cn/edited")
    copy = corpus.get("https://c.cn/copy")
    assert edited.duplicate_of == copy.duplicate_of == original.id
    page = client.get(f"/doc/{edited.id}").text
    section = page.split('id="duplicates"')[1]
    rows = section.split("<tbody>")[1].split("</tbody>")[0].split("</tr>")[:-1]
    assert len(rows) == 2
    assert f'href="http://testserver/doc/{original.id}"' in rows[0]
    assert rows[0].endswith('<td class="mark">original</td>\n        ')
    assert f">#{original.id}</a></td>" in rows[1]  # the copy is marked against the original
    assert '<a href="#duplicates">2</a>' in page
    own = client.get(f"/doc/{original.id}").text.split('id="duplicates"')[1]
    assert own.count("copy of this one") == 2


def test_duplicates_api_and_document_api(made: Any, web: Any, nlp_page: Document) -> None:
    client, corpus = made
    edited = corpus.get("https://b.cn/edited")
    duplicates = client.get(f"/api/document/{edited.id}/duplicates").json()
    assert duplicates == jsonable(corpus.near_duplicates(edited.id))
    assert [d["url"] for d in duplicates] == ["https://a.cn/long", "https://c.cn/copy"]
    assert set(duplicates[0]) == {"id", "url", "title", "lang", "distance", "duplicate_of"}
    assert client.get(f"/api/document/{edited.id}").json() == jsonable(edited)  # unchanged
    assert client.get("/api/document/999999/duplicates").status_code == 404
    assert web.get(f"/api/document/{nlp_page.id}/duplicates").json() == []
    assert '<p class="empty">None.</p>' in web.get(f"/doc/{nlp_page.id}").text


def test_time_columns_fill_gaps_and_turn_to_years() -> None:
    unit, names, column_of = buckets(["2023-11", "2024-02"])
    assert (unit, names) == ("month", ["2023-11", "2023-12", "2024-01", "2024-02"])
    assert column_of("2024-01") == "2024-01"
    unit, names, column_of = buckets(["2019-01", "2023-01"])  # 49 months
    assert (unit, names, column_of("2021-07")) == (
        "year",
        list(map(str, range(2019, 2024))),
        "2021",
    )
    unit, names, column_of = buckets(["1001-01", "2024-12"])
    assert (unit, len(names), names[:2], names[-1]) == ("year", 48, ["before 1978", "1978"], "2024")
    assert column_of("1500-06") == "before 1978"
    assert buckets([])[1] == []


def test_languages_beyond_five_share_other() -> None:
    periods = [
        Period("2024-01", lang, n, 0)
        for lang, n in zip("abcdefg", (1, 7, 3, 5, 2, 2, 9), strict=True)
    ]
    assert languages(periods) == ["g", "b", "d", "c", OTHER]
    columns = stack(periods, languages(periods), ["2024-01"], str, lambda p: p.documents)
    assert columns == [("2024-01", [9, 7, 5, 3, 5])]


def test_column_chart_stacks_segments_to_scale() -> None:
    chart = column_chart("t", [("2024-01", [3, 1]), ("2024-02", [0, 0]), ("2024-03", [0, 7])], "ab")
    assert [tick.value for tick in chart.ticks] == [0, 2, 4, 6, 8]
    assert chart.ticks[0].y == chart.baseline
    full = chart.baseline - chart.ticks[-1].y  # pixels for 8
    first, empty, last = chart.columns
    assert [s.series for s in first.segments] == [0, 1]
    assert first.segments[0].y + first.segments[0].height == chart.baseline  # stacked bottom up
    assert first.segments[1].y + first.segments[1].height == pytest.approx(first.segments[0].y)
    assert sum(s.height for s in first.segments) == pytest.approx(full * 4 / 8)
    assert (empty.segments, empty.total) == ([], 0)
    assert last.segments[0].height == pytest.approx(full * 7 / 8)
    assert first.x < empty.x < last.x
    assert [(nice_top(v), compact(v)) for v in (0, 9, 41, 12_345)] == [
        (4, "0"),
        (20, "9"),
        (80, "41"),
        (20_000, "12.3k"),
    ]
