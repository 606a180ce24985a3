from __future__ import annotations

import codecs
import gzip
import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest

from nlp.extract import EXTRACTOR_VERSION, decode_html, extract_html

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction"

ARTICLE_ZH = """<html lang="zh-CN"><head>
<meta charset="{charset}"><title>北京欢迎你 - 新闻网</title></head><body>
<nav><a href="/">首页</a> <a href="/news">新闻</a> <a href="/map">网站地图</a></nav>
<div class="content"><h1>北京欢迎你</h1>
<p>这是第一段正文，讲述了城市的变化和人们的生活，内容足够长，可以被识别为正文。</p>
<p>这是第二段正文，继续介绍城市的历史、文化和未来的发展方向，同样是正文的一部分。</p>
</div>
<div class="related"><h3>相关阅读</h3><ul><li><a href="/a">另一篇新闻</a></li>
<li><a href="/b">又一篇新闻</a></li></ul></div>
<footer>版权所有 &copy; 新闻网 京ICP备00000000号</footer></body></html>"""


def page_zh(charset: str = "utf-8") -> str:
    return ARTICLE_ZH.format(charset=charset)


# --- decode_html -------------------------------------------------------------------------


def test_decode_gbk_bytes_declared_by_meta_only() -> None:
    decoded = decode_html(page_zh("gbk").encode("gbk"))
    assert (decoded.encoding, decoded.source) == ("gb18030", "meta")
    assert "北京欢迎你" in decoded.text


def test_decode_lying_utf8_header_over_gbk_bytes() -> None:
    decoded = decode_html(page_zh("gbk").encode("gbk"), http_charset="utf-8")
    assert (decoded.encoding, decoded.source) == ("gb18030", "meta")
    assert "\ufffd" not in decoded.text


def test_decode_lying_header_without_meta_falls_to_detection() -> None:
    body = "<p>这是一个测试页面，北京欢迎你。</p>".encode("gbk")
    decoded = decode_html(body, http_charset="utf-8")
    assert (decoded.encoding, decoded.source) == ("gb18030", "detected")
    assert decoded.text == "<p>这是一个测试页面，北京欢迎你。</p>"


@pytest.mark.parametrize("label", ["gb2312", "GBK", "x-gbk", "cp936"])
def test_decode_narrow_chinese_labels_widen_to_gb18030(label: str) -> None:
    body = "<p>价格 100€，生僻字𠀀。</p>".encode("gb18030")
    decoded = decode_html(body, http_charset=label)
    assert (decoded.encoding, decoded.source) == ("gb18030", "http")
    assert decoded.text == "<p>价格 100€，生僻字𠀀。</p>"


def test_decode_bom_wins_over_header() -> None:
    decoded = decode_html(codecs.BOM_UTF8 + "<p>北京欢迎你</p>".encode(), http_charset="gbk")
    assert (decoded.text, decoded.encoding, decoded.source) == ("<p>北京欢迎你</p>", "utf-8", "bom")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_decode_utf16_and_utf32_with_bom(encoding: str) -> None:
    decoded = decode_html("<p>北京欢迎你 hello</p>".encode(encoding))
    assert decoded.text == "<p>北京欢迎你 hello</p>"
    assert decoded.source == "bom"


def test_decode_unknown_label_is_ignored() -> None:
    body = "<meta charset='x-foo'><p>北京欢迎你</p>".encode()
    decoded = decode_html(body, http_charset="x-bar")
    assert (decoded.encoding, decoded.source) == ("utf-8", "detected")


def test_decode_meta_utf16_means_utf8() -> None:
    decoded = decode_html('<meta charset="utf-16"><p>北京</p>'.encode())
    assert (decoded.encoding, decoded.source) == ("utf-8", "meta")


def test_decode_legacy_label_over_utf8_bytes() -> None:
    decoded = decode_html("<p>北京欢迎你，这里是首都。</p>".encode(), http_charset="iso-8859-1")
    assert decoded.encoding == "utf-8"
    assert "北京欢迎你" in decoded.text


@pytest.mark.parametrize("text", ["北京欢迎你", "网站地图", "<b>网站地图</b>"])
def test_decode_short_undeclared_gbk(text: str) -> None:
    decoded = decode_html(text.encode("gbk"))
    assert (decoded.text, decoded.encoding, decoded.source) == (text, "gb18030", "detected")


def test_decode_short_undeclared_big5() -> None:
    decoded = decode_html("這是一個測試頁面".encode("big5"))
    assert decoded.text == "這是一個測試頁面"
    assert decoded.source == "detected"


def test_decode_latin1_page_is_not_read_as_chinese() -> None:
    body = "<p>Café crème, naïve façade, déjà vu à Zürich.</p>".encode("latin-1")
    assert decode_html(body).text == "<p>Café crème, naïve façade, déjà vu à Zürich.</p>"


