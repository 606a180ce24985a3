"""`yuliao crawl` on the command line: bad input, progress, summary, stats kept with the crawl."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from storage import Corpus
from tests.crawl_fixtures import (
    FAST,
    ROOT,
    article,
    crawl_cmd,
    crawl_env,
    run_crawl,
    sqlite_rows,
)
from tests.siteserver import Reply, RoutedServer

Serve = Callable[..., RoutedServer]


@pytest.fixture
def existing_db(db: str) -> str:
    """An existing (empty) corpus."""
    Corpus(db, create=True).close()
    return db


def digest(db: str) -> str:
    return hashlib.sha256(Path(db.removeprefix("sqlite:///")).read_bytes()).hexdigest()


def urls_file(tmp_path: Path, content: bytes) -> str:
    path = tmp_path / "urls.txt"
    path.write_bytes(content)
    return str(path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["file:///etc/passwd"],
            "Invalid value for 'URLS...': not an http(s) URL: 'file:///etc/passwd'",
        ),
        (
            ["ftp://127.0.0.1/"],
            "Invalid value for 'URLS...': not an http(s) URL: 'ftp://127.0.0.1/'",
        ),
        (["http://127.0.0.1:99999/"], "Invalid value for 'URLS...': not a valid URL"),
        (
            ["--spider", "wiki", "http://127.0.0.1/"],
            "Invalid value for '--spider': 'wiki' is not one of",
        ),
        ([], "give at least one URL, or --urls-file"),
        (["http://127.0.0.1/", "--max-pages", "-1"], "Invalid value for '--max-pages'"),
        (["http://127.0.0.1/", "--max-size", "lots"], "not a size: 'lots'"),
        (["http://127.0.0.1/", "--allow-domain", "http://x/"], "not a domain: 'http://x/'"),
        (["--urls-file", "/nonexistent/urls.txt"], "cannot read /nonexistent/urls.txt"),
    ],
)
def test_case21_usage_errors_are_one_line_and_change_nothing(
    existing_db: str, args: list[str], message: str
) -> None:
    before = digest(existing_db)
    proc = run_crawl(existing_db, *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("Error: "), proc.stderr
    assert message in proc.stderr, proc.stderr
    assert digest(existing_db) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"# nothing here\n\n", "holds no URLs"),
        ("http://127.0.0.1/网站".encode("gbk"), "is not UTF-8 text"),
        (b"http://127.0.0.1/\nnot a url\n", "line 2: not an http(s) URL: 'not a url'"),
    ],
)
def test_case21_bad_url_files(db: str, tmp_path: Path, content: bytes, message: str) -> None:
    proc = run_crawl(db, "--spider", "urls", "--urls-file", urls_file(tmp_path, content))
    assert proc.returncode == 2
    assert message in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr


def test_progress_lines_summary_and_stats_in_the_database(serve: Serve, db: str) -> None:
    links = [f"/p{i}.html" for i in range(6)] + ["/gone.html"]
    server = serve(
        {
            "/": Reply.html(article("首页", links=links)),
            "/gone.html": Reply(b"", status=404),
            "*": Reply.html(article("页"), delay=0.3),
        }
    )
    proc = run_crawl(db, server.url("/"), *FAST, "-s", "YULIAO_PROGRESS_INTERVAL=0.5")
    assert proc.returncode == 0, proc.stderr
    progress = [line for line in proc.stderr.splitlines() if "progress: " in line]
    assert progress, proc.stderr
    assert " fetched, " in progress[-1]
    assert " pages/s, " in progress[-1]
    summary = proc.stderr[proc.stderr.index("crawl '") :]
    assert "7 stored, 0 dropped, 1 failed" in summary
    assert "failed: http 404: 1" in summary
    [(status, stats)] = sqlite_rows(db, "SELECT status, stats FROM crawls")
    figures = json.loads(stats)
    assert status == "finished"
    assert figures["yuliao/stored"] == 7
    assert figures["yuliao/failed/http_404"] == 1
    assert figures["yuliao/pages_per_s"] > 0


def test_quiet_prints_only_the_summary(serve: Serve, db: str) -> None:
    server = serve({"/": Reply.html(article("首页"))})
    proc = run_crawl(db, server.url("/"), "-q", *FAST, "-s", "YULIAO_PROGRESS_INTERVAL=0.1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("crawl '")
    assert "progress" not in proc.stderr
    assert " INFO: " not in proc.stderr


def test_live_progress_and_summary_table_on_a_terminal(serve: Serve, db: str) -> None:
    server = serve(
        {"/": Reply.html(article("首页", links=["/a.html"])), "*": Reply.html(article("页"))}
    )
    controller, terminal = pty.openpty()
    with subprocess.Popen(
        crawl_cmd(db, server.url("/"), *FAST),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
        env={**crawl_env(), "COLUMNS": "120", "TERM": "xterm"},
        cwd=ROOT,
    ) as proc:
        os.close(terminal)
        shown = _read_all(controller)
        assert proc.wait(timeout=60) == 0
    assert f"yuliao crawl '127.0.0.1:{server.port}'" in shown  # the live display
    assert f"crawl '127.0.0.1:{server.port}' finished" in shown  # the summary table's title
    assert "pages/s" in shown


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")
