"""Pages that are not what they claim: wrong charsets, NUL and broken bytes, files that are not
articles, deep nesting. Each is crawled by ``yuliao crawl`` from a loopback server; every page
is stored as written or dropped by a reason, never stored as mojibake."""

from __future__ import annotations

import codecs
import hashlib
import json
import random
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from storage import Corpus, Document
from tests.conftest import yuliao
from tests.crawl_fixtures import FAST, frontier_rows, run_crawl, sqlite_rows, stored_urls
from tests.siteserver import Reply, RoutedServer

Serve = Callable[..., RoutedServer]

GBK_LONG = (
    "北京是中华人民共和国的首都，也是全国的政治、文化和国际交往中心。",
    "这座城市有三千多年的建城史，故宫、长城和颐和园每年吸引着大量游客。",
    "近年来，城市的交通和环境都有了很大的改善，市民的生活越来越方便。",
    "在胡同里散步，可以看到老北京的四合院，也能听到街坊邻居的家常话。",
)
BIG5_LONG = (
    "臺北是臺灣最大的城市，也是政治、經濟和文化的中心，人口將近三百萬。",
    "這座城市有許多歷史悠久的廟宇，也有熱鬧的夜市和現代化的摩天大樓。",
    "捷運系統四通八達，市民和遊客都可以方便地前往城市的各個角落參觀。",
    "每到週末，陽明山和淡水老街總是擠滿了出遊的家庭和年輕的朋友們。",
)
GBK_SHORT = ("北京欢迎你，网站地图在这里。",)
BIG5_SHORT = ("這是一個測試頁面，歡迎光臨。",)
GB18030_ONLY = ("价格是一百欧元（100€），生僻字𠀀也能正确显示，这是国家标准的要求。",)
HKSCS = ("香港嘅𨋢好快，佢哋今日去咗街市買餸，啲菜好平，冇人排隊，真係幾好。",)
UTF8_BOM = ("这个页面以字节顺序标记开头，服务器却声称它是国标码编码的网页。",)
UTF16 = ("这是一个十六位统一码编码的网页，开头有字节顺序标记，应当被去掉。",)
MIXED = "混合编码页面：前一半是国标码，后一半是统一码，没有一种编码能读懂全部。" * 8


def page(paragraphs: tuple[str, ...], head: str = "") -> str:
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return f"<html><head>{head}</head><body><article>{body}</article></body></html>"


def raw(body: bytes, charset: str | None = None) -> Reply:
    """A reply whose Content-Type names ``charset`` (or none) over ``body`` as given."""
    content_type = f"text/html; charset={charset}" if charset else "text/html"
    return Reply(body, headers={"Content-Type": content_type})


# path -> (reply, expected paragraphs, expected encoding, expected encoding_source)
CHARSET_PAGES: dict[str, tuple[Reply, tuple[str, ...], str, str]] = {
    "/gbk-long": (raw(page(GBK_LONG).encode("gbk")), GBK_LONG, "gb18030", "detected"),
    "/big5-long": (raw(page(BIG5_LONG).encode("big5")), BIG5_LONG, "big5hkscs", "detected"),
    "/gbk-short": (raw(page(GBK_SHORT).encode("gbk")), GBK_SHORT, "gb18030", "detected"),
    "/big5-short": (raw(page(BIG5_SHORT).encode("big5")), BIG5_SHORT, "big5hkscs", "detected"),
    "/lying-header": (
        raw(page(GBK_LONG, '<meta charset="gbk">').encode("gbk"), "utf-8"),
        GBK_LONG,
        "gb18030",
        "meta",
    ),
    "/gb2312-label": (
        raw(page(GB18030_ONLY).encode("gb18030"), "gb2312"),
        GB18030_ONLY,
        "gb18030",
        "http",
    ),
    "/big5-label": (raw(page(HKSCS).encode("big5hkscs"), "big5"), HKSCS, "big5hkscs", "http"),
    "/bom-under-gbk": (
        raw(codecs.BOM_UTF8 + page(UTF8_BOM).encode(), "gbk"),
        UTF8_BOM,
        "utf-8",
        "bom",
    ),
    "/x-foo": (raw(page(GBK_SHORT).encode("gbk"), "x-foo"), GBK_SHORT, "gb18030", "detected"),
    "/utf16": (raw(page(UTF16).encode("utf-16")), UTF16, "utf-16-le", "bom"),
}
MIXED_PAGE = raw(page((MIXED,)).encode("gbk") + page((MIXED,)).encode(), "utf-8")


