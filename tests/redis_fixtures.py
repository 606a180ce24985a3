"""Redis for the distributed-crawl tests: the suite's server, or a private one to restart.

The suite's server comes from ``YULIAO_TEST_REDIS`` (``.ci/run`` starts one on 127.0.0.1).
Without it the Redis cases skip, except under ``CI=true`` where they fail. Each test gets its
own crawl name, so the keys it makes are its own; they are deleted afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests.crawl_fixtures import wait_until


def _missing(what: str) -> None:
    """Skip for lack of ``what``, but fail under ``CI=true``, where ``.ci/run`` provides it."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what}: .ci/run must provide it")
    pytest.skip(what)


@dataclass(frozen=True)
class RedisCrawl:
    """A Redis URL and a crawl name nobody else uses, with a client to look at its keys."""

    url: str
    name: str
    client: redis.Redis

    def key(self, part: str) -> str:
        return f"yuliao:{self.name}:{part}"

    def key_names(self) -> list[str]:
        return sorted(key.decode() for key in self.client.scan_iter(match=self.key("*")))

    def delete(self) -> None:
        for key in self.key_names():
            self.client.delete(key)


class RedisServer:
    """A redis-server of the test's own on a free loopback port, without persistence."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary = binary
        self.directory = directory
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        options = ["--bind", "127.0.0.1", "--port", str(self.port), "--save", ""]
        options += ["--appendonly", "no", "--dir", str(self.directory)]
        self.proc = subprocess.Popen(
            [self.binary, *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = redis.Redis.from_url(self.url)
        wait_until(lambda: _answers(client), timeout=10, what=f"redis-server on {self.port}")

    def stop(self) -> None:
        """Kill the server: whatever it held is gone (no persistence)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@pytest.fixture
def redis_crawl() -> Iterator[RedisCrawl]:
    """The suite's Redis and a fresh crawl name; the crawl's keys are deleted afterwards."""
    url = os.environ.get("YULIAO_TEST_REDIS")
    if not url:
        _missing("set YULIAO_TEST_REDIS=redis://127.0.0.1:PORT/0 to run the Redis tests")
    client = redis.Redis.from_url(str(url))
    if not _answers(client):
        _missing(f"no Redis answers at {url}")
    crawl = RedisCrawl(str(url), f"t-{uuid.uuid4().hex[:12]}", client)
    try:
        yield crawl
    finally:
        crawl.delete()
        client.close()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private redis-server, for tests that stop and restart it."""
    binary = shutil.which("redis-server")
    if binary is None:
        _missing("redis-server is not installed")
    server = RedisServer(str(binary), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
