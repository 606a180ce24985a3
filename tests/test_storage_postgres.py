"""PostgreSQL only: concurrent writers from several processes, and a database that is not there."""

from __future__ import annotations

import hashlib
import multiprocessing

import pytest

from storage import Corpus, DatabaseError, NewDocument
from tests.db_fixtures import run_sql

WORKERS = 4
URLS_PER_WORKER = 300
OVERLAP = 150  # each worker shares this many URLs with the next one


def plain_doc(i: int, writer: int) -> NewDocument:
    """A document without segmentation: this test is about rows, not text."""
    text = f"document {i} as written by worker {writer}"
    digest = hashlib.sha256(text.encode()).hexdigest()
    return NewDocument(
        url=f"https://site.test/{i}",
        text=text,
        tokens=text,
        lang="en",
        content_hash=digest,
        simhash=int(digest[:16], 16),
        n_chars=len(text),
        n_tokens=len(text.split()),
        n_sentences=1,
        domain="site.test",
    )


def write_range(url: str, writer: int) -> int:
    """One process: its URL range in batches of 25, overlapping its neighbours' ranges."""
    start = writer * (URLS_PER_WORKER - OVERLAP)
    docs = [plain_doc(i, writer) for i in range(start, start + URLS_PER_WORKER)]
    with Corpus(url) as corpus:
        return sum(corpus.upsert_many(docs[i : i + 25]) for i in range(0, len(docs), 25))


def test_case42_concurrent_upserts_from_four_processes(postgres_url: str) -> None:
    Corpus(postgres_url).close()
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        written = pool.starmap(write_range, [(postgres_url, w) for w in range(WORKERS)])
    assert written == [URLS_PER_WORKER] * WORKERS  # no worker saw an error
    expected = (WORKERS - 1) * (URLS_PER_WORKER - OVERLAP) + URLS_PER_WORKER
    [(rows, urls, indexed, bands)] = run_sql(
        postgres_url,
        "SELECT count(*), count(DISTINCT url), (SELECT count(*) FROM documents_fts),"
        " (SELECT count(DISTINCT document_id) FROM simhash_bands) FROM documents",
    )
    assert (rows, urls, indexed, bands) == (expected, expected, expected, expected)


def test_a_missing_database_is_one_line(postgres_url: str) -> None:
    url = postgres_url.split("?")[0].rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(DatabaseError, match=r'database "no_such_database" does not exist$'):
        Corpus(url)
