"""storage.Corpus on SQLite and PostgreSQL alike: writes, duplicates, reads, search."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from typing import Any

import pytest

import storage
from storage import (
    Corpus,
    DatabaseError,
    DocumentNotFound,
    Hit,
    InvalidQuery,
    StorageError,
)
from tests.conftest import ROOT
from tests.crawl_fixtures import running, wait_until
from tests.db_fixtures import doc, run_sql, schema_of

HOSTILE_QUERIES = [
    '"unbalanced',
    "AND",
    "hello AND",
    "-foo",
    "body:",
    "NEAR(",
    "*",
    "' OR 1=1 --",
    "x'); DROP TABLE documents;--",
    "(" * 10_000,
    "\x00",
    "书\x00",
    '"',
    "^",
]


def as_json(value: Any) -> Any:
    """A JSON column as read by plain SQL: text on SQLite, already parsed on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def search_urls(corpus: Corpus, query: str, **options: Any) -> list[str]:
    return [hit.url for hit in corpus.search(query, **options)]


@pytest.fixture
def library(corpus: Corpus) -> Corpus:
    """A small bilingual corpus."""
    corpus.upsert_many(
        [
            doc("https://a.cn/book", "我昨天买了一本书，很好看。"),
            doc("https://a.cn/prc", "中华人民共和国成立于一九四九年。"),
            doc("https://b.cn/nlp", "自然语言处理是人工智能的一个分支。"),
            doc(
                "https://c.org/nlp",
                "Natural language processing studies how computers handle human language. "
                "A language model predicts the next word of a language.",
                lang="en",
            ),
            doc("https://c.org/inverse", "This language is natural to speak.", lang="en"),
            doc("https://c.org/once", "One language only; natural language once.", lang="en"),
        ]
    )
    return corpus


# Writes


def test_upsert_twice_keeps_one_row_per_url(corpus: Corpus) -> None:
    docs = [doc("https://a.cn/1", "第一篇文章。"), doc("https://a.cn/2", "第二篇文章。")]
    assert corpus.upsert_many(docs) == 2
    first = [corpus.get(d.url) for d in docs]
    assert corpus.upsert_many(docs) == 2
    assert corpus.count() == 2
    assert [corpus.get(d.url) for d in docs] == first  # same ids, same updated_at


def test_upsert_updates_changed_content_in_place(corpus: Corpus) -> None:
    corpus.upsert_many([doc("https://a.cn/1", "旧的内容在这里。"), doc("https://a.cn/2", "不变。")])
    before, other = corpus.get("https://a.cn/1"), corpus.get("https://a.cn/2")
    corpus.upsert_many([doc("https://a.cn/1", "新的文字换上了。"), doc("https://a.cn/2", "不变。")])
    after = corpus.get("https://a.cn/1")
    assert (after.id, after.text) == (before.id, "新的文字换上了。")
    assert after.content_hash != before.content_hash
    assert after.updated_at > before.updated_at
    assert corpus.get("https://a.cn/2").updated_at == other.updated_at
    assert corpus.count() == 2
    assert search_urls(corpus, "文字") == ["https://a.cn/1"]
    assert search_urls(corpus, "旧的") == []


def test_unchanged_content_keeps_updated_at_but_takes_new_metadata(corpus: Corpus) -> None:
    corpus.upsert_many([doc("https://a.cn/1", "内容。", title="旧标题")])
    before = corpus.get("https://a.cn/1")
    corpus.upsert_many([doc("https://a.cn/1", "内容。", title="新标题", http_status=200)])
    after = corpus.get("https://a.cn/1")
    assert (after.title, after.http_status) == ("新标题", 200)
    assert after.updated_at == before.updated_at


