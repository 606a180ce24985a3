"""Several processes on one SQLite file: readers while a crawl writes, two crawls at once.

WAL lets readers go on while the one writer commits; writers begin ``IMMEDIATE`` and wait for
each other (``busy_timeout``) instead of failing with "database is locked".
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from storage import Corpus
from tests.conftest import yuliao
from tests.crawl_fixtures import (
    FAST,
    crawling,
    held,
    link_site,
    site_urls,
    slowed,
    urls,
    wait_until,
)
from tests.siteserver import RoutedServer
from tests.test_storage import assert_whole

Serve = Callable[..., RoutedServer]


def wal_size(db: str) -> int:
    wal = Path(db.removeprefix("sqlite:///") + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_case40_readers_during_a_crawl(serve: Serve, db: str, tmp_path: Path) -> None:
    Corpus(db).close()
    reads_done = threading.Event()  # the crawl goes on until the readers have had their turns
    server = serve({"*": held(slowed(link_site(80), 0.05), "/a79.html", reads_done)})
    log = tmp_path / "crawl.log"
    commands = [("search", "语料"), ("stats",), ("kwic", "分词")]
    with crawling(db, server.url("/"), "-q", "--timeout", "150", *FAST, log=log) as proc:
        wait_until(lambda: urls(db), timeout=60, what="the first batch")
        reads, peak = [], 0
        for command in itertools.cycle(commands):
            reads.append(yuliao("--db", db, *command, timeout=60))
            peak = max(peak, wal_size(db))
            if len(reads) == len(commands):
                reads_done.set()
            if proc.poll() is not None:
                break
        assert proc.wait(timeout=60) == 0, log.read_text()
    for read in reads:
        assert (read.returncode, read.stderr) == (0, ""), read.args
    assert all(read.stdout for read in reads[: len(commands)])  # hits, counts, lines mid-crawl
    assert "locked" not in log.read_text()
    assert "busy" not in log.read_text()
    assert sorted(urls(db)) == site_urls(server, 80)
    assert peak > 0
    assert wal_size(db) == 0  # checkpointed and removed once nobody reads


@pytest.mark.parametrize("same", [False, True], ids=["two-sites", "the-same-crawl"])
def test_case41_two_crawls_on_one_file(serve: Serve, db: str, tmp_path: Path, same: bool) -> None:
    first = serve({"*": link_site(40)})
    second = first if same else serve({"*": link_site(40)}, host="127.0.0.2")
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with (
        crawling(db, first.url("/"), "-q", *FAST, log=logs[0]) as one,
        crawling(db, second.url("/"), "-q", *FAST, log=logs[1]) as other,
    ):
        for proc, log in ((one, logs[0]), (other, logs[1])):  # each waits its turn, finishes
            assert proc.wait(timeout=120) == 0, log.read_text()
            assert "locked" not in log.read_text()
    expected = site_urls(first, 40) + ([] if same else site_urls(second, 40))
    assert sorted(urls(db)) == sorted(expected)
    assert_whole(db)  # integrity_check included
