"""``yuliao serve`` as a command: binding rules, one-line errors, requests served concurrently."""

from __future__ import annotations

import socket
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from crawler.commands.serve import is_loopback, listen
from tests.conftest import CrawlRun, yuliao
from tests.test_layers import loaded_modules
from tests.web_fixtures import Served, start_server, stop_server


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_web_app_loads_no_crawler_machinery() -> None:
    assert loaded_modules("import crawler.web") & {"scrapy", "twisted", "jieba", "uvicorn"} == set()


def test_listening_socket_is_tcp_so_asyncio_disables_nagle() -> None:
    with listen("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP  # else each keep-alive response waits ~40 ms


def test_other_hosts_need_public(crawled: CrawlRun) -> None:
    proc = yuliao("--db", crawled.db, "serve", "--host", "0.0.0.0")
    assert proc.returncode == 2
    assert "--host 0.0.0.0 is not a loopback address: add --public" in proc.stderr


def test_missing_corpus_is_one_line_error(tmp_path: Path) -> None:
    proc = yuliao("--db", f"sqlite:///{tmp_path / 'none.db'}", "serve", "--port", "0")
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: no corpus at ")
    assert len(proc.stderr.splitlines()) == 1
    assert not (tmp_path / "none.db").exists()


def test_taken_port_is_one_line_error(crawled: CrawlRun) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        proc = yuliao("--db", crawled.db, "serve", "--port", port)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"Error: cannot listen on 127.0.0.1:{port}: ")


@pytest.fixture
def locked_copy(crawled: CrawlRun, tmp_path: Path) -> Path:
    """A copy of the corpus in rollback-journal mode, where a writer's lock stops readers."""
    path = tmp_path / "copy.db"
    with sqlite3.connect(crawled.path) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
    return path


def test_a_slow_query_does_not_block_other_requests(locked_copy: Path, tmp_path: Path) -> None:
    server: Served = start_server(f"sqlite:///{locked_copy}", tmp_path / "serve.log")
    lock = sqlite3.connect(locked_copy, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")  # every read now waits (busy_timeout) for the lock
        with ThreadPoolExecutor(1) as pool, httpx.Client(timeout=60) as client:
            slow = pool.submit(client.get, server.url("/api/stats"))
            time.sleep(0.5)
            started = time.monotonic()
            assert client.get(server.url("/")).status_code == 200
            assert time.monotonic() - started < 2
            assert not slow.done()  # still waiting for the database, off the event loop
            lock.execute("ROLLBACK")
            assert slow.result(timeout=30).json()["documents"] > 0
    finally:
        lock.close()
        stop_server(server.proc)