def test_exact_duplicates_point_to_the_lowest_id(corpus: Corpus) -> None:
    text = "同一篇文章被转载了很多次。"
    corpus.upsert_many([doc("https://a.cn/original", text)])
    corpus.upsert_many([doc("https://b.cn/copy", text), doc("https://c.cn/copy", text)])
    original = corpus.get("https://a.cn/original")
    copies = [corpus.get("https://b.cn/copy"), corpus.get("https://c.cn/copy")]
    assert original.duplicate_of is None
    assert [c.duplicate_of for c in copies] == [original.id, original.id]
    assert search_urls(corpus, "转载") == ["https://a.cn/original"]
    assert corpus.stats().duplicates == 2

    corpus.upsert_many([doc("https://a.cn/original", text)])  # re-crawl of the original
    assert corpus.get("https://a.cn/original").duplicate_of is None

    corpus.upsert_many([doc("https://a.cn/original", "原文已经改写。")])
    assert corpus.get("https://b.cn/copy").duplicate_of is None  # now the oldest copy
    assert corpus.get("https://c.cn/copy").duplicate_of == copies[0].id


def test_duplicates_within_one_batch(corpus: Corpus) -> None:
    corpus.upsert_many([doc("https://a.cn/1", "一样。"), doc("https://a.cn/2", "一样。")])
    first, second = corpus.get("https://a.cn/1"), corpus.get("https://a.cn/2")
    assert (first.duplicate_of, second.duplicate_of) == (None, first.id)


def test_nul_and_lone_surrogates_are_stripped(corpus: Corpus) -> None:
    dirty = doc(
        "https://a.cn/\x00x",
        "干净的文本",
        text="干净\x00的\ud800文本",
        tokens="干净 \x00的 文本\ud800",
        title="标\udfff题\x00",
        author="\x00某人",
    )
    corpus.upsert_many([dirty])
    stored = corpus.get("https://a.cn/x")
    assert (stored.text, stored.title, stored.author) == ("干净的文本", "标题", "某人")
    assert "\x00" not in stored.tokens
    assert search_urls(corpus, "文本") == ["https://a.cn/x"]


def test_simhash_round_trips_through_a_signed_column(corpus: Corpus, corpus_url: str) -> None:
    corpus.upsert_many([doc("https://a.cn/1", "一。", simhash=2**64 - 1)])
    assert corpus.get("https://a.cn/1").simhash == 2**64 - 1
    assert run_sql(corpus_url, "SELECT simhash FROM documents") == [(-1,)]
    with pytest.raises(ValueError, match="unsigned 64-bit"):
        corpus.upsert_many(
            [doc("https://a.cn/2", "二。"), doc("https://a.cn/3", "三。", simhash=-1)]
        )
    assert corpus.count() == 1


def test_failure_mid_batch_keeps_stored_rows(corpus: Corpus) -> None:
    corpus.upsert_many([doc("https://a.cn/1", "保存好的文章。")])
    stored = corpus.get("https://a.cn/1")
    batch = [
        doc("https://a.cn/1", "本来会覆盖的文字。"),
        doc("https://a.cn/2", "新文章。"),
        doc("https://a.cn/3", "坏文章。", n_tokens=-1),  # violates a CHECK constraint
    ]
    with pytest.raises(DatabaseError, match="constraint failed"):
        corpus.upsert_many(batch)
    assert corpus.count() == 1
    assert corpus.get("https://a.cn/1") == stored
    assert search_urls(corpus, "新文章") == []
    assert search_urls(corpus, "保存") == ["https://a.cn/1"]
    assert corpus.stats().crawls == 0


WRITERS = """
import os
import sys
import traceback
from storage import Corpus
from tests.test_storage_postgres import plain_doc

for _ in sys.stdin:  # a new writer process per line, forked: the imports are paid once
    pid = os.fork()
    if pid == 0:
        try:
            with Corpus(sys.argv[1]) as corpus:
                for batch in range(10_000):
                    corpus.upsert_many([plain_doc(batch * 50 + i, 0) for i in range(50)])
                    os.write(1, f"{os.getpid()} {batch}\\n".encode())  # whole, or not at all
        except BaseException:
            traceback.print_exc()  # and never go on with the parent's loop
        os._exit(1)
    _, status = os.waitpid(pid, 0)
    os.write(1, f"{pid} exit {status}\\n".encode())
"""


