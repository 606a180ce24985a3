"""Pages a crawl cannot use are counted by reason; a bad --db fails in one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from storage import Corpus
from tests.conftest import yuliao
from tests.siteserver import SiteServer

ARTICLE = "<p>" + "语料库是按照一定原则收集的真实文本，供语言研究使用。" * 12 + "</p>"
PAGES = {
    "index.html": (
        "<html><head><meta charset='utf-8'><title>坏页面</title></head><body><article>"
        f"<h1>坏页面测试</h1>{ARTICLE}"
        "<a href='/logo'>logo</a> <a href='/empty.html'>empty</a> "
        "<a href='/blank.html'>blank</a> <a href='/junk.html'>junk</a>"
        "</article></body></html>"
    ).encode(),
    "logo": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    "empty.html": b"",
    "blank.html": b"   \n\t  \n",
    "junk.html": bytes(range(256)) * 16,
}


@pytest.fixture
def bad_site(tmp_path: Path) -> SiteServer:
    root = tmp_path / "site"
    root.mkdir()
    for name, body in PAGES.items():
        (root / name).write_bytes(body)
    return SiteServer(root)


def test_unusable_pages_are_dropped_by_reason(bad_site: SiteServer, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'corpus.db'}"
    with bad_site:
        proc = yuliao("--db", db, "crawl", bad_site.url("/"))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    summary = proc.stderr[proc.stderr.index("crawl '") :]
    assert re.search(r"\b1 stored, 4 dropped\b", summary), summary
    assert "no main text: 3" in summary
    assert "not html: 1" in summary
    with Corpus(db) as corpus:
        assert [doc.url for doc in corpus.documents()] == [bad_site.url("/")]