BEFORE = "嵌套之前的段落：这一段写在五千层嵌套之前，爬虫应当完整地保存它的每一个字。" * 2
AFTER = "嵌套之后的段落：这一段写在五千层嵌套之后，解析器不应当悄悄地把它丢掉。" * 2
FURTHER = "链接之后的文章：这一篇只能从深层嵌套之后的链接找到，爬虫应当跟随它。" * 2
DEEP_PAGE = Reply.html(
    f"<html><body><article><p>{BEFORE}</p>{'<div>' * 5000}{'</div>' * 5000}<p>{AFTER}</p>"
    "</article></body></html>"
)


@dataclass(frozen=True)
class Crawled:
    db: str
    base: str  # the server's URL without a path
    stderr: str


@contextmanager
def crawled_site(routes: dict[str, Reply], folder: Path) -> Iterator[Crawled]:
    """Serve ``routes`` and an index page linking to each; crawl it all into ``folder``."""
    links = "".join(f'<a href="{path}">{path}</a> ' for path in routes)
    index = Reply.html(f"<html><body><nav>{links}</nav></body></html>")
    db = f"sqlite:///{folder / 'corpus.db'}"
    with RoutedServer({**routes, "/": index}) as server:
        proc = run_crawl(db, server.url("/"), *FAST, timeout=90)
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
        yield Crawled(db, server.url(""), proc.stderr)


@pytest.fixture(scope="module")
def site_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    """One crawl of every charset page, a mixed-encoding and a deep one."""
    routes = {path: reply for path, (reply, *_) in CHARSET_PAGES.items()}
    routes |= {"/mixed": MIXED_PAGE, "/deep": DEEP_PAGE}
    with crawled_site(routes, tmp_path_factory.mktemp("site")) as crawl:
        yield crawl


def stored(db: str, url: str) -> Document:
    with Corpus(db) as corpus:
        return corpus.get(url)


def assert_stored_as_written(crawl: Crawled, path: str) -> None:
    _, paragraphs, encoding, source = CHARSET_PAGES[path]
    doc = stored(crawl.db, crawl.base + path)
    assert doc.text == "\n".join(paragraphs), path
    assert (doc.encoding, doc.encoding_source) == (encoding, source), path


@pytest.mark.parametrize("path", ["/gbk-long", "/big5-long", "/gbk-short", "/big5-short"])
def test_case11_undeclared_gbk_and_big5_are_stored_as_written(
    site_crawl: Crawled, path: str
) -> None:
    assert_stored_as_written(site_crawl, path)


def test_case11_uncertain_encoding_is_dropped_and_out_of_search_and_counts(
    site_crawl: Crawled,
) -> None:
    db, base = site_crawl.db, site_crawl.base
    reasons = {url.removeprefix(base): error for url, _, error in frontier_rows(db)}
    assert reasons["/mixed"] == "encoding_uncertain"
    assert "encoding uncertain: 1" in site_crawl.stderr
    assert sorted(stored_urls(db)) == sorted(base + path for path in [*CHARSET_PAGES, "/deep"])
    with Corpus(db) as corpus:
        assert corpus.search("混合编码") == []
        assert corpus.stats().documents == len(CHARSET_PAGES) + 1
    assert not sqlite_rows(db, "SELECT id FROM documents WHERE text LIKE '%' || char(65533) || '%'")


def test_case12_lying_header_loses_to_meta(site_crawl: Crawled) -> None:
    assert_stored_as_written(site_crawl, "/lying-header")


@pytest.mark.parametrize(
    "path", ["/gb2312-label", "/big5-label", "/bom-under-gbk", "/x-foo", "/utf16"]
)
def test_case13_charset_regression_guards(site_crawl: Crawled, path: str) -> None:
    assert_stored_as_written(site_crawl, path)
    assert "\ufeff" not in stored(site_crawl.db, site_crawl.base + path).text


# --- case 14: NUL, broken bytes, lone surrogates -----------------------------------------

HOSTILE_PARAGRAPHS = (
    "第一段正文讲述了城市的变化和人们的生活，内容足够长，可以被识别为正文。" * 3,
    "第二段正文继续介绍城市的历史、文化和未来的发展方向，同样是正文的一部分。" * 3,
    "第三段正文说明，无论网页里有什么奇怪的字节，数据库里都只保存干净的文字。" * 3,
)
HOSTILE_LD = json.dumps(
    {"@type": "NewsArticle", "headline": "标题", "author": {"name": "记者\ud800王\u0000"}}
)


def hostile_page() -> bytes:
    """NUL in the title and the text, an invalid byte run, JSON-LD escaping a lone surrogate."""
    first, second, third = HOSTILE_PARAGRAPHS
    head = (
        '<meta charset="utf-8"><title>城市\x00生活</title>'
        f'<script type="application/ld+json">{HOSTILE_LD}</script>'
    )
    html = page((first[:10] + "\x00" + first[10:], "BROKEN", third), head).encode()
    return html.replace(b"BROKEN", b"\xff\xfe\xfd" + second.encode())


