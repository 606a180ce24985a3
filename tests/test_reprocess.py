"""``yuliao reprocess``: stored pages analyzed again with the current tokenizer and dictionary,
in place, without fetching, resumable."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nlp.extract import EXTRACTOR_VERSION
from storage import Corpus
from tests.conftest import ROOT, yuliao
from tests.crawl_fixtures import FAST, article, crawl_env, run_crawl, sqlite_rows
from tests.db_fixtures import doc
from tests.siteserver import Reply, RoutedServer

WORD = "语料爬虫"  # jieba: 语料 爬虫; one word once it is in the user dictionary
WITH_WORD = ("/crawler.html", "/polite.html")
OTHERS = tuple(f"/tea{i}.html" for i in range(10))


def site() -> dict[str, Reply]:
    pages = {path: Reply.html(article(f"{WORD}的礼貌", seed=i)) for i, path in enumerate(WITH_WORD)}
    pages.update({path: Reply.html(article("茶馆", seed=10 + i)) for i, path in enumerate(OTHERS)})
    pages["/en.html"] = Reply.html(article("Lighthouse", lang="en", seed=30))
    pages["/"] = Reply.html(article("首页", links=[*pages], seed=40))
    return pages


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crawl of the site (raw pages kept), done once; tests work on copies."""
    path = tmp_path_factory.mktemp("reprocess") / "crawl.db"
    with RoutedServer(site()) as server:
        proc = run_crawl(f"sqlite:///{path}", server.url("/"), *FAST, "-q")
    assert proc.returncode == 0, proc.stderr
    return path


@pytest.fixture
def db(crawled: Path, tmp_path: Path) -> str:
    shutil.copy(crawled, tmp_path / "corpus.db")
    return f"sqlite:///{tmp_path / 'corpus.db'}"


@pytest.fixture
def words(tmp_path: Path) -> Path:
    path = tmp_path / "words.txt"
    path.write_text(f"{WORD}\n", encoding="utf-8")
    return path


def documents(db: str) -> dict[str, dict[str, Any]]:
    columns = ("url", "tokens", "updated_at", "tokenizer", "extractor", "content_hash", "simhash")
    rows = sqlite_rows(db, f"SELECT {', '.join(columns)} FROM documents")
    return {row[0]: dict(zip(columns, row, strict=True)) for row in rows}


def summary(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stderr.strip().splitlines()[-1]


def test_reprocess_with_a_user_word_changes_only_the_documents_with_it(
    db: str, words: Path
) -> None:
    before = documents(db)
    affected = {url for url, row in before.items() if "语料 爬虫" in row["tokens"]}
    assert {url.rsplit("/", 1)[1] for url in affected} == {"crawler.html", "polite.html"}
    assert _frequency(db, WORD) == 0

    line = summary(yuliao("--db", db, "reprocess", "--userdict", str(words)))

    others = len(before) - len(affected)
    assert line.endswith(
        f"{len(before)} to do, 2 changed, {others} unchanged, 0 skipped for no raw page, 0 failed"
    )
    after = documents(db)
    assert set(after) == set(before)
    for url, row in after.items():
        old = before[url]
        if url in affected:  # new tokens, and the fingerprint made of them
            assert row["tokens"] == old["tokens"].replace("语料 爬虫", WORD)
        else:
            assert (row["tokens"], row["simhash"]) == (old["tokens"], old["simhash"])
        assert row["updated_at"] == old["updated_at"]  # the text itself did not change
        assert row["content_hash"] == old["content_hash"]
        assert row["tokenizer"] != old["tokenizer"]
        assert row["tokenizer"].startswith(old["tokenizer"].rsplit("user=", 1)[0])
    assert _frequency(db, WORD) == sum(before[url]["tokens"].count("语料 爬虫") for url in affected)
    hits = json.loads(_ok(yuliao("--db", db, "search", WORD, "--format", "json")))
    assert {hit["url"] for hit in hits} == affected
    again = summary(reprocess(db, "--userdict", str(words)))
    assert again.endswith("0 to do, 0 changed, 0 unchanged, 0 skipped for no raw page, 0 failed")
    assert documents(db) == after


def test_query_commands_segment_with_the_user_dictionary_given_again(
    db: str, words: Path, tmp_path: Path
) -> None:
    """After ``reprocess --userdict``, ``kwic`` needs the same dictionary to find the word."""
    summary(reprocess(db, "--userdict", str(words)))
    kwic = ("--db", db, "kwic", WORD, "--format", "json")
    assert json.loads(_ok(yuliao(*kwic))) == []  # segmented 语料 爬虫: no such pair of tokens
    lines = json.loads(_ok(yuliao(*kwic, "--userdict", str(words))))
    assert {line["word"] for line in lines} == {WORD}
    assert {line["url"].rsplit("/", 1)[1] for line in lines} == {"crawler.html", "polite.html"}
    assert _ok(yuliao("tokenize", "--userdict", str(words), f"{WORD}很礼貌")).split() == [
        WORD,
        "很",
        "礼貌",
    ]
    bad = tmp_path / "big5.txt"
    bad.write_bytes("語料\n".encode("big5"))
    proc = yuliao("--db", db, "kwic", WORD, "--userdict", str(bad))
    assert proc.returncode == 2
    assert "cannot read user dictionary" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_reprocess_only_the_selected_documents(db: str, words: Path) -> None:
    before = documents(db)
    line = summary(reprocess(db, "--userdict", str(words), "--lang", "en"))
    assert line.endswith("1 to do, 0 changed, 1 unchanged, 0 skipped for no raw page, 0 failed")
    done = {url for url, row in documents(db).items() if row != before[url]}
    assert {url.rsplit("/", 1)[1] for url in done} == {"en.html"}
    line = summary(reprocess(db, "--userdict", str(words), "--since", "2999-01-01"))
    assert ": 0 to do," in line


def test_reprocess_resumes_after_a_kill(db: str, words: Path, tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "crawler.cli", "--db", db, "reprocess"]
    cmd += ["--userdict", str(words), "--batch", "1", "--workers", "1"]
    env = {**crawl_env(), "YULIAO_PROGRESS_INTERVAL": "0"}  # a line per document, once stored
    with subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT) as proc:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    assert first.startswith("progress ("), first
    total = len(documents(db))
    stale = [row for row in documents(db).values() if row["tokenizer"].endswith("user=none")]
    assert len(stale) < total  # the first run stored some documents before it was killed

    line = summary(reprocess(db, "--userdict", str(words)))

    assert f": {len(stale)} to do," in line
    assert all("语料 爬虫" not in row["tokens"] for row in documents(db).values())
    assert not any(row["tokenizer"].endswith("user=none") for row in documents(db).values())