def assert_whole(url: str) -> int:
    """Every document has its full-text and SimHash rows and no such row lacks its document;
    on SQLite the file passes ``integrity_check``. Returns the number of documents."""
    [counts] = run_sql(
        url,
        "SELECT (SELECT count(*) FROM documents), (SELECT count(DISTINCT url) FROM documents),"
        " (SELECT count(*) FROM documents_fts),"
        " (SELECT count(*) FROM documents WHERE id NOT IN (SELECT rowid FROM documents_fts)),"
        " (SELECT count(*) FROM documents_fts WHERE rowid NOT IN (SELECT id FROM documents)),"
        " (SELECT count(*) FROM documents"
        "  WHERE id NOT IN (SELECT document_id FROM simhash_bands)),"
        " (SELECT count(*) FROM simhash_bands"
        "  WHERE document_id NOT IN (SELECT id FROM documents))",
    )
    docs = counts[0]
    assert tuple(counts) == (docs, docs, docs, 0, 0, 0, 0)
    if url.startswith("sqlite"):
        assert [tuple(row) for row in run_sql(url, "PRAGMA integrity_check")] == [("ok",)]
        run_sql(url, "INSERT INTO documents_fts(documents_fts) VALUES ('integrity-check')")
    return int(docs)


def test_case43_kill_9_during_batch_commits(corpus_url: str) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    Corpus(corpus_url).close()
    command = [sys.executable, "-c", WRITERS, corpus_url]
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    ) as writers:
        assert writers.stdin is not None
        assert writers.stdout is not None
        killed = 0
        for kill in range(20):
            writers.stdin.write("\n")
            writers.stdin.flush()
            writer = killed
            while writer == killed:  # past what the last writer printed before it died
                line = writers.stdout.readline().split()
                assert "exit" not in line or int(line[0]) == killed, f"a writer ended: {line}"
                writer = int(line[0])  # a batch is committed
            time.sleep(rng.uniform(0, 0.1))  # the next ones are under way
            os.kill(writer, signal.SIGKILL)
            wait_until(lambda w=writer: not running(w), timeout=10, what=f"{writer} to die")
            killed = writer
            docs = assert_whole(corpus_url)
            assert docs > 0
            assert docs % 50 == 0, f"kill {kill}, seed {seed}"  # whole batches only
        writers.stdin.close()
        assert writers.wait(timeout=10) == 0


def test_upsert_of_nothing_writes_nothing(corpus: Corpus) -> None:
    assert corpus.upsert_many(iter([])) == 0
    assert corpus.count() == 0


def test_crawls_are_recorded(corpus: Corpus) -> None:
    crawl_id = corpus.ensure_crawl("news", seeds=["https://a.cn/"], settings={"depth": 2})
    corpus.upsert_many([doc("https://a.cn/1", "一。", crawl_name="news")])
    corpus.upsert_many([doc("https://a.cn/2", "二。", crawl_name="other")])
    corpus.upsert_many([doc("https://a.cn/1", "一。")])  # no crawl named: keeps the old one
    assert corpus.get("https://a.cn/1").crawl_id == crawl_id
    assert corpus.get("https://a.cn/2").crawl_id not in (None, crawl_id)
    corpus.finish_crawl("news", status="finished", stats={"pages": 1})
    assert corpus.ensure_crawl("news", seeds=["https://b.cn/"]) == crawl_id
    assert corpus.stats().crawls == 2
    with pytest.raises(StorageError, match="no crawl named 'missing'"):
        corpus.finish_crawl("missing", status="finished", stats={})


