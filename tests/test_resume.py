"""The database is the record: kill -9, Ctrl-C, a page limit, then the same command resumes.

Fetches are counted by the server; a kill happens when the server has answered a chosen
number of pages (random, with the seed in the failure message), signalling the crawler's own
process.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tests.crawl_fixtures import (
    FAST,
    children,
    held,
    link_site,
    link_site_paths,
    run_crawl,
    running,
    sqlite_rows,
    start_crawl,
    stop,
    stored_urls,
    wait_until,
)
from tests.db_fixtures import run_sql
from tests.siteserver import RoutedServer

Serve = Callable[..., RoutedServer]


def page_hits(
    server: RoutedServer, *, after: float = 0.0, before: float = float("inf")
) -> list[str]:
    """URLs of the pages the server answered between two moments (robots.txt left out)."""
    return [
        server.url(hit.path)
        for hit in server.hits()
        if hit.path != "/robots.txt" and after <= hit.time < before
    ]


def settle() -> float:
    """A moment after a crawler exited: every request it sent has been logged by then."""
    time.sleep(0.3)
    return time.monotonic()


def test_case09_kill_9_at_random_moments_then_resume(
    serve: Serve, corpus_url: str, tmp_path: Path
) -> None:
    """On SQLite and on PostgreSQL: the key test of the crawler's promise."""
    db = corpus_url
    pages = 520
    server = serve({"*": link_site(pages)})
    expected = sorted(server.url(path) for path in link_site_paths(pages))
    seed = random.randrange(1 << 30)
    thresholds = sorted(random.Random(seed).sample(range(30, len(expected) - 60), 4))
    why = f"seed {seed}, kills after {thresholds} pages"
    kills: list[tuple[float, float, set[str]]] = []  # (run start, kill, stored at the kill)
    for threshold in thresholds:
        started = time.monotonic()
        proc = start_crawl(db, server.url("/"), "-q", *FAST, log=tmp_path / "crawl.log")
        wait_until(
            lambda n=threshold, p=proc: len(page_hits(server)) >= n or p.poll() is not None,
            timeout=90,
            what=f"{threshold} pages fetched ({why})",
        )
        assert proc.poll() is None, f"the crawl ended before the kill ({why})"
        workers = children(proc.pid)
        assert stop(proc, signal.SIGKILL) == -signal.SIGKILL
        kills.append((started, settle(), set(_stored(db))))
        wait_until(lambda w=workers: not any(map(running, w)), timeout=10, what="workers to exit")
        if db.startswith("sqlite"):
            assert sqlite_rows(db, "PRAGMA integrity_check") == [("ok",)]
    proc = run_crawl(db, server.url("/"), "-q", *FAST)
    assert proc.returncode == 0, proc.stderr
    stored = _stored(db)
    assert sorted(stored) == expected, why  # every page, each once
    for _, killed_at, stored_then in kills:  # nothing committed before a kill is fetched again
        assert not stored_then & set(page_hits(server, after=killed_at)), why
    in_flight = sum(
        len(set(page_hits(server, after=started, before=killed_at)) - stored_then)
        for started, killed_at, stored_then in kills
    )
    assert len(page_hits(server)) <= len(expected) + in_flight, why
    assert run_sql(db, "SELECT DISTINCT status FROM frontier") == [("done",)]


def _stored(db: str) -> list[str]:
    """The URL of every stored document, duplicates included, on either backend."""
    return [url for (url,) in run_sql(db, "SELECT url FROM documents")]


