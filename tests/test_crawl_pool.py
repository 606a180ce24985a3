"""CPU work off the reactor: worker processes, a time limit per page, size limits."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from crawler.pool import WorkerPool
from crawler.work import PageTimeout
from tests.crawl_fixtures import (
    FAST,
    ROOT,
    SENTENCES_EN,
    SENTENCES_ZH,
    article,
    crawl_cmd,
    crawl_env,
    frontier_rows,
    run_crawl,
    sqlite_rows,
    stored_urls,
)
from tests.siteserver import Reply, RoutedServer

Serve = Callable[..., RoutedServer]


def long_article(paragraphs: int) -> str:
    """A page of real prose whose analysis takes long (800 paragraphs: about a second)."""
    rng = random.Random(paragraphs)
    sentences = SENTENCES_ZH + SENTENCES_EN
    body = "".join(
        f"<p>{''.join(f'{s}{i}' for s in rng.choices(sentences, k=20))}</p>"
        for i in range(paragraphs)
    )
    return f"<html><head><title>长文</title></head><body><article>{body}</article></body></html>"


SLOW_PAGE = long_article(800)


def sleep_deaf(seconds: float) -> int:
    """Sleep with SIGALRM blocked, like native code that never returns to the interpreter."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(seconds)
    return os.getpid()


# A worker process that takes 6 s to start, as on a heavily overloaded machine: longer than a
# page may take in one at YULIAO_PAGE_TIMEOUT=0.3 (0.3 s, plus 5 s for it to interrupt itself).
SLOW_START = """\
import sys, time
if "--multiprocessing-fork" in sys.argv:
    time.sleep(6)
"""


def crawl_stats(db: str) -> dict[str, object]:
    [(stats,)] = sqlite_rows(db, "SELECT stats FROM crawls")
    return dict(json.loads(stats))


def test_pool_interrupts_slow_calls_and_replaces_stuck_workers() -> None:
    async def scenario() -> None:
        pool = WorkerPool(1, limit=0.5, grace=2.0)
        try:
            first = await pool.run(os.getpid)
            assert first != os.getpid()
            started = time.monotonic()
            with pytest.raises(PageTimeout):
                await pool.run(time.sleep, 30)  # interrupted in the worker at the limit
            assert await pool.run(os.getpid) == first  # the same worker goes on
            with pytest.raises(PageTimeout, match="worker restarted"):
                await pool.run(sleep_deaf, 30)  # deaf to the timer: the pool is replaced
            assert time.monotonic() - started < 10
            assert await pool.run(os.getpid) not in (first, os.getpid())
        finally:
            pool.shutdown()

    asyncio.run(scenario())


