"""Durability: the store goes away or fills up, a crawl is killed while it commits, a password
is wrong. What was committed stays whole, and the same command then finishes the job.

The PostgreSQL cases run on a private throwaway cluster that this module starts, stops and
starts again (with password authentication): the shared test server stays up for the rest.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage import Corpus
from storage.engine import MAX_PAGES_ENV
from tests.conftest import yuliao
from tests.crawl_fixtures import (
    FAST,
    ROOT,
    children,
    crawl_cmd,
    crawl_env,
    crawling,
    held,
    link_site,
    run_crawl,
    running,
    site_urls,
    slowed,
    stop,
    urls,
    wait_until,
)
from tests.db_fixtures import run_sql, schema_of
from tests.siteserver import RoutedServer
from tests.test_storage import assert_whole
from tests.test_storage_cli import invoke

Serve = Callable[..., RoutedServer]
PASSWORD = "durable-secret"


# A private PostgreSQL cluster


class PrivatePostgres:
    """A PostgreSQL cluster of this module only, with password authentication, on loopback."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin_dir, self.root = bin_dir, root
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])

    def init(self) -> None:
        password = self.root / "password"
        password.write_text(PASSWORD + "\n")
        self._run(
            "initdb",
            *("-D", str(self.root / "data"), "-U", "postgres", "-A", "scram-sha-256"),
            *(f"--pwfile={password}", "-E", "UTF8", "--locale=C.UTF-8"),
        )

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        self._pg_ctl("-l", str(self.root / "server.log"), "-o", options, "start")

    def stop(self) -> None:
        """Stop at once, as a crash or a pulled cable would: connections are cut."""
        self._pg_ctl("-m", "immediate", "stop")

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql+psycopg://postgres:{password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {name}")
        finally:
            engine.dispose()
        return self.url(name)

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-w", *args)

    def _run(self, tool: str, *args: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        command = [*as_postgres, str(self.bin_dir / tool), *args]
        subprocess.run(command, check=True, capture_output=True, cwd=self.root, timeout=60)


def postgres_bin() -> Path | None:
    """The directory of the newest PostgreSQL server programs (Debian's layout first)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    """Started once for the module; fails under ``CI=true`` when PostgreSQL is not installed."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        reason = "no PostgreSQL server (initdb) installed: apt-get install postgresql"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="yuliao-pg-"))  # not under pytest's 0700 directory
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    cluster = PrivatePostgres(bin_dir, root)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        with suppress(subprocess.CalledProcessError):
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


# 10. Store outage


def test_case10_postgres_stops_mid_crawl(
    private_postgres: PrivatePostgres, serve: Serve, tmp_path: Path
) -> None:
    db = private_postgres.create_database("outage")
    Corpus(db).close()
    stopped = threading.Event()
    server = serve({"*": held(slowed(link_site(150), 0.02), "/a149.html", stopped)})
    log = tmp_path / "crawl.log"
    with crawling(db, server.url("/"), "-q", *FAST, log=log) as proc:
        committed = wait_until(
            lambda: len(found := urls(db)) >= 50 and found, timeout=90, what="50"
        )
        private_postgres.stop()
        stopped.set()
        try:
            code = proc.wait(timeout=60)  # bounded: no retrying each item against a dead server
        finally:
            private_postgres.start()
    err = log.read_text()
    assert code == 1, err
    where = re.escape(f"postgresql+psycopg://postgres:***@127.0.0.1:{private_postgres.port}/outage")
    last = err.splitlines()[-1]
    assert re.fullmatch(f"Error: (lost the connection to|cannot connect to) {where}.*", last), err
    assert len(err.splitlines()) <= 5, err  # one error, not one per page
    assert "Traceback" not in err
    assert PASSWORD not in err
    assert set(committed) <= set(urls(db))
    proc = run_crawl(db, server.url("/"), "-q", *FAST)
    assert proc.returncode == 0, proc.stderr
    assert sorted(urls(db)) == site_urls(server, 150)


def test_case10_sqlite_full(serve: Serve, db: str) -> None:
    Corpus(db).close()
    [(pages,)] = run_sql(db, "PRAGMA page_count")
    server = serve({"*": link_site(80)})
    env = {**crawl_env(), MAX_PAGES_ENV: str(pages + 150)}  # 600 KiB more: full after a few batches
    proc = subprocess.run(
        crawl_cmd(db, server.url("/"), "-q", *FAST, "-s", "YULIAO_BATCH_SIZE=10"),
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
        check=False,
    )
    path = db.removeprefix("sqlite:///")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.splitlines()[-1] == f"Error: database or disk is full while writing {path}"
    assert len(proc.stderr.splitlines()) <= 4, proc.stderr  # one error, not one per page
    assert "Traceback" not in proc.stderr
    stored = urls(db)
    assert 0 < len(stored) < len(site_urls(server, 80))
    done = [url for (url,) in run_sql(db, "SELECT url FROM frontier WHERE status = 'done'")]
    assert sorted(done) == sorted(stored)  # nothing marked done that was not committed
    assert_whole(db)
    proc = run_crawl(db, server.url("/"), "-q", *FAST)  # room again
    assert proc.returncode == 0, proc.stderr
    assert sorted(urls(db)) == site_urls(server, 80)


# 43. kill -9 while a crawl commits


def test_case43_kill_9_during_a_crawl_commit(serve: Serve, db: str, tmp_path: Path) -> None:
    Corpus(db).close()
    killed = threading.Event()
    server = serve({"*": held(link_site(200), "/a199.html", killed)})
    threshold = random.randrange(10, 120)
    args = ("-q", *FAST, "-s", "YULIAO_BATCH_SIZE=7")
    with crawling(db, server.url("/"), *args, log=tmp_path / "crawl.log") as proc:
        wait_until(lambda: len(urls(db)) >= threshold, timeout=90, what=f"{threshold} documents")
        workers = children(proc.pid)
        assert stop(proc, signal.SIGKILL) == -signal.SIGKILL
        killed.set()
    wait_until(lambda: not any(map(running, workers)), timeout=10, what="workers to exit")
    why = f"killed at {threshold} documents"
    assert assert_whole(db) >= threshold, why  # integrity_check included
    done = {url for (url,) in run_sql(db, "SELECT url FROM frontier WHERE status = 'done'")}
    assert done <= set(urls(db)), why


# 44. A wrong PostgreSQL password


def test_case44_postgres_wrong_password(
    private_postgres: PrivatePostgres, capsys: pytest.CaptureFixture[str]
) -> None:
    right = private_postgres.create_database("guarded")
    with Corpus(right) as corpus:
        corpus.ensure_crawl("before")
    schema, crawls = schema_of(right), run_sql(right, "SELECT * FROM crawls")
    wrong = private_postgres.url("guarded", password="not-the-password")
    shown = f"postgresql+psycopg://postgres:***@127.0.0.1:{private_postgres.port}/guarded"
    message = f"Error: cannot connect to {shown}: password authentication failed\n"
    proc = yuliao("--db", wrong, "crawl", "http://127.0.0.1:9/", "-q")
    assert (proc.returncode, proc.stderr) == (1, message)
    for args in (("stats",), ("db", "upgrade"), ("search", "书"), ("export", "-")):
        result = invoke(capsys, "--db", wrong, *args)
        assert (result.code, result.out, result.err) == (1, "", message), args
    assert schema_of(right) == schema
    assert run_sql(right, "SELECT * FROM crawls") == crawls