def test_a_crawl_runs_in_one_process_at_a_time(
    serve: Serve, corpus_url: str, tmp_path: Path
) -> None:
    """A second ``crawl`` of the same name is refused while the first runs, fetching nothing;
    after the first is killed (-9), the crawl can be resumed at once. Other names run."""
    db = corpus_url
    release = threading.Event()  # until set, the first crawl cannot end
    server = serve({"*": held(link_site(30, sections=3), "/a29.html", release)})
    first = start_crawl(db, server.url("/"), "-q", *FAST, log=tmp_path / "first.log")
    try:
        wait_until(lambda: len(page_hits(server)) >= 5, timeout=60, what="5 pages fetched")
        second = run_crawl(db, server.url("/"), "-q", *FAST)
        assert second.returncode == 1, second.stderr
        assert second.stderr.startswith("Error: crawl '127.0.0.1:")
        assert "is already running on" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
        assert page_hits(server).count(server.url("/")) == 1  # the refused crawl fetched nothing
        assert first.poll() is None
        hits = len(server.hits())
        other = run_crawl(db, server.url("/"), "--name", "other", "--max-pages", "2", *FAST)
        assert other.returncode == 0, other.stderr
        assert len(server.hits()) > hits  # another name runs beside it
    finally:
        first.kill()
        first.wait(timeout=30)
        release.set()
    resumed = run_crawl(db, server.url("/"), "-q", *FAST)
    assert resumed.returncode == 0, resumed.stderr
    assert len(set(_stored(db))) == len(link_site_paths(30, sections=3))


def test_case08_ctrl_c_or_sigterm_finishes_pages_in_flight(
    serve: Serve, db: str, tmp_path: Path
) -> None:
    server = serve({"*": link_site(200)})
    expected = sorted(server.url(path) for path in link_site_paths(200))
    log = tmp_path / "crawl.log"
    for stop_signal, pages in ((signal.SIGINT, 40), (signal.SIGTERM, 80)):
        proc = start_crawl(db, server.url("/"), *FAST, log=log)
        wait_until(
            lambda n=pages: len(page_hits(server)) >= n, timeout=60, what=f"{pages} pages fetched"
        )
        assert stop(proc, stop_signal) == 130, stop_signal
        interrupted = settle()
        fetched = set(page_hits(server))
        assert set(stored_urls(db)) == fetched  # what was fetched was committed, nothing more
    assert log.read_text().count("interrupted: run the same command again to resume") == 2
    proc = run_crawl(db, server.url("/"), "-q", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert sorted(stored_urls(db)) == expected
    assert not fetched & set(page_hits(server, after=interrupted))
    assert max(Counter(page_hits(server)).values()) == 1  # no page fetched twice


def test_two_ctrl_c_stop_at_once_and_corrupt_nothing(serve: Serve, db: str, tmp_path: Path) -> None:
    server = serve({"*": link_site(200)})
    expected = sorted(server.url(path) for path in link_site_paths(200))
    proc = start_crawl(db, server.url("/"), *FAST, log=tmp_path / "crawl.log")
    wait_until(lambda: len(page_hits(server)) >= 40, timeout=60, what="40 pages fetched")
    started = time.monotonic()
    assert stop(proc, signal.SIGINT, signal.SIGINT, timeout=15) == 130
    assert time.monotonic() - started < 10
    assert sqlite_rows(db, "PRAGMA integrity_check") == [("ok",)]
    proc = run_crawl(db, server.url("/"), "-q", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert sorted(stored_urls(db)) == expected


def test_page_limit_resumes_and_a_finished_crawl_starts_over(serve: Serve, db: str) -> None:
    server = serve({"*": link_site(60, sections=3)})
    expected = sorted(server.url(path) for path in link_site_paths(60, sections=3))
    proc = run_crawl(db, server.url("/"), "--max-pages", "20", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert "stopped in" in proc.stderr
    first = set(page_hits(server))
    assert 20 <= len(first) < len(expected)
    assert set(stored_urls(db)) == first
    proc = run_crawl(db, server.url("/"), *FAST)  # resumes: only the rest is fetched
    assert proc.returncode == 0, proc.stderr
    assert "resuming crawl" in proc.stderr
    assert sorted(stored_urls(db)) == expected
    assert sorted(page_hits(server)) == expected
    proc = run_crawl(db, server.url("/"), *FAST)  # it finished: a new run fetches everything
    assert proc.returncode == 0, proc.stderr
    assert sorted(stored_urls(db)) == expected
    assert Counter(page_hits(server)) == Counter(dict.fromkeys(expected, 2))
