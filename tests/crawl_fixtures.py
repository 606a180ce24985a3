"""Fixtures and helpers for the crawler's tests: routed loopback servers, generated sites,
crawls in a subprocess, and reading back what they stored."""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.db_fixtures import run_sql
from tests.siteserver import Reply, RoutedServer

ROOT = Path(__file__).resolve().parents[1]
FAST = ("-s", "AUTOTHROTTLE_ENABLED=False")  # politeness is tested on its own
SENTENCES_ZH = (
    "语料库是按照一定原则收集的真实文本，供语言研究和自然语言处理使用。",
    "分词是中文信息处理的第一步，词语之间没有空格，需要程序来判断边界。",
    "一个好的爬虫会遵守网站的规则，控制访问频率，并且在出错时耐心重试。",
    "研究者常常比较不同来源的文本，观察词频、搭配和句子长度的变化。",
    "数据库记录了每个网页的状态，程序中断以后可以从原来的位置继续。",
    "茶馆里的人们一边喝茶一边聊天，城市的节奏在这里慢了下来。",
)
SENTENCES_EN = (
    "A corpus is a large and structured set of texts collected for linguistic research.",
    "Polite crawlers respect robots.txt, limit their rate and retry patiently after errors.",
    "The lighthouse keeper wrote down the weather every morning for forty-two years.",
    "Researchers compare word frequencies, collocations and sentence lengths across sources.",
    "A database keeps the state of every page, so an interrupted crawl can continue.",
    "Bees find their way home by the angle of the sun and the smell of the hive.",
)


def article(title: str, *, links: Sequence[str] = (), lang: str = "zh", seed: int = 0) -> str:
    """A realistic article page: boilerplate around a few paragraphs of main text."""
    rng = random.Random(seed)
    pool = SENTENCES_ZH if lang == "zh" else SENTENCES_EN
    joiner = "" if lang == "zh" else " "
    paragraphs = "".join(
        f"<p>{title}{'：' if lang == 'zh' else ': '}{joiner.join(rng.choices(pool, k=5))}</p>"
        for _ in range(4)
    )
    anchors = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return (
        f'<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<nav><a href="/">home</a></nav><article><h1>{title}</h1>{paragraphs}</article>'
        f"<aside><ul>{anchors}</ul></aside><footer>版权所有 © 测试站 {seed}</footer>"
        "</body></html>"
    )


def link_site(pages: int, sections: int = 10) -> Callable[[str], Reply | None]:
    """A generated site: ``/`` → ``/s<k>/`` sections → ``/a<i>.html`` articles (depth ≤ 2).

    Every page has main text (so every page is stored); articles also link to a few others.
    """
    per = -(-pages // sections)

    def reply(path: str) -> Reply | None:
        if path == "/":
            links = [f"/s{k}/" for k in range(sections)]
            return Reply.html(article("首页", links=links, seed=-1))
        if path.startswith("/s") and path.endswith("/") and path[2:-1].isdigit():
            k = int(path[2:-1])
            links = [f"/a{i}.html" for i in range(k * per, min(pages, (k + 1) * per))]
            return Reply.html(article(f"栏目{k}", links=links, seed=-2 - k))
        if path.startswith("/a") and path.endswith(".html") and path[2:-5].isdigit():
            i = int(path[2:-5])
            if i < pages:
                others = [f"/a{(i * 7 + j) % pages}.html" for j in (1, 2, 3)]
                return Reply.html(article(f"文章{i}", links=others, seed=i))
        return None

    return reply


def link_site_paths(pages: int, sections: int = 10) -> set[str]:
    """Every page path of :func:`link_site`."""
    return {"/", *(f"/s{k}/" for k in range(sections)), *(f"/a{i}.html" for i in range(pages))}


def crawl_cmd(db: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "--db", db, "crawl", *args]


def crawl_env() -> dict[str, str]:
    env = {**os.environ, "YULIAO_WORKERS": "2", "no_proxy": "127.0.0.1,localhost,::1"}
    for name in ("YULIAO_DB", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(name, None)
    return env


def run_crawl(db: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``yuliao crawl`` in a subprocess, to the end."""
    return subprocess.run(
        crawl_cmd(db, *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=crawl_env(),
        cwd=ROOT,
        check=False,
    )


def start_crawl(db: str, *args: str, log: Path) -> subprocess.Popen[bytes]:
    """``yuliao crawl`` in the background, stderr to ``log`` (the crawler's own pid)."""
    with log.open("ab") as stderr:
        return subprocess.Popen(
            crawl_cmd(db, *args),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=crawl_env(),
            cwd=ROOT,
        )


def wait_until(condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
    """Poll ``condition`` until it is truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop(proc: subprocess.Popen[bytes], *signals: signal.Signals, timeout: float = 60) -> int:
    """Send ``signals`` to the crawler (a moment apart), wait for it to exit, return its code."""
    for number in signals:
        proc.send_signal(number)
        time.sleep(0.05)
    return proc.wait(timeout=timeout)


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux)."""
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def stored_urls(db: str) -> list[str]:
    """The URL of every stored document, duplicates included (a list: a URL twice would show)."""
    return [url for (url,) in sqlite_rows(db, "SELECT url FROM documents")]


def sqlite_rows(db: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query on the SQLite file of ``db`` (a ``sqlite:///`` URL)."""
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        return conn.execute(sql).fetchall()


def frontier_rows(db: str) -> list[tuple[str, str, str | None]]:
    """Every URL in the frontier: (url, status, last_error)."""
    return [tuple(row) for row in sqlite_rows(db, "SELECT url, status, last_error FROM frontier")]  # type: ignore[misc]


Site = Callable[[str], Reply | None]


def slowed(site: Site, delay: float) -> Site:
    """``site`` answering each page after ``delay`` seconds: a crawl that lasts a while."""

    def reply(path: str) -> Reply | None:
        found = site(path)
        return found and dataclasses.replace(found, delay=delay)

    return reply


def held(site: Site, path: str, release: threading.Event) -> Site:
    """``site`` answering ``path`` only once ``release`` is set: the crawl cannot end before."""

    def reply(asked: str) -> Reply | None:
        if asked == path:
            release.wait(timeout=120)
        return site(asked)

    return reply


def urls(db: str) -> list[str]:
    """Stored URLs, a list: a URL stored twice would show."""
    return [url for (url,) in run_sql(db, "SELECT url FROM documents")]


def site_urls(server: RoutedServer, pages: int, sections: int = 10) -> list[str]:
    return sorted(server.url(path) for path in link_site_paths(pages, sections))


@contextmanager
def crawling(db: str, *args: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A crawl in the background, killed at the end if a failed check left it running."""
    proc = start_crawl(db, *args, log=log)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


@pytest.fixture
def serve() -> Iterator[Callable[..., RoutedServer]]:
    """Start routed servers: ``serve(routes, host="127.0.0.2")``; all stop after the test."""
    with ExitStack() as stack:

        def start(routes: dict[str, Any], host: str = "127.0.0.1") -> RoutedServer:
            return stack.enter_context(RoutedServer(routes, host=host))

        yield start


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'corpus.db'}"
