"""Pages a crawl cannot use are counted by reason; a bad --db fails in one line."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Iterator
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


@pytest.fixture
def immutable(tmp_path: Path) -> Iterator[Path]:
    """A corpus file nobody may write, root included (``chattr +i``)."""
    path = tmp_path / "corpus.db"
    with Corpus(f"sqlite:///{path}"):
        pass
    chattr = subprocess.run(["chattr", "+i", str(path)], check=False, capture_output=True)
    if chattr.returncode != 0:
        reason = f"chattr +i failed: {chattr.stderr.strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    yield path
    subprocess.run(["chattr", "-i", str(path)], check=True)


def test_read_only_database_is_one_line_error(immutable: Path) -> None:
    before = hashlib.sha256(immutable.read_bytes()).hexdigest()
    proc = yuliao("--db", f"sqlite:///{immutable}", "crawl", "http://127.0.0.1:9/", "-q")
    assert proc.returncode == 1
    assert proc.stderr == f"Error: {immutable} is read-only\n"
    assert hashlib.sha256(immutable.read_bytes()).hexdigest() == before
