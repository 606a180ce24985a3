"""storage.Corpus on SQLite files: damaged and foreign files, read-only files, locking, WAL."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import storage
from storage import (
    Corpus,
    CorpusNotFound,
    DatabaseError,
    SchemaVersionMismatch,
    StorageError,
    resolve_db_url,
)
from tests.db_fixtures import doc


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def sql(path: Path, statement: str, *params: object) -> list[Any]:
    """Run one statement on the file with plain sqlite3, as any other tool would."""
    with closing(sqlite3.connect(path)) as conn, conn:
        return conn.execute(statement, params).fetchall()


def search_urls(corpus: Corpus, query: str) -> list[str]:
    return [hit.url for hit in corpus.search(query)]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "corpus.db"


@pytest.fixture
def library(db_path: Path) -> Iterator[Corpus]:
    with Corpus(sqlite_url(db_path)) as corpus:
        corpus.upsert_many(
            [
                doc("https://a.cn/book", "我昨天买了一本书，很好看。"),
                doc("https://b.cn/nlp", "自然语言处理是人工智能的一个分支。"),
            ]
        )
        yield corpus


# Files


def test_create_false_on_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(CorpusNotFound, match=f"^no corpus at {path}$"):
        Corpus(sqlite_url(path), create=False)
    assert list(tmp_path.iterdir()) == []


def test_reopen_with_create_false(db_path: Path) -> None:
    with Corpus(sqlite_url(db_path)) as corpus:
        corpus.upsert_many([doc("https://a.cn/1", "一本书。")])
    with Corpus(sqlite_url(db_path), create=False) as corpus:
        assert search_urls(corpus, "书") == ["https://a.cn/1"]
    assert sql(db_path, "PRAGMA journal_mode") == [("wal",)]
    assert sql(db_path, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert [key for key, _ in sql(db_path, "SELECT key, value FROM meta")] == ["created_at"]


def test_path_in_a_missing_directory(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "corpus.db"
    with pytest.raises(StorageError, match=r"directory .*nope does not exist"):
        Corpus(sqlite_url(path))
    assert not path.parent.exists()


def test_path_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="is a directory"):
        Corpus(sqlite_url(tmp_path))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 64, "not an SQLite database"),
        (b"", "empty file"),
        (b"SQLite format 2\x00" + bytes(100), "not an SQLite database"),
        (
            b"SQLite format 3\x00" + bytes(range(256)) * 32,
            r"not an SQLite database \(or is damaged\)",
        ),
    ],
)
def test_a_file_that_is_not_sqlite_is_left_alone(
    db_path: Path, content: bytes, message: str
) -> None:
    db_path.write_bytes(content)
    for create in (True, False):
        with pytest.raises(DatabaseError, match=message):
            Corpus(sqlite_url(db_path), create=create)
    assert db_path.read_bytes() == content
    assert list(db_path.parent.iterdir()) == [db_path]


def test_a_foreign_sqlite_database_is_left_alone(db_path: Path) -> None:
    sql(db_path, "CREATE TABLE notes (body TEXT)")
    content = db_path.read_bytes()
    with pytest.raises(SchemaVersionMismatch, match="not a yuliao corpus"):
        Corpus(sqlite_url(db_path))
    assert db_path.read_bytes() == content
    assert list(db_path.parent.iterdir()) == [db_path]


def test_case44_a_newer_schema_revision_is_refused(db_path: Path) -> None:
    Corpus(sqlite_url(db_path)).close()
    sql(db_path, "UPDATE alembic_version SET version_num = '9999'")
    content = db_path.read_bytes()
    message = "schema revision 9999, unknown to this yuliao .*: use a newer yuliao$"
    with pytest.raises(SchemaVersionMismatch, match=message):
        Corpus(sqlite_url(db_path))
    with pytest.raises(SchemaVersionMismatch, match=message):
        storage.upgrade(sqlite_url(db_path))
    assert db_path.read_bytes() == content


def test_a_database_of_a_pre_release_schema_is_refused(db_path: Path) -> None:
    sql(db_path, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    sql(db_path, "INSERT INTO meta VALUES ('schema_version', '1')")
    with pytest.raises(SchemaVersionMismatch, match="not a yuliao corpus"):
        Corpus(sqlite_url(db_path))


def test_an_empty_sqlite_database_becomes_a_corpus(db_path: Path) -> None:
    sql(db_path, "VACUUM")
    with pytest.raises(CorpusNotFound, match="empty"):
        Corpus(sqlite_url(db_path), create=False)
    with Corpus(sqlite_url(db_path)) as corpus:
        assert corpus.count() == 0


def test_writing_a_read_only_database(db_path: Path) -> None:
    Corpus(sqlite_url(db_path)).close()
    with Corpus(f"sqlite:///file:{db_path}?mode=ro&uri=true") as corpus:
        assert corpus.count() == 0
        with pytest.raises(DatabaseError, match=r"is read-only$"):
            corpus.upsert_many([doc("https://a.cn/1", "一。")])


def test_unsupported_database_url_does_not_leak_the_password() -> None:
    with pytest.raises(StorageError, match="unsupported database") as caught:
        Corpus("mysql://user:secret@127.0.0.1/corpus")
    assert "secret" not in str(caught.value)
    with pytest.raises(StorageError, match="invalid database URL"):
        Corpus("not a url")


def test_resolve_db_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YULIAO_DB", raising=False)
    assert resolve_db_url(None) == "sqlite:///corpus.db"
    monkeypatch.setenv("YULIAO_DB", "sqlite:///env.db")
    assert resolve_db_url(None) == "sqlite:///env.db"
    assert resolve_db_url("sqlite:///arg.db") == "sqlite:///arg.db"


# Concurrency


def test_case40_readers_work_while_a_writer_holds_the_lock(library: Corpus, db_path: Path) -> None:
    with closing(sqlite3.connect(db_path, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE documents SET title = 'uncommitted'")
        started = time.monotonic()
        with Corpus(sqlite_url(db_path), create=False) as reader:
            assert search_urls(reader, "书") == ["https://a.cn/book"]
            assert reader.get("https://a.cn/book").title is None
            assert reader.stats().documents == 2
            assert len(list(reader.documents())) == 2
        assert time.monotonic() - started < 5  # never waited for the lock
        writer.execute("ROLLBACK")


def test_case41_a_writer_waits_for_another_writer(library: Corpus, db_path: Path) -> None:
    late = doc("https://a.cn/late", "晚到的文章。")  # segmented before the clock starts
    outcome: list[object] = []

    def write() -> None:
        try:
            outcome.append(library.upsert_many([late]))
        except StorageError as error:
            outcome.append(error)

    thread = threading.Thread(target=write)
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        other.execute(
            "INSERT INTO crawls (name, seeds, settings, started_at, status) "
            "VALUES ('other', '[]', '{}', '2024-01-01 00:00:00', 'running')"
        )
        thread.start()
        time.sleep(0.5)
        waiting = list(outcome)
        other.execute("COMMIT")  # a deferred transaction would now fail: its snapshot is stale
    thread.join(timeout=20)
    assert waiting == []
    assert outcome == [1]
    assert search_urls(library, "晚到") == ["https://a.cn/late"]
    assert library.stats().crawls == 1


def create_at(url: str, start: float) -> str:
    """Open (and so create) the corpus at ``url`` at the moment ``start``: the outcome."""
    time.sleep(max(0.0, start - time.monotonic()))
    try:
        Corpus(url).close()
    except StorageError as error:
        return str(error)
    return "ok"


def test_case41_processes_creating_one_corpus_at_once(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        for attempt, delay in enumerate((3.0, 0.5, 0.5)):  # the first waits for the imports
            url = sqlite_url(tmp_path / f"corpus{attempt}.db")
            start = time.monotonic() + delay
            assert pool.starmap(create_at, [(url, start)] * 4) == ["ok"] * 4
            assert sql(tmp_path / f"corpus{attempt}.db", "PRAGMA journal_mode") == [("wal",)]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "corpus0.db",
        "corpus1.db",
        "corpus2.db",
    ]