def test_decode_garbage_does_not_raise() -> None:
    decoded = decode_html(bytes(range(256)) * 20)
    assert isinstance(decoded.text, str)


def test_decode_rejects_str() -> None:
    with pytest.raises(TypeError, match="bytes"):
        decode_html("<p>text</p>")  # type: ignore[arg-type]


# --- extract_html ------------------------------------------------------------------------


def test_extract_drops_boilerplate() -> None:
    extracted = extract_html(page_zh(), url="https://news.example.cn/a/1.html")
    assert extracted is not None
    assert "这是第一段正文" in extracted.text
    assert "这是第二段正文" in extracted.text
    for boilerplate in ("网站地图", "相关阅读", "另一篇新闻", "版权所有"):
        assert boilerplate not in extracted.text


def test_extract_paragraphs_are_lines() -> None:
    extracted = extract_html(page_zh())
    assert extracted is not None
    lines = extracted.text.splitlines()
    assert any(line.startswith("这是第一段正文") for line in lines)
    assert all(line.strip() == line and line for line in lines)


def test_extract_metadata() -> None:
    html = """<html lang="en-GB"><head><title>Rivers of England | Field Notes</title>
    <link rel="canonical" href="https://example.org/rivers">
    <meta name="author" content="Jane Smith">
    <meta property="og:site_name" content="Field Notes">
    <meta property="article:published_time" content="2023-04-05T10:00:00Z">
    </head><body><article><h1>Rivers of England</h1>
    <p>The rivers of England are short but many, and most of them flow east to the sea.</p>
    <p>The Thames is the longest river entirely in England, flowing through London.</p>
    </article></body></html>"""
    extracted = extract_html(html, url="https://example.org/rivers?ref=feed")
    assert extracted is not None
    assert extracted.title == "Rivers of England"
    assert extracted.author == "Jane Smith"
    assert extracted.published == "2023-04-05"
    assert extracted.sitename == "Field Notes"
    assert extracted.lang_hint == "en-GB"
    assert extracted.canonical_url == "https://example.org/rivers"
    assert "The Thames is the longest river" in extracted.text


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n\t ",
        "<html><head><title>t</title></head><body></body></html>",
        "<html><body><nav><a href='/'>Home</a></nav><footer>© 2024</footer></body></html>",
        "\x00\x01\x02\x03binary\x7f\x80\x81" * 50,
        bytes(range(256)).decode("latin-1") * 10,
    ],
)
def test_extract_nothing_is_none(html: str) -> None:
    assert extract_html(html) is None


def test_extract_deep_nesting_does_not_raise() -> None:
    html = "<div>" * 5000 + "<p>Deeply nested text.</p>" + "</div>" * 5000
    extracted = extract_html(f"<html><body><p>{'Top level text. ' * 10}</p>{html}</body></html>")
    assert extracted is not None
    assert "Top level text." in extracted.text


def test_extractor_version_names_engines() -> None:
    assert EXTRACTOR_VERSION.startswith("yuliao-extract/")


# --- evaluation sets ---------------------------------------------------------------------


def data_dir() -> Path:
    if not DATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"evaluation data missing: {DATA}")
        pytest.skip(f"evaluation data missing: {DATA}")
    return DATA


def pages(lang: str) -> dict[str, bytes]:
    return {
        path.name.split(".")[0]: gzip.decompress(path.read_bytes())
        for path in sorted((data_dir() / lang / "html").glob("*.html.gz"))
    }


def load_scorer() -> ModuleType:
    """The evaluation set's own scorer, so the figures match the benchmark's."""
    spec = importlib.util.spec_from_file_location("extraction_score", data_dir() / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_decode_every_chinese_page_cleanly() -> None:
    for page_id, body in pages("zh").items():
        text = decode_html(body).text
        han = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
        assert han > 100, page_id
        assert text.count("\ufffd") <= 0.001 * han, page_id  # only truly broken byte runs
        in_gb2312 = sum(len(ch.encode("gb2312", "ignore")) == 2 for ch in text if ch >= "\u4e00")
        assert in_gb2312 > 0.85 * han, page_id  # common characters, not mojibake


def test_extraction_quality_on_sample() -> None:
    score = load_scorer()
    for lang, floor in (("en", 0.9), ("zh", 0.85)):
        gold = score.load(str(DATA / lang / "gold.jsonl"))
        sample = dict(list(pages(lang).items())[:10])
        pred = {}
        for page_id, body in sample.items():
            extracted = extract_html(decode_html(body).text)
            pred[page_id] = extracted.text if extracted else ""
        result = score.score(pred, {i: gold[i] for i in sample})
        assert result["f1"] >= floor, (lang, result)
