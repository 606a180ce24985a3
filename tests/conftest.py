"""Fixtures: the example site on a loopback port, a crawl of it into a real SQLite file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.siteserver import SiteServer

pytest_plugins: list[str] = [
    "tests.db_fixtures",
    "tests.web_fixtures",
    "tests.crawl_fixtures",
    "tests.redis_fixtures",
    "tests.nlp_fixtures",
]  # fixture modules of each area, e.g. "tests.databases"

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "examples" / "site"


@dataclass(frozen=True)
class CrawlRun:
    """A finished ``yuliao crawl`` subprocess and the database it wrote."""

    db: str
    path: Path
    proc: subprocess.CompletedProcess[str]


def yuliao(*args: str, timeout: float = 180, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run the ``yuliao`` command in a subprocess (Twisted's reactor cannot restart)."""
    env = {**os.environ, "YULIAO_WORKERS": "2"}
    env.pop("YULIAO_DB", None)
    cmd = [sys.executable, "-m", "crawler.cli", *args]
    return subprocess.run(
        cmd,
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
        **kwargs,
    )


@pytest.fixture(scope="session")
def site_server() -> Iterator[SiteServer]:
    with SiteServer(SITE) as server:
        yield server


@pytest.fixture(scope="session")
def crawled(site_server: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    """One crawl of the example site, shared by the tests that only read it."""
    path = tmp_path_factory.mktemp("crawl") / "corpus.db"
    db = f"sqlite:///{path}"
    proc = yuliao("--db", db, "crawl", site_server.url("/"), "--max-pages", "200")
    assert proc.returncode == 0, proc.stderr
    return CrawlRun(db=db, path=path, proc=proc)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
