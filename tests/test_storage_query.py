"""Corpus queries on SQLite and PostgreSQL: duplicates, pages, freq, KWIC, export, NLTK, schema."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import nltk
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import nlp
import storage
from storage import Corpus, DocumentNotFound, InvalidQuery, Line
from storage.models import SCHEMA_REVISIONS, Base
from storage.nltk_reader import CorpusReader
from tests.db_fixtures import doc, run_sql

ARTICLE = (
    "自然语言处理是计算机科学和人工智能的一个重要方向。它研究能实现人与计算机之间用自然语言"
    "进行有效通信的各种理论和方法。自然语言处理是一门融语言学、计算机科学、数学于一体的科学。"
    "因此，这一领域的研究将涉及自然语言，即人们日常使用的语言，所以它与语言学的研究有着密切的"
    "联系，但又有重要的区别。自然语言处理并不是一般地研究自然语言，而在于研制能有效地实现自然"
    "语言通信的计算机系统，特别是其中的软件系统。"
)
ENGLISH = (
    "Natural language processing studies how computers handle human language. "
    "A language model predicts the next word of a sentence. "
    "Natural language is hard, and natural language processing is fun."
)


@pytest.fixture
def library(corpus: Corpus) -> Corpus:
    corpus.upsert_many(
        [
            doc("https://a.cn/nlp", ARTICLE),
            doc("https://a.cn/copy", ARTICLE),  # exact duplicate
            doc("https://c.org/nlp", ENGLISH, lang="en"),
            doc("https://c.org/short", "The language of the book.", lang="en"),
        ]
    )
    return corpus


LONG = "\n".join([ARTICLE, ENGLISH] * 2)  # long enough that one changed word moves few bits
EDITED = LONG.replace("密切的联系", "紧密的联系", 1)


def distance(a: int, b: int) -> int:
    return ((a ^ b) & (2**64 - 1)).bit_count()


# Near duplicates


def test_near_duplicates_are_found_through_the_bands(corpus: Corpus, corpus_url: str) -> None:
    assert distance(nlp.analyze(LONG).fingerprint, nlp.analyze(EDITED).fingerprint) <= 3
    corpus.upsert_many([doc("https://a.cn/original", LONG)])
    corpus.upsert_many([doc("https://b.cn/edited", EDITED), doc("https://c.cn/other", ENGLISH)])
    original, near = corpus.get("https://a.cn/original"), corpus.get("https://b.cn/edited")
    assert near.content_hash != original.content_hash
    assert (original.duplicate_of, near.duplicate_of) == (None, original.id)
    assert corpus.get("https://c.cn/other").duplicate_of is None
    assert [h.url for h in corpus.search("紧密")] == []
    assert [h.url for h in corpus.search("紧密", include_duplicates=True)] == [near.url]
    counts = run_sql(corpus_url, "SELECT document_id, count(*) FROM simhash_bands GROUP BY 1")
    assert sorted(n for _, n in counts) == [4, 4, 4]


def test_a_near_duplicate_is_freed_when_its_original_changes(corpus: Corpus) -> None:
    corpus.upsert_many([doc("https://a.cn/original", LONG), doc("https://b.cn/edited", EDITED)])
    assert corpus.get("https://b.cn/edited").duplicate_of is not None
    corpus.upsert_many([doc("https://a.cn/original", ENGLISH, lang="en")])
    assert corpus.get("https://b.cn/edited").duplicate_of is None
    assert corpus.stats().duplicates == 0


def test_stats_report_the_duplicate_rate(library: Corpus) -> None:
    stats = library.stats()
    assert (stats.documents, stats.duplicates, stats.duplicate_rate) == (4, 1, 0.25)


# Raw pages


def test_raw_pages_are_kept_compressed(corpus: Corpus, corpus_url: str) -> None:
    html = ("<html><body><p>" + ARTICLE + "</p></body></html>").encode("gb18030")
    headers = {"content-type": "text/html; charset=gb18030"}
    corpus.upsert_many([doc("https://a.cn/1", ARTICLE, body=html, headers=headers)])
    corpus.upsert_many([doc("https://a.cn/2", ENGLISH, lang="en")])
    page = corpus.page("https://a.cn/1")
    assert (page.body, page.headers) == (html, headers)
    [(stored,)] = run_sql(corpus_url, "SELECT body FROM pages")
    assert len(stored) < len(html)
    with pytest.raises(DocumentNotFound, match="no page kept"):
        corpus.page("https://a.cn/2")
    corpus.upsert_many([doc("https://a.cn/1", ARTICLE, body=b"<p>new</p>", headers={})])
    assert corpus.page("https://a.cn/1").body == b"<p>new</p>"


# Search


def test_case45_cjk_recall(corpus: Corpus) -> None:
    corpus.upsert_many(
        [
            doc("https://a.cn/people", "人民"),
            doc("https://a.cn/prc", "中华人民共和国"),
            doc("https://a.cn/book", "书"),
        ]
    )
    assert sorted(h.url for h in corpus.search("人民")) == [
        "https://a.cn/people",
        "https://a.cn/prc",
    ]
    assert [h.url for h in corpus.search("书")] == ["https://a.cn/book"]
    assert [h.url for h in corpus.search("中华")] == ["https://a.cn/prc"]


def test_mixed_chinese_and_english_query(corpus: Corpus) -> None:
    corpus.upsert_many([doc("https://a.cn/1", "我们用Python处理自然语言。")])
    assert [h.url for h in corpus.search("Python处理")] == ["https://a.cn/1"]
    assert [h.snippet for h in corpus.search("python 处理")] == ["我们用[Python处理]自然语言。"]


def test_since_filter(library: Corpus) -> None:
    later = datetime.now(timezone.utc)
    library.upsert_many([doc("https://c.org/short", "The language of the new book.", lang="en")])
    assert [h.url for h in library.search("language", since=later)] == ["https://c.org/short"]
    assert len(library.search("language", since=later - timedelta(days=1))) == 2


def test_raw_queries(library: Corpus) -> None:
    if library.dialect == "sqlite":
        hits = library.search('"natural language" NOT model', raw=True)
        assert hits == []
        hits = library.search("book OR 融语言", raw=True)
        assert sorted(h.url for h in hits) == ["https://a.cn/nlp", "https://c.org/short"]
        with pytest.raises(InvalidQuery, match=r"unterminated string|syntax error"):
            library.search('"natural', raw=True)
    else:
        hits = library.search('"natural language" -model', raw=True)
        assert hits == []
        hits = library.search("book or 融语言", raw=True)
        assert sorted(h.url for h in hits) == ["https://a.cn/nlp", "https://c.org/short"]
        assert library.search('"natural', raw=True) != []  # web-search syntax never fails
    assert "[book]" in library.search("book", raw=True)[0].snippet


# Frequencies


def test_frequencies(library: Corpus) -> None:
    counts = dict(library.frequencies(top=1000))
    assert counts["language"] == 6  # case-folded, stopwords and punctuation gone
    assert counts["自然语言"] == ARTICLE.count("自然语言")  # the duplicate is not counted
    assert "the" not in counts
    assert "的" not in counts
    assert not {"。", ".", "，"} & counts.keys()
    with_stopwords = dict(library.frequencies(top=1000, drop_stopwords=False))
    assert with_stopwords["the"] == 3  # case-folded
    assert (
        dict(library.frequencies(top=1000, include_duplicates=True))["自然语言"]
        == 2 * counts["自然语言"]
    )


def test_frequencies_order_filters_and_top(library: Corpus) -> None:
    english = library.frequencies(lang="en", top=3)
    assert english[0] == ("language", 6)
    assert len(english) == 3
    assert [n for _, n in english] == sorted((n for _, n in english), reverse=True)
    assert all(len(word) >= 4 for word, _ in library.frequencies(min_len=4, top=50))
    assert all(word.isascii() for word, _ in library.frequencies(lang="en", top=50))


def test_word_counts_of_an_empty_corpus(corpus: Corpus) -> None:
    assert corpus.frequencies() == []
    assert corpus.concordance("语言") == []
    assert corpus.stats().documents == 0


# Concordance


def test_concordance_lines(library: Corpus) -> None:
    lines = library.concordance("language", width=12)
    assert len(lines) == 6
    first = lines[0]
    assert first == Line(first.document_id, "https://c.org/nlp", "Natural", "language", first.right)
    assert first.right.startswith("processing")
    assert all(len(line.left) <= 12 and len(line.right) <= 12 for line in lines)
    assert lines[1].left == "handle human"
    assert library.concordance("language", limit=2) == library.concordance("language")[:2]


def test_concordance_matches_whole_words_and_phrases(library: Corpus) -> None:
    lines = library.concordance("自然语言", width=5)
    assert len(lines) == ARTICLE.count("自然语言")  # the exact duplicate is left out
    assert {line.word for line in lines} == {"自然语言"}
    assert (lines[0].left, lines[0].right) == ("", "处理是计算")
    assert library.concordance("语言学")[0].word == "语言学"
    assert [line.word for line in library.concordance("NATURAL language")] == [
        "Natural language",
        "Natural language",
        "natural language",
    ]
    assert library.concordance("lang") == []
    with pytest.raises(InvalidQuery):
        library.concordance("。")


# Export


def export(corpus: Corpus, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    corpus.export(out, fmt=fmt, **options)
    return out.getvalue()


def test_export_jsonl_and_csv_hold_every_field(library: Corpus) -> None:
    records = [json.loads(line) for line in export(library, "jsonl").decode().splitlines()]
    assert [r["url"] for r in records] == [d.url for d in library.documents()]
    assert records[0]["text"] == library.get(records[0]["id"]).text
    rows = list(csv.DictReader(io.StringIO(export(library, "csv").decode())))
    assert [r["url"] for r in rows] == [r["url"] for r in records]
    assert rows[0]["tokens"] == records[0]["tokens"]
    assert int(rows[0]["simhash"]) == records[0]["simhash"]


def test_export_txt_is_one_document_per_line(library: Corpus) -> None:
    lines = export(library, "txt").decode().splitlines()
    assert lines == [d.tokens for d in library.documents()]
    assert len(lines) == 3
    assert len(export(library, "txt", include_duplicates=True).decode().splitlines()) == 4
    assert export(library, "txt", lang="en").decode().count("\n") == 2


def test_export_parquet(library: Corpus) -> None:
    table = pq.read_table(io.BytesIO(export(library, "parquet", lang="zh")))
    assert table.num_rows == 1
    row = table.to_pylist()[0]
    assert row["text"] == library.get(row["id"]).text
    assert row["simhash"] == library.get(row["id"]).simhash
    assert row["updated_at"].tzinfo is not None


def test_export_since_and_unknown_format(library: Corpus) -> None:
    assert export(library, "jsonl", since=datetime.now(timezone.utc) + timedelta(days=1)) == b""
    with pytest.raises(storage.StorageError, match="unknown export format 'xml'"):
        export(library, "xml")


# NLTK


def test_nltk_reader(library: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    reader = CorpusReader(library)
    assert reader.fileids() == [d.url for d in library.documents()]
    assert reader.raw("https://c.org/short") == "The language of the book."
    assert list(reader.words("https://c.org/short")) == [
        "The",
        "language",
        "of",
        "the",
        "book",
        ".",
    ]
    english = reader.sents(["https://c.org/nlp"])
    assert len(english) == 3
    assert english[1][:3] == ["A", "language", "model"]
    assert reader.sents("https://a.cn/nlp")[0][:3] == ["自然语言", "处理", "是"]
    text = nltk.Text(reader.words())
    text.concordance("language", width=40)
    assert "Displaying 6 of 6 matches" in capsys.readouterr().out
    assert ("Natural", "language") in text.collocation_list()


# Schema


def test_migrations_match_the_models(corpus: Corpus, corpus_url: str) -> None:
    script = ScriptDirectory.from_config(_alembic_config())
    assert script.get_current_head() == SCHEMA_REVISIONS[-1]
    assert [r.revision for r in script.walk_revisions()][::-1] == list(SCHEMA_REVISIONS)
    engine = sa.create_engine(corpus_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, Base.metadata) if not _fts_table(d)]
    engine.dispose()
    assert diffs == []


def test_upgrade_creates_then_has_nothing_to_do(corpus_url: str) -> None:
    assert storage.upgrade(corpus_url) == (None, SCHEMA_REVISIONS[-1])
    assert storage.upgrade(corpus_url) == (SCHEMA_REVISIONS[-1], SCHEMA_REVISIONS[-1])
    with Corpus(corpus_url, create=False) as corpus:
        assert corpus.count() == 0


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    return config


def _fts_table(diff: Any) -> bool:
    """The full-text index is the dialect's own structure, not in the declarative models."""
    kind, item = diff[0], diff[1]
    table = item if kind == "remove_table" else getattr(item, "table", None)
    return kind in ("remove_table", "remove_index") and table.name.startswith("documents_fts")