def test_resumed_crawl_keeps_its_start(corpus: Corpus, corpus_url: str) -> None:
    corpus.ensure_crawl("news", seeds=["https://a.cn/"], settings={"depth": 2})
    corpus.finish_crawl("news", status="finished", stats={"pages": 3})
    ((started, finished),) = run_sql(corpus_url, "SELECT started_at, finished_at FROM crawls")
    assert finished is not None
    corpus.ensure_crawl("news", seeds=["https://b.cn/"], settings={})
    query = "SELECT started_at, finished_at, status, seeds, stats FROM crawls"
    [(started_again, finished_again, status, seeds, stats)] = run_sql(corpus_url, query)
    assert (started_again, finished_again, status) == (started, None, "running")
    assert (as_json(seeds), as_json(stats)) == (["https://b.cn/"], {"pages": 3})


# Reads


def test_get_by_id_and_url(library: Corpus) -> None:
    by_url = library.get("https://a.cn/book")
    assert library.get(by_url.id) == by_url
    assert by_url.text == "我昨天买了一本书，很好看。"
    assert by_url.domain == "a.cn"
    assert by_url.updated_at.tzinfo is not None
    with pytest.raises(DocumentNotFound, match="no document 9999"):
        library.get(9999)
    with pytest.raises(DocumentNotFound):
        library.get("https://nowhere.cn/")


def test_timestamps_come_back_in_utc(corpus: Corpus) -> None:
    local = datetime(2024, 5, 1, 20, 0, tzinfo=timezone.utc).astimezone()
    corpus.upsert_many([doc("https://a.cn/1", "一。", fetched_at=local)])
    fetched = corpus.get("https://a.cn/1").fetched_at
    assert fetched == local
    assert fetched is not None
    assert fetched.utcoffset() is not None


def test_stats(library: Corpus) -> None:
    library.upsert_many([doc("https://d.cn/copy", "我昨天买了一本书，很好看。")])
    stats = library.stats()
    assert (stats.documents, stats.duplicates, stats.crawls) == (7, 1, 0)
    every = [library.get(i) for i in range(1, 8)]
    assert stats.tokens == sum(d.n_tokens for d in every)
    assert stats.chars == sum(d.n_chars for d in every)
    by_lang = {g.key: g for g in stats.by_lang}
    assert (by_lang["zh"].documents, by_lang["en"].documents) == (3, 3)
    assert [g.key for g in stats.by_domain] == ["c.org", "a.cn", "b.cn"]  # d.cn: duplicate only
    assert sum(g.chars for g in stats.by_domain) == stats.chars - every[-1].n_chars


def test_stats_of_an_empty_corpus(corpus: Corpus) -> None:
    stats = corpus.stats()
    assert (stats.documents, stats.tokens, stats.chars, stats.duplicates) == (0, 0, 0, 0)
    assert (stats.duplicate_rate, stats.crawls, stats.by_lang, stats.by_domain) == (0, 0, [], [])
    assert stats.db_bytes > 0


def test_documents_streams_in_id_order_with_filters(corpus: Corpus) -> None:
    docs = [doc(f"https://x{i % 3}.cn/{i}", f"第{i}篇。") for i in range(450)]
    corpus.upsert_many(docs)
    corpus.upsert_many([doc("https://y.cn/copy", "第7篇。")])
    streamed = corpus.documents()
    assert next(streamed).url == "https://x0.cn/0"
    assert [d.id for d in corpus.documents()] == list(range(1, 451))
    assert len(list(corpus.documents(include_duplicates=True))) == 451
    assert len(list(corpus.documents(domain="x1.cn"))) == 150
    assert list(corpus.documents(lang="en")) == []
    later = datetime.now(timezone.utc)
    corpus.upsert_many([doc("https://x0.cn/0", "改了。")])
    assert [d.url for d in corpus.documents(since=later)] == ["https://x0.cn/0"]


# Search


def test_one_character_chinese_query(library: Corpus) -> None:
    assert search_urls(library, "书") == ["https://a.cn/book"]


def test_chinese_query_inside_a_longer_word(library: Corpus) -> None:
    assert search_urls(library, "人民") == ["https://a.cn/prc"]
    assert search_urls(library, "中华") == ["https://a.cn/prc"]
    assert search_urls(library, "语言") == ["https://b.cn/nlp"]
    assert search_urls(library, "人民共和") == ["https://a.cn/prc"]
    assert search_urls(library, "共和人民") == []


