"""storage.frontier on its own: the record a crawl resumes from."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from storage import Corpus, NewDocument
from storage.frontier import Outcome


def document(url: str, fetched_at: datetime) -> NewDocument:
    return NewDocument(
        url=url,
        text="语料",
        tokens="语料",
        lang="zh",
        content_hash=url,
        simhash=1,
        n_chars=2,
        n_tokens=1,
        n_sentences=1,
        fetched_at=fetched_at,
    )


def test_urls_are_recorded_once_in_discovery_order(db: str) -> None:
    with Corpus(db) as corpus:
        frontier = corpus.frontier("c")
        assert frontier.update([("http://a/", 0), ("http://b/", 1), ("http://a/", 2)]) == 2
        assert frontier.update([("http://b/", 0), ("http://c/", 1)]) == 1
        rows = frontier.pending()
        assert [(row.url, row.depth) for row in rows] == [
            ("http://a/", 0),
            ("http://b/", 1),
            ("http://c/", 1),
        ]
        assert [row.url for row in frontier.pending(after=rows[0].id, limit=1)] == ["http://b/"]
        assert corpus.frontier("other").pending() == []  # per crawl


def test_new_urls_are_inserted_before_outcomes_apply(db: str) -> None:
    with Corpus(db) as corpus:
        frontier = corpus.frontier("c")
        frontier.update(
            [("http://a/", 0), ("http://b/", 1)],
            [Outcome("http://a/", "done"), Outcome("http://b/", "failed", "http_404")],
        )
        assert frontier.counts() == {"pending": 0, "done": 1, "failed": 1, "skipped": 0}
        assert frontier.status("http://b/") == Outcome("http://b/", "failed", "http_404")
        assert frontier.status("http://nowhere/") is None


def test_a_finished_crawl_starts_over_an_unfinished_one_resumes(db: str) -> None:
    with Corpus(db) as corpus:
        frontier = corpus.frontier("c")
        frontier.update([("http://a/", 0), ("http://b/", 0)], [Outcome("http://a/", "done")])
        assert frontier.prepare_run() is True  # running (killed): resume
        assert [row.url for row in frontier.pending()] == ["http://b/"]
        corpus.finish_crawl("c", status="finished", stats={})
        assert frontier.prepare_run() is False  # finished: forget, fetch everything again
        assert frontier.counts()["done"] == 0


def test_resume_marks_done_what_was_stored_after_it_was_queued(db: str) -> None:
    with Corpus(db) as corpus:
        frontier = corpus.frontier("c")
        frontier.update([("http://old/", 0), ("http://new/", 0)])
        later = datetime.now(timezone.utc) + timedelta(seconds=1)
        earlier = datetime.now(timezone.utc) - timedelta(days=1)
        corpus.upsert_many([document("http://new/", later), document("http://old/", earlier)])
        assert frontier.prepare_run() is True
        assert frontier.status("http://new/") == Outcome("http://new/", "done")  # killed between
        assert [row.url for row in frontier.pending()] == ["http://old/"]  # stored long before