def test_case14_no_nul_or_lone_surrogate_is_stored(serve: Serve, corpus_url: str) -> None:
    body = hostile_page()
    assert b"\x00" in body
    assert b"\\ud800" in body
    assert b"\xff\xfe\xfd" in body
    server = serve({"/": raw(body, "utf-8")})
    proc = run_crawl(corpus_url, server.url("/"), *FAST, timeout=90)
    assert proc.returncode == 0, proc.stderr
    doc = stored(corpus_url, server.url("/"))
    expected = "\n".join(HOSTILE_PARAGRAPHS)  # the same on both backends
    assert doc.text == expected
    assert doc.content_hash == hashlib.sha256(expected.encode()).hexdigest()
    assert (doc.title, doc.author) == ("城市生活", "记者王")
    for value in (doc.text, doc.tokens, doc.title, doc.author):
        assert value is not None
        assert "\x00" not in value
        assert not any("\ud800" <= ch <= "\udfff" for ch in value)
        assert "\ufffd" not in value


# --- case 15: not an article ----------------------------------------------------------

NOISE = random.Random(0).randbytes(2000)
NOT_ARTICLES = {
    "/report": (
        Reply(
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + NOISE, headers={"Content-Type": "application/pdf"}
        ),
        "not_html",
    ),
    "/picture": (
        Reply(b"\x89PNG\r\n\x1a\n" + zlib.compress(NOISE), headers={"Content-Type": "image/png"}),
        "not_html",
    ),
    "/binary": (raw(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + NOISE), "not_html"),
    "/empty": (raw(b""), "empty"),
    "/blank": (raw(b" \r\n\t\n   \n"), "empty"),
    "/boilerplate": (
        Reply.html(
            "<html><body><nav><a href='/'>首页</a> <a href='/news'>新闻</a></nav>"
            "<footer>版权所有 © 测试站 京ICP备00000000号</footer></body></html>"
        ),
        "no_main_text",
    ),
}


@pytest.fixture(scope="module")
def empty_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    """A crawl of a site with no article at all."""
    routes = {path: reply for path, (reply, _) in NOT_ARTICLES.items()}
    with crawled_site(routes, tmp_path_factory.mktemp("empty")) as crawl:
        yield crawl


def test_case15_pages_that_are_not_articles_are_dropped_by_reason(
    empty_crawl: Crawled,
) -> None:
    db, base = empty_crawl.db, empty_crawl.base
    assert stored_urls(db) == []
    rows = {url.removeprefix(base): (state, error) for url, state, error in frontier_rows(db)}
    for path, (_, reason) in NOT_ARTICLES.items():
        assert rows[path] == ("skipped", reason), path
    assert "0 stored" in empty_crawl.stderr


def test_case15_commands_on_the_empty_corpus_print_zeros(empty_crawl: Crawled) -> None:
    db = empty_crawl.db  # every page was dropped
    stats = yuliao("--db", db, "stats", "--format", "json")
    assert stats.returncode == 0, stats.stderr
    summary = json.loads(stats.stdout)
    assert (summary["documents"], summary["tokens"], summary["duplicates"]) == (0, 0, 0)
    freq = yuliao("--db", db, "freq", "--format", "jsonl")
    kwic = yuliao("--db", db, "kwic", "词")
    assert (freq.returncode, freq.stdout, freq.stderr) == (0, "", "")
    assert (kwic.returncode, kwic.stdout, kwic.stderr) == (0, "", "")


# --- case 16: deep nesting ------------------------------------------------------------


def test_case16_text_after_5000_nested_divs_is_stored(site_crawl: Crawled) -> None:
    assert "RecursionError" not in site_crawl.stderr
    assert len(stored_urls(site_crawl.db)) == len(CHARSET_PAGES) + 1  # the crawl went on
    assert stored(site_crawl.db, site_crawl.base + "/deep").text == f"{BEFORE}\n{AFTER}"


def test_case16_links_after_3000_nested_divs_are_followed(tmp_path: Path) -> None:
    # libxml2 builds no tree past 2,048 levels: the links after them come from a scan.
    deep = Reply.html(
        f"<html><body><article><p>{BEFORE}</p>{'<div>' * 3000}{'</div>' * 3000}"
        f'<p>{AFTER}</p><a href="/beyond?a=1&amp;b=2">下一篇</a></article></body></html>'
    )
    beyond = Reply.html(f"<html><body><article><p>{FURTHER}</p></article></body></html>")
    db = f"sqlite:///{tmp_path / 'corpus.db'}"
    with RoutedServer({"/": deep, "/beyond": beyond}) as server:
        proc = run_crawl(db, server.url("/"), *FAST, timeout=90)
        assert proc.returncode == 0, proc.stderr
        assert sorted(stored_urls(db)) == [server.url("/"), server.url("/beyond?a=1&b=2")]