def test_worker_exits_when_its_crawler_died_while_it_was_starting() -> None:
    """After a kill -9 the worker's parent is some other process: it must not wait for that."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that belonged to a crawler and is now dead
    program = f"import threading, crawler.work\ncrawler.work.warm_up({gone.pid})\n"
    worker = subprocess.Popen(
        [sys.executable, "-c", program + "threading.Event().wait()"], cwd=ROOT
    )
    try:
        assert worker.wait(timeout=60) == 1
    finally:
        worker.kill()


def test_slow_page_runs_in_a_worker_while_the_reactor_stays_free(serve: Serve, db: str) -> None:
    links = ["/slow1.html", "/slow2.html", *(f"/p{i}.html" for i in range(6))]
    server = serve(
        {
            "/": Reply.html(article("首页", links=links)),
            "/slow1.html": Reply.html(SLOW_PAGE),
            "/slow2.html": Reply.html(SLOW_PAGE),
            "*": Reply.html(article("页")),
        }
    )
    proc = run_crawl(db, server.url("/"), *FAST)
    assert proc.returncode == 0, proc.stderr
    stats = crawl_stats(db)
    workers = {int(pid) for pid in str(stats["yuliao/worker_pids"]).split()}
    assert len(workers) == 2
    assert stats["yuliao/crawler_pid"] not in workers
    longest = float(stats["yuliao/worker_longest_s"])  # type: ignore[arg-type]
    lag = float(stats["yuliao/loop_lag_max_ms"]) / 1000  # type: ignore[arg-type]
    assert longest > 0.3, stats  # the slow pages really were slow
    assert lag < longest / 2, stats  # ... and the event loop never waited for them
    assert len(stored_urls(db)) == 9


def test_size_limits_drop_pages_by_reason(serve: Serve, db: str) -> None:
    wordy = "<p>" + "这是一个很长的段落。" * 50_000 + "</p>"  # 500,000 characters of main text
    links = ["/huge.html", "/wordy.html", "/fine.html"]
    server = serve(
        {
            "/": Reply.html(article("首页", links=links)),
            "/huge.html": Reply.html(article("大") + " " * 3_000_000),
            "/wordy.html": Reply.html(f"<html><body><article>{wordy}</article></body></html>"),
            "/fine.html": Reply.html(article("好")),
        }
    )
    proc = run_crawl(
        db, server.url("/"), "--max-size", "2M", *FAST, "-s", "YULIAO_MAX_CHARS=400000"
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(stored_urls(db)) == [server.url("/"), server.url("/fine.html")]
    assert "too large: 2" in proc.stderr


def test_pool_renews_its_workers_after_max_calls() -> None:
    async def scenario() -> set[int]:
        pool = WorkerPool(1, limit=5, max_calls=3)
        try:
            return {await pool.run(os.getpid) for _ in range(7)}
        finally:
            pool.shutdown()

    assert len(asyncio.run(scenario())) == 3  # calls 1-3, 4-6, 7


def test_pool_start_up_is_not_counted_against_a_call() -> None:
    async def scenario() -> None:
        pool = WorkerPool(2, limit=0.1, grace=0.2)  # a worker takes far longer to start
        try:
            pids = await asyncio.gather(pool.run(os.getpid), pool.run(os.getpid))
            assert os.getpid() not in pids
        finally:
            pool.shutdown()

    asyncio.run(scenario())


def test_pool_resubmits_the_calls_queued_beside_a_stuck_one() -> None:
    """Replacing a pool cancels the calls queued in it: they are submitted again (here to time
    out in turn), never left cancelled, which the pipelines would take for no outcome at all."""

    async def scenario() -> None:
        pool = WorkerPool(2, limit=0.1, grace=0.1, startup=0.1)  # no time to start workers
        try:
            pool.start()  # as a crawl does: a start-up call per worker, first in the queue
            stuck = asyncio.ensure_future(pool.run(os.getpid))  # past its limit while starting
            await asyncio.sleep(0.1)
            queued = asyncio.ensure_future(pool.run(os.getpid))  # behind the start-up calls
            for call in (stuck, queued):
                with pytest.raises(PageTimeout, match="worker restarted"):
                    await call
        finally:
            pool.shutdown()

    asyncio.run(scenario())


def test_slow_worker_start_costs_no_page_its_time_and_loses_none(
    serve: Serve, db: str, tmp_path: Path
) -> None:
    """Workers that start slower than a page may take: no page is charged for it, none is left
    pending; the slow page is dropped as ``timeout``, every other page is stored once."""
    (tmp_path / "sitecustomize.py").write_text(SLOW_START)
    pages = [f"/p{i}.html" for i in range(6)]
    routes = {path: Reply.html(article(f"页{i}", seed=i)) for i, path in enumerate(pages)}
    server = serve(
        {
            "/": Reply.html(article("首页", links=["/slow.html", *pages])),
            "/slow.html": Reply.html(SLOW_PAGE),
            **routes,
        }
    )
    env = {**crawl_env(), "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run(
        crawl_cmd(db, server.url("/"), *FAST, "-s", "YULIAO_PAGE_TIMEOUT=0.3"),
        capture_output=True, text=True, timeout=120, env=env, cwd=ROOT, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "restarting the worker processes" not in proc.stderr
    rows = {url: (status, reason) for url, status, reason in frontier_rows(db)}
    assert rows.pop(server.url("/slow.html")) == ("skipped", "timeout")
    assert rows == {server.url(path): ("done", None) for path in ["/", *pages]}
    assert Counter(stored_urls(db)) == Counter(rows.keys())  # each once
