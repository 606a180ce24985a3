"""Corpus summaries on SQLite and PostgreSQL: documents over time, crawls, near duplicates."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.dialects import sqlite

from storage import Corpus, CrawlInfo, DocumentNotFound, InvalidQuery, Period
from storage.similar import candidates
from tests.db_fixtures import doc, run_sql
from tests.test_storage_query import ARTICLE, ENGLISH, LONG

# Word swaps in LONG: any one or two of them move its SimHash 0 to 6 bits.
EDITS = [
    ("密切的联系", "紧密的联系"),
    ("重要方向", "主要方向"),
    ("有效通信", "高效通信"),
    ("软件系统", "程序系统"),
    ("日常使用", "平时使用"),
    ("hard", "difficult"),
    ("fun", "great"),
    ("next word", "following word"),
]


def utc(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.utc)


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


# Documents over time


def test_timeline_by_month_fetched(corpus: Corpus) -> None:
    east = timezone(timedelta(hours=8))
    corpus.upsert_many(
        [
            doc("https://a.cn/1", "第一篇。", fetched_at=utc(2024, 1, 31)),
            doc("https://a.cn/2", "第二篇文章。", fetched_at=utc(2024, 1, 2)),
            # 1 February 03:00 in Beijing is still January in UTC
            doc("https://a.cn/3", "第三篇。", fetched_at=datetime(2024, 2, 1, 3, tzinfo=east)),
            doc("https://b.org/1", "One text.", lang="en", fetched_at=utc(2024, 3, 1)),
            doc("https://b.org/2", "Not fetched.", lang="en"),
            doc("https://c.cn/copy", "第一篇。", fetched_at=utc(2024, 3, 5)),  # duplicate
        ]
    )
    tokens = {d.url: d.n_tokens for d in corpus.documents(include_duplicates=True)}
    zh_january = tokens["https://a.cn/1"] + tokens["https://a.cn/2"] + tokens["https://a.cn/3"]
    assert corpus.timeline(by="fetched") == [
        Period("2024-01", "zh", 3, zh_january),
        Period("2024-03", "en", 1, tokens["https://b.org/1"]),
    ]
    assert corpus.timeline(by="fetched", include_duplicates=True)[-1] == Period(
        "2024-03", "zh", 1, tokens["https://c.cn/copy"]
    )


def test_timeline_by_month_published_reads_iso_dates_only(corpus: Corpus) -> None:
    stated = ["2024-03-05", "2024-03-28T10:30", "2023-12", "March 2024", "2024-13-01", "2024"]
    corpus.upsert_many(
        [doc(f"https://a.cn/{i}", f"第{i}篇。", published_at=p) for i, p in enumerate(stated)]
        + [doc("https://b.org/1", "An English text.", lang="en", published_at="2024-03-01")]
        + [doc("https://a.cn/undated", "没有日期。", fetched_at=utc(2024, 3, 1))]
    )
    periods = corpus.timeline(by="published")
    assert [(p.month, p.lang, p.documents) for p in periods] == [
        ("2023-12", "zh", 1),
        ("2024-03", "en", 1),
        ("2024-03", "zh", 2),
    ]
    assert periods[1].tokens == corpus.get("https://b.org/1").n_tokens


def test_timeline_of_an_empty_corpus_and_a_bad_basis(corpus: Corpus) -> None:
    assert corpus.timeline(by="published") == []
    with pytest.raises(InvalidQuery, match="by must be fetched or published, got 'crawled'"):
        corpus.timeline(by="crawled")  # type: ignore[arg-type]


# Crawls


def test_crawls_with_status_and_stats_latest_first(corpus: Corpus) -> None:
    stats = {"response_received_count": 12, "yuliao/stored": 9, "yuliao/dropped/too_short": 2}
    corpus.ensure_crawl("first", ["https://a.cn/"], {"depth_limit": 2})
    corpus.finish_crawl("first", "finished", stats)
    corpus.ensure_crawl("second", ["https://b.org/", "https://c.org/"])
    second, first = corpus.crawls()
    assert isinstance(first, CrawlInfo)
    assert (first.name, first.seeds, first.status, first.stats) == (
        "first",
        ["https://a.cn/"],
        "finished",
        stats,
    )
    assert first.finished_at is not None
    assert first.started_at <= first.finished_at
    assert (second.name, second.status, second.stats, second.finished_at) == (
        "second",
        "running",
        {},
        None,
    )
    assert [crawl.name for crawl in corpus.crawls(limit=1)] == ["second"]


def test_overview_reads_stats_timeline_and_crawls(corpus: Corpus) -> None:
    corpus.ensure_crawl("only")
    corpus.upsert_many(
        [
            doc("https://a.cn/1", ARTICLE, published_at="2024-05-01"),
            doc("https://a.cn/copy", ARTICLE, published_at="2024-05-01"),
            doc("https://b.org/1", ENGLISH, lang="en", fetched_at=utc(2024, 6, 1)),
        ]
    )
    overview = corpus.overview(by="published")
    assert overview.by == "published"
    assert overview.stats == corpus.stats()
    assert overview.timeline == corpus.timeline(by="published")
    assert [p.documents for p in overview.timeline] == [1]  # the copy is left out
    assert overview.crawls == corpus.crawls()
    assert corpus.overview(by="fetched", last_crawls=0).crawls == []


# Near duplicates


@pytest.fixture
def variants(corpus: Corpus) -> Corpus:
    """LONG with none, one or two words swapped, an exact copy of it, and unrelated texts."""
    texts = {"https://a.cn/0": LONG}
    for n in (1, 2):
        for combo in itertools.combinations(range(len(EDITS)), n):
            text = LONG
            for i in combo:
                text = text.replace(*EDITS[i], 1)
            texts["https://a.cn/" + "-".join(map(str, combo))] = text
    texts["https://b.cn/copy"] = LONG
    corpus.upsert_many([doc(url, text) for url, text in texts.items()])
    corpus.upsert_many([doc("https://c.cn/1", ARTICLE), doc("https://c.org/1", ENGLISH, lang="en")])
    return corpus


def test_near_duplicates_are_every_document_within_the_distance(variants: Corpus) -> None:
    every = list(variants.documents(include_duplicates=True))
    distances = {distance(a.simhash, b.simhash) for a, b in itertools.combinations(every, 2)}
    assert {0, 1, 2, 3, 4, 5} <= distances  # some within reach, some beyond
    for target, bits in itertools.product(every[::4], range(4)):
        expected = sorted(
            (distance(target.simhash, other.simhash), other.id)
            for other in every
            if other.id != target.id and distance(target.simhash, other.simhash) <= bits
        )
        found = variants.near_duplicates(target.id, bits=bits)
        assert [(dup.distance, dup.id) for dup in found] == expected, (target.url, bits)


def test_near_duplicates_show_the_original_and_the_copies(variants: Corpus) -> None:
    original = variants.get("https://a.cn/0")
    copy = variants.get("https://b.cn/copy")
    assert copy.duplicate_of == original.id
    found = {dup.id: dup for dup in variants.near_duplicates("https://a.cn/1")}
    assert found[original.id].duplicate_of is None
    assert found[copy.id].duplicate_of == original.id
    assert found[original.id].distance == found[copy.id].distance
    assert (found[copy.id].url, found[copy.id].lang) == ("https://b.cn/copy", "zh")
    nearest = variants.near_duplicates(original.id, limit=3)
    assert [dup.distance for dup in nearest] == [0, 0, 0]
    assert copy.id in [dup.id for dup in variants.near_duplicates(original.id, bits=0)]
    assert variants.near_duplicates("https://c.org/1") == []


def test_exact_copies_of_a_text_without_words_are_found(corpus: Corpus) -> None:
    corpus.upsert_many(
        [
            doc("https://a.cn/1", "……", simhash=0),
            doc("https://b.cn/1", "……", simhash=0),
            doc("https://c.cn/1", "！！", simhash=0),
        ]
    )
    [dup] = corpus.near_duplicates("https://a.cn/1")
    assert (dup.url, dup.distance) == ("https://b.cn/1", 0)


def test_near_duplicates_refuse_what_the_bands_cannot_find(variants: Corpus) -> None:
    with pytest.raises(InvalidQuery, match="bits must be between 0 and 3, got 4"):
        variants.near_duplicates(1, bits=4)
    with pytest.raises(DocumentNotFound):
        variants.near_duplicates(999_999)
    with pytest.raises(DocumentNotFound):
        variants.near_duplicates("https://nowhere.cn/")


def test_near_duplicates_use_the_indexes_not_a_scan(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'corpus.db'}"
    with Corpus(url):
        pass
    for content_hash, simhash in (("h", 0x0123_4567_89AB_CDEF), ("h", 0)):
        statement = candidates(1, simhash, content_hash).compile(
            dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
        )
        plan = [row[-1] for row in run_sql(url, f"EXPLAIN QUERY PLAN {statement}")]
        assert not [step for step in plan if step.startswith("SCAN")], plan
        assert any("USING PRIMARY KEY (band=? AND value=?)" in step for step in plan) == bool(
            simhash
        )
