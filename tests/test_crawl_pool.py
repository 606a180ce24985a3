"""CPU work off the reactor: worker processes, a time limit per page, size limits."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
from collections.abc import Callable

import pytest

from crawler.pool import WorkerPool
from crawler.work import PageTimeout
from tests.crawl_fixtures import (
    FAST,
    SENTENCES_EN,
    SENTENCES_ZH,
    article,
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


def test_time_and_size_limits_drop_pages_by_reason(serve: Serve, db: str) -> None:
    wordy = "<p>" + "这是一个很长的段落。" * 50_000 + "</p>"  # 500,000 characters of main text
    links = ["/slow.html", "/huge.html", "/wordy.html", "/fine.html"]
    server = serve(
        {
            "/": Reply.html(article("首页", links=links)),
            "/slow.html": Reply.html(long_article(300)),  # 350,000 characters, slow to analyze
            "/huge.html": Reply.html(article("大") + " " * 3_000_000),
            "/wordy.html": Reply.html(f"<html><body><article>{wordy}</article></body></html>"),
            "/fine.html": Reply.html(article("好")),
        }
    )
    proc = run_crawl(
        db, server.url("/"), "--max-size", "2M", *FAST,
        "-s", "YULIAO_PAGE_TIMEOUT=0.2", "-s", "YULIAO_MAX_CHARS=400000",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sorted(stored_urls(db)) == [server.url("/"), server.url("/fine.html")]
    assert "timeout: 1" in proc.stderr
    assert "too large: 2" in proc.stderr


def test_pool_renews_its_workers_after_max_calls() -> None:
    async def scenario() -> set[int]:
        pool = WorkerPool(1, limit=5, max_calls=3)
        try:
            return {await pool.run(os.getpid) for _ in range(7)}
        finally:
            pool.shutdown()

    assert len(asyncio.run(scenario())) == 3  # calls 1-3, 4-6, 7
