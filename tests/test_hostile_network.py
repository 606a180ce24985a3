"""A hostile server: network faults, malformed HTTP, oversized pages, bombs, TLS, credentials.

Each crawl runs ``yuliao crawl`` in a subprocess against :class:`~tests.hostileserver.HostileServer`
and is shared by the tests of the cases it covers; every assertion reads what the server saw
(its request log) and what the crawl recorded (frontier, documents, stats, summary).
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import ssl
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import psutil
import pytest
import trustme

from tests.crawl_fixtures import (
    FAST,
    ROOT,
    article,
    crawl_cmd,
    crawl_env,
    frontier_rows,
    run_crawl,
    sqlite_rows,
    stored_urls,
    wait_until,
)
from tests.hostileserver import ALLOW_ALL, SITEMAP_PAGES, HostileServer, redirect
from tests.siteserver import Reply

LIMIT_MB = 8  # --max-size of the crawl of oversized pages and bombs
XML_TEXT_MB = 10  # libxml2's limit on one text node (without huge_tree)
NETWORK = ("/wait", "/hang", "/drip", "/truncated", "/badchunk", "/dropped", "/reset")
FLAKY = ("/flaky", "/always500")
MALFORMED = ("/nocolon", "/dupctype", "/noctype", "/hugeheaders", "/fakegzip")
REDIRECTS = ("/loop/a", "/chain/0")
OVERSIZED = ("/big", "/bigchunked", "/endless")
BOMBS = ("/bomb.gzip", "/bomb.deflate", "/bomb.br", "/bomb.zstd")


@dataclass(frozen=True)
class Crawl:
    """A finished crawl: what the server saw and what the crawl recorded."""

    server: HostileServer
    db: str
    proc: subprocess.CompletedProcess[str]
    peak_mb: int = 0  # the crawler's own peak RSS
    base_mb: int = 0  # its RSS once started, before the first page

    def rows(self) -> dict[str, tuple[str, str | None]]:
        """Path → (frontier status, last error)."""
        return {
            url.removeprefix(self.server.url("")): (status, error)
            for url, status, error in frontier_rows(self.db)
        }

    def stats(self) -> dict[str, object]:
        [(stats,)] = sqlite_rows(self.db, "SELECT stats FROM crawls")
        return dict(json.loads(stats))

    def texts(self) -> dict[str, str]:
        return {
            url.removeprefix(self.server.url("")): text
            for url, text in sqlite_rows(self.db, "SELECT url, text FROM documents")
        }

    def summary(self) -> str:
        return self.proc.stderr[self.proc.stderr.rindex("crawl '") :]


def hwm_mb(pid: int) -> int | None:
    """The peak resident memory of a live process so far (VmHWM, Linux), in MiB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kib = next((line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")), None)
    return int(kib) // 1024 if kib else None


def crawl_measured(server: HostileServer, db: str, *args: str, timeout: float = 60) -> Crawl:
    """Run ``yuliao crawl ARGS`` and follow the crawler's peak RSS until it exits.

    The baseline is the RSS of the started crawler, read while the server holds its first
    request (robots.txt). The crawler's own high-water mark is read, not ``RUSAGE_CHILDREN``:
    that is the largest of the crawler and the workers it reaped, and the workers (NLP models
    loaded) are larger than the crawler, so a crawler holding 50 MB too many would not show.
    """
    server.routes["/robots.txt"] = replace(ALLOW_ALL, delay=0.5)
    log = Path(db.removeprefix("sqlite:///")).with_suffix(".log")
    with log.open("wb") as stderr:
        proc = subprocess.Popen(crawl_cmd(db, *args), stderr=stderr, env=crawl_env(), cwd=ROOT)
    deadline, base, peak = time.monotonic() + timeout, 0, 0
    try:
        while proc.poll() is None:
            assert time.monotonic() < deadline, f"the crawl ran over {timeout} s"
            if not base and server.hits("/robots.txt"):
                base = hwm_mb(proc.pid) or 0
            peak = hwm_mb(proc.pid) or peak
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    done = subprocess.CompletedProcess(proc.args, proc.returncode, "", log.read_text())
    return Crawl(server, db, done, peak_mb=peak, base_mb=base)


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    """One crawl of a site whose links lead to every network fault and malformed answer."""
    links = (*NETWORK, *FLAKY, *MALFORMED, *REDIRECTS, "/fine")
    routes = {"/": Reply.html(article("首页", links=links)), "/fine": Reply.html(article("正常"))}
    db = f"sqlite:///{tmp_path_factory.mktemp('faults') / 'corpus.db'}"
    with HostileServer(routes) as server:
        proc = run_crawl(
            db, server.url("/"), "--timeout", "2", "--concurrency", "4", *FAST,
            "-s", "YULIAO_RETRY_BACKOFF_S=0.1", timeout=60,
        )  # fmt: skip
        yield Crawl(server, db, proc)


@pytest.fixture(scope="module")
def limits(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    """One crawl of 50 MB pages and decompression bombs, its peak RSS measured."""
    links = (*OVERSIZED, *BOMBS, "/fine")
    routes = {"/": Reply.html(article("首页", links=links)), "/fine": Reply.html(article("正常"))}
    db = f"sqlite:///{tmp_path_factory.mktemp('limits') / 'corpus.db'}"
    with HostileServer(routes) as server:
        args = ("--max-size", f"{LIMIT_MB}M", "--timeout", "5", *FAST)
        yield crawl_measured(server, db, server.url("/"), *args)


def test_case01_connection_refused_is_retried_then_failed(db: str, closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/"
    proc = run_crawl(db, url, "-q", timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == (
        f"Error: no start URL could be fetched: {url} (connection refused)"
    )
    assert "0 stored, 0 dropped, 1 failed" in proc.stderr
    assert "failed: connection refused: 1" in proc.stderr
    # robots.txt was asked first (and retried): an unreachable host keeps its pages pending,
    # for the next run (RFC 9309)
    assert frontier_rows(db) == [(url, "pending", "connection_refused")]
    [(stats,)] = sqlite_rows(db, "SELECT stats FROM crawls")
    assert json.loads(stats)["retry/count"] == 2
    assert "Traceback" not in proc.stderr


def test_case03_hang_and_drip_time_out_per_attempt(faults: Crawl) -> None:
    assert faults.proc.returncode == 0, faults.proc.stderr
    rows = faults.rows()
    for path in ("/wait", "/hang", "/drip"):
        assert rows[path] == ("failed", "timeout")
        arrivals = [hit.time for hit in faults.server.hits(path)]
        assert len(arrivals) == 3  # two retries
        # each attempt ran to the 2 s timeout (not earlier), then the next one started
        assert all(b - a > 1.9 for a, b in itertools.pairwise(arrivals)), arrivals
    assert rows["/fine"] == ("done", None)
    assert "timeout: 3" in faults.summary()


def test_case04_truncated_bodies_fail_as_data_loss(faults: Crawl) -> None:
    rows, hits = faults.rows(), Counter(faults.server.paths())
    for path in ("/truncated", "/badchunk", "/dropped"):
        assert rows[path] == ("failed", "data_loss"), path
        assert hits[path] == 3, path  # retried
    assert rows["/reset"] == ("failed", "no_response")
    assert hits["/reset"] == 3
    texts = faults.texts()
    assert not set(NETWORK) & set(texts)
    assert not any("半" in text or "掉线" in text for text in texts.values())  # no partial text
    assert "data loss: 3" in faults.summary()


def test_case05_flaky_page_stored_once_failing_page_failed(faults: Crawl) -> None:
    rows, hits = faults.rows(), Counter(faults.server.paths())
    assert hits["/flaky"] == hits["/always500"] == 3
    assert rows["/flaky"] == ("done", None)
    assert stored_urls(faults.db).count(faults.server.url("/flaky")) == 1
    assert rows["/always500"] == ("failed", "http_500")
    stats = faults.stats()
    assert stats["retry/reason_count/503 Service Unavailable"] == 2
    assert stats["retry/reason_count/500 Internal Server Error"] == 2
    # every fault above, the 500, and the oversized header section
    assert stats["retry/max_reached"] == len(NETWORK) + 2


def test_case19_malformed_http_is_stored_or_recorded(faults: Crawl) -> None:
    rows, texts = faults.rows(), faults.texts()
    titles = {"/nocolon": "没有冒号", "/dupctype": "两个类型", "/noctype": "没有类型"}
    for path, title in titles.items():
        assert rows[path] == ("done", None), path
        assert texts[path].startswith(f"{title}："), texts[path][:40]  # decoded right
    assert rows["/hugeheaders"] == ("failed", "headers_too_large")  # 4 MiB: over 256 KiB
    assert rows["/fakegzip"] == ("failed", "bad_content_encoding")
    assert "bad content encoding: 1" in faults.summary()
    assert "Traceback" not in faults.proc.stderr
    assert "Spider error" not in faults.proc.stderr


def test_case20_redirect_loop_and_chain_stop(faults: Crawl) -> None:
    rows, hits = faults.rows(), Counter(faults.server.paths())
    assert hits["/loop/a"] == hits["/loop/b"] == 1  # each URL fetched once
    assert rows["/loop/a"] == rows["/loop/b"] == ("failed", "redirect_loop")
    assert all(hits[f"/chain/{i}"] == 1 for i in range(21))  # 20 redirects followed
    assert not any(hits[f"/chain/{i}"] for i in range(21, 26))
    assert rows["/chain/0"] == ("failed", "redirect_limit")
    assert "redirect limit: 1" in faults.summary()
    assert "redirect loop: 1" in faults.summary()


def test_case17_oversized_pages_are_cut_at_the_limit(limits: Crawl) -> None:
    assert limits.proc.returncode == 0, limits.proc.stderr
    rows, hits = limits.rows(), Counter(limits.server.paths())
    for path in OVERSIZED:
        assert rows[path] == ("skipped", "too_large"), path
        assert hits[path] == 1, path  # not retried
    assert rows["/fine"] == ("done", None)
    assert "larger than download max size" in limits.proc.stderr
    assert f"dropped: too large: {len(OVERSIZED) + len(BOMBS)}" in limits.summary()
    assert 50 < limits.base_mb < limits.peak_mb
    assert limits.peak_mb < limits.base_mb + 10 * LIMIT_MB, (limits.base_mb, limits.peak_mb)


def test_case33_decompression_bombs_are_dropped_with_a_warning(limits: Crawl) -> None:
    rows = limits.rows()
    for path in BOMBS:
        assert rows[path] == ("skipped", "too_large"), path
    warnings = [line for line in limits.proc.stderr.splitlines() if "during decompression" in line]
    assert len(warnings) == len(BOMBS)
    assert all(" WARNING: " in line and "exceeded DOWNLOAD_MAXSIZE" in line for line in warnings)
    assert rows["/fine"] == ("done", None)  # the crawl went on
    assert limits.peak_mb < limits.base_mb + 10 * LIMIT_MB  # each bomb is 1 GiB decompressed


def test_case33_sitemap_gzip_bomb(db: str) -> None:
    with HostileServer({path: Reply.html(article(path)) for path in SITEMAP_PAGES}) as server:
        crawl = crawl_measured(server, db, server.url("/sitemap.xml.gz"), "--spider", "sitemap")
    assert crawl.proc.returncode == 0, crawl.proc.stderr
    assert "WARNING: sitemap " in crawl.proc.stderr
    assert "dropped: too large: 1" in crawl.summary()
    assert sorted(crawl.texts()) == list(SITEMAP_PAGES)  # listed before a gigabyte of blanks
    assert crawl.peak_mb < crawl.base_mb + 10 * XML_TEXT_MB


@dataclass(frozen=True)
class Origins:
    """One crawl with ``--auth`` from A, whose pages lead to other origins."""

    crawl: Crawl  # of A: https with a self-signed certificate, and plain http on its port
    others: tuple[HostileServer, ...]  # B, A's host on another port
    plain: HostileServer  # given as an https:// start URL


@pytest.fixture(scope="module")
def origins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Origins]:
    """A sets a cookie, redirects and links to B, to another port, to plain http."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(context)  # trusted by nobody
    db = f"sqlite:///{tmp_path_factory.mktemp('origins') / 'corpus.db'}"
    with (
        HostileServer(tls=context) as a,
        HostileServer() as a_port,
        HostileServer(host="127.0.0.2") as b,
        HostileServer({"/": Reply.html(article("明文"))}) as plain,
    ):
        others = (b, a_port)
        for server in others:
            server.routes["/landing"] = Reply.html(article(f"落地 {server.port}"))
        links = ("/to-b", "/to-port", "/to-http", a_port.url("/linked"))
        a.routes.update(
            {
                "/": Reply.html(article("首页", links=links), headers={"Set-Cookie": "sid=42"}),
                "/to-b": redirect(b.url("/landing")),
                "/to-port": redirect(a_port.url("/landing")),
                "/to-http": redirect(f"http://{a.host}:{a.port}/plain"),
                "/plain": Reply.html(article("明文页")),
            }
        )
        a_port.routes["/linked"] = Reply.html(article("链接"))
        allowed = ",".join(f"{server.host}:{server.port}" for server in others)
        proc = run_crawl(
            db, a.url("/"), https(plain), "--auth", "reader:s3cret-pw",
            "--allow-domain", "127.0.0.2", "-s", f"YULIAO_ALLOW_HOSTS={allowed}",
            "--depth", "1", "--timeout", "2", *FAST, timeout=60,
        )  # fmt: skip
        yield Origins(Crawl(a, db, proc), others, plain)


def https(server: HostileServer) -> str:
    return server.url("/").replace("http://", "https://")


def test_case07_tls_self_signed_is_fetched_plain_port_fails(origins: Origins) -> None:
    crawl = origins.crawl
    assert crawl.proc.returncode == 0, crawl.proc.stderr
    # Like Scrapy, the crawler does not verify certificates: a self-signed site is crawled.
    assert crawl.server.url("/").startswith("https://")
    assert crawl.rows()["/"] == ("done", None)
    assert crawl.server.handshake_failures == 0
    # https:// on a plain HTTP port: the handshake fails, recorded; robots.txt could not be
    # read, so the page stays pending for a later run (RFC 9309)
    assert (https(origins.plain), "pending", "tls_handshake") in frontier_rows(crawl.db)
    assert "tls handshake: 1" in crawl.summary()
    assert origins.plain.hits() == []


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def test_case35_credentials_stay_with_their_origin(origins: Origins) -> None:
    crawl, a = origins.crawl, origins.crawl.server
    assert crawl.proc.returncode == 0, crawl.proc.stderr
    assert len(stored_urls(crawl.db)) == 1 + 4  # A, and each page on another origin
    sent = {hit.path: hit.headers.get("Authorization") for hit in a.hits()}
    assert sent["/"] == sent["/to-http"] == basic("reader:s3cret-pw")  # https://A
    assert sent["/plain"] is None  # http://A, same host and port: Scrapy's middleware sends it
    for server in origins.others:
        assert server.hits(), server.url()
        assert all("Authorization" not in hit.headers for hit in server.hits()), server.url()
    everyone = (a, *origins.others)
    assert all("Cookie" not in hit.headers for server in everyone for hit in server.hits())
    assert "s3cret-pw" not in crawl.proc.stderr  # not in the logged settings either
    files = Path(crawl.db.removeprefix("sqlite:///")).parent.iterdir()
    assert all(b"s3cret-pw" not in path.read_bytes() for path in files)


def test_case35_auth_needs_user_and_password(db: str) -> None:
    proc = run_crawl(db, "http://127.0.0.1:9/", "--auth", "nocolon")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1].startswith(
        "Error: Invalid value for '--auth': expected USER:PASSWORD"
    )


def test_case36_no_listening_socket_and_a_private_cache(db: str, tmp_path: Path) -> None:
    temp, cache = tmp_path / "tmp", tmp_path / "xdg"
    temp.mkdir()
    env = {**crawl_env(), "TMPDIR": str(temp), "XDG_CACHE_HOME": str(cache)}
    env.update(YULIAO_ZH_BACKEND="jieba")  # the backend that keeps a marshal cache
    env.pop("YULIAO_CACHE_DIR", None)
    routes = {
        "/": Reply.html(article("首页", links=["/slow"])),
        "/slow": Reply.html(article("慢"), delay=1.5),  # the sockets are listed meanwhile
    }
    with (
        HostileServer(routes) as server,
        subprocess.Popen(
            crawl_cmd(db, server.url("/"), "-q", *FAST),
            stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True,
        ) as proc,
    ):  # fmt: skip
        try:
            wait_until(lambda: server.hits("/slow"), timeout=60, what="the crawler at /slow")
            crawler = psutil.Process(proc.pid)
            processes = [crawler, *crawler.children(recursive=True)]
            sockets = [conn for p in processes for conn in p.net_connections(kind="all")]
            stderr = proc.communicate(timeout=60)[1]
        finally:
            if proc.poll() is None:
                proc.kill()
    assert len(processes) >= 3  # the crawler and its workers
    assert [conn for conn in sockets if conn.status == psutil.CONN_LISTEN] == []
    assert any(conn.raddr and conn.raddr.port == server.port for conn in sockets)  # seen: open
    assert proc.returncode == 0, stderr
    private = cache / "yuliao"
    assert (private / "jieba.cache").is_file()
    assert private.stat().st_mode & 0o777 == 0o700
    assert private.stat().st_uid == os.getuid()
    assert not [path for path in temp.rglob("*") if path.suffix == ".cache"]