def test_reprocess_skips_documents_without_a_raw_page(db: str, words: Path) -> None:
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        conn.execute("DELETE FROM pages WHERE document_id IN (SELECT min(id) FROM documents)")
        conn.execute("DELETE FROM pages WHERE document_id IN (SELECT max(id) FROM documents)")
    before = documents(db)
    line = summary(reprocess(db, "--userdict", str(words)))
    assert line.endswith("2 skipped for no raw page, 0 failed")
    kept = [row for row in documents(db).values() if row["tokenizer"].endswith("user=none")]
    assert len(kept) == 2  # untouched, and still to do: their text cannot be made again
    assert all(row == before[row["url"]] for row in kept)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--batch", "0"), 2, "Invalid value for '--batch'"),
        (("--since", "yesterday"), 2, "Invalid value for '--since'"),
        (("--userdict", "missing.txt"), 2, "does not exist"),
        (("--userdict", "gbk.txt"), 1, "cannot read user dictionary"),
    ],
)
def test_reprocess_bad_input(
    db: str, tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    (tmp_path / "gbk.txt").write_bytes(f"{WORD}\n".encode("gbk"))
    args = tuple(str(tmp_path / a) if a.endswith(".txt") else a for a in args)
    proc = reprocess(db, *args)
    assert proc.returncode == code
    assert proc.stderr.startswith("Error: ")
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_reprocess_needs_a_corpus(tmp_path: Path) -> None:
    proc = yuliao("--db", f"sqlite:///{tmp_path / 'none.db'}", "reprocess")
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: ")
    assert "crawl first" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_stale_documents_come_in_batches_with_their_pages(corpus_url: str) -> None:
    with Corpus(corpus_url) as corpus:
        corpus.upsert_many(
            [
                doc(f"https://x.example/{i}", f"第{i}页的文字。", extractor=EXTRACTOR_VERSION)
                for i in range(5)
            ]
            + [doc("https://x.example/kept", "有原始网页。", body=b"<p>raw</p>", headers={})]
        )
        current = corpus.get("https://x.example/0").tokenizer
        assert corpus.count_stale(tokenizer=current, extractor=EXTRACTOR_VERSION) == 1
        batches = list(
            corpus.stale_documents(tokenizer="new", extractor=EXTRACTOR_VERSION, batch=4)
        )
        assert [len(batch) for batch in batches] == [4, 2]
        pages = {d.url: p for batch in batches for d, p in batch}
        assert pages["https://x.example/kept"].body == b"<p>raw</p>"
        assert pages["https://x.example/0"] is None
        ids = [d.id for d, _ in batches[0]]
        corpus.mark_current(ids, tokenizer="new", extractor=EXTRACTOR_VERSION)
        left = _urls(corpus.stale_documents(tokenizer="new", extractor=EXTRACTOR_VERSION))
        assert left == {"https://x.example/4", "https://x.example/kept"}
        assert corpus.count_stale(tokenizer="new", extractor=EXTRACTOR_VERSION, lang="en") == 0


def reprocess(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``yuliao reprocess`` with one worker: these corpora are small."""
    return yuliao("--db", db, "reprocess", "--workers", "1", *args)


def _urls(batches: Iterator[list[tuple[Any, Any]]]) -> set[str]:
    return {d.url for batch in batches for d, _ in batch}


def _frequency(db: str, word: str) -> int:
    rows = json.loads(_ok(yuliao("--db", db, "freq", "--top", "500", "--format", "json")))
    return next((row["count"] for row in rows if row["word"] == word), 0)


def _ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr
    return proc.stdout