def test_english_phrase(library: Corpus) -> None:
    phrase = ["https://c.org/nlp", "https://c.org/once"]  # not c.org/inverse: words reversed
    assert sorted(search_urls(library, "natural language")) == phrase
    assert sorted(search_urls(library, "NATURAL  Language")) == phrase
    assert search_urls(library, "lang") == []  # English matches whole words


def test_more_matches_rank_first(corpus: Corpus) -> None:
    corpus.upsert_many(
        [
            doc("https://a.cn/once", "语言学 研究 历史 文化 地理 经济"),
            doc("https://a.cn/thrice", "语言学 研究 语言 文化 语言 经济"),
            doc("https://a.cn/twice", "语言学 研究 历史 语言 地理 经济"),
        ]
    )
    hits = corpus.search("语言")
    assert [h.url for h in hits] == [
        "https://a.cn/thrice",
        "https://a.cn/twice",
        "https://a.cn/once",
    ]
    assert hits[0].score > hits[1].score > hits[2].score > 0


def test_filters_and_paging(library: Corpus) -> None:
    assert search_urls(library, "language", lang="zh") == []
    assert len(library.search("language", lang="en")) == 3
    assert search_urls(library, "语言", domain="a.cn") == []
    assert search_urls(library, "语言", domain="b.cn") == ["https://b.cn/nlp"]
    everything = search_urls(library, "language")
    assert search_urls(library, "language", limit=1, offset=1) == everything[1:2]
    assert library.search("language", limit=0) == []
    for offset in (-1, 2**63):
        with pytest.raises(InvalidQuery, match=r"^limit and offset must be 0 to 2\*\*63-1, got"):
            library.search("language", offset=offset)


def test_snippet_marks_the_match(library: Corpus) -> None:
    (hit,) = library.search("人民")
    assert hit.snippet == "中华[人民]共和国成立于一九四九年。"
    assert hit.title is None
    long_text = "开头" + "很长的铺垫。" * 20 + "\n\n  关键词  出现在这里。" + "结尾。" * 30
    library.upsert_many([doc("https://e.cn/long", long_text)])
    (hit,) = library.search("关键词")
    assert hit.snippet.startswith("…")
    assert hit.snippet.endswith("…")
    assert "[关键词]" in hit.snippet
    assert "\n" not in hit.snippet
    assert "  " not in hit.snippet
    (hit,) = library.search("next word")
    assert "[next word]" in hit.snippet


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_case37_hostile_queries_never_reach_fts_syntax(
    library: Corpus, corpus_url: str, query: str
) -> None:
    schema, count = schema_of(corpus_url), library.count()
    outcome: list[Hit] | str
    try:
        outcome = library.search(query)
    except InvalidQuery as error:
        outcome = str(error)
    assert isinstance(outcome, list) or outcome == "empty query"
    assert library.count() == count
    assert schema_of(corpus_url) == schema


def test_operator_words_are_searched_as_text(corpus: Corpus) -> None:
    corpus.upsert_many(
        [doc("https://a.org/", "Salt AND pepper, NEAR the body: hello and bye.", lang="en")]
    )
    for query in ("AND", "salt and pepper", "NEAR(", "body:", "hello AND"):
        assert search_urls(corpus, query) == ["https://a.org/"], query
    assert search_urls(corpus, "书\x00") == []


@pytest.mark.parametrize("query", ["", "   ", "！？。", "((((", "\x00"])
def test_empty_query_is_invalid(library: Corpus, query: str) -> None:
    with pytest.raises(InvalidQuery, match=r"^empty query$"):
        library.search(query)


# Package


def test_exports_are_sorted_and_importable() -> None:
    assert storage.__all__ == sorted(storage.__all__)
    for name in storage.__all__:
        assert getattr(storage, name) is not None
