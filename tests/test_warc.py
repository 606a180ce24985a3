"""WARC: ``crawl --warc`` archives every exchange; ``import-warc`` turns WARC files into documents
exactly as a crawl stores them (ours, and Common Crawl's layout)."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import os
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import Any

import brotli
import pytest
from scrapy import signals
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_datetime
from warcio.warcwriter import WARCWriter

from crawler.warc import Exchange, WarcMiddleware
from storage import Corpus
from tests.conftest import yuliao
from tests.crawl_fixtures import FAST, article, run_crawl, sqlite_rows
from tests.siteserver import Reply, RoutedServer

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

GZIPPED = article("压缩的网页", seed=3).encode()
GZIPPED_BODY = gzip.compress(GZIPPED, mtime=0)
BROTLI = article("布罗特利", seed=6).encode()
ZSTD = article("标准压缩", seed=7).encode()
HTML = "text/html; charset=utf-8"
ZH_TEXT = "<p>语料库建设需要大量真实文本，这是研究语言的基础。" * 3 + "</p>"
METADATA = b"fetchTimeMs: 42\r\n"
GBK_TEXT = "<p>这一页用国标扩展编码保存，导入时必须正确解码，否则全是乱码。" * 3 + "</p>"


def site() -> dict[str, Any]:
    pages = ["/zh.html", "/en.html", "/gz.html", "/br.html", "/zstd.html", "/logo.png"]
    links = [*pages, "/gone.html", "/old"]
    return {
        "/robots.txt": Reply(b"User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"}),
        "/": Reply.html(article("首页", links=links, seed=1)),
        "/zh.html": Reply.html(article("中文", seed=2)),
        "/en.html": Reply.html(article("English", lang="en", seed=4)),
        "/gz.html": Reply(
            GZIPPED_BODY,
            headers={"Content-Type": HTML, "Content-Encoding": "gzip"},
        ),
        "/br.html": Reply(
            brotli.compress(BROTLI), headers={"Content-Type": HTML, "Content-Encoding": "br"}
        ),
        "/zstd.html": Reply(
            zstd.compress(ZSTD), headers={"Content-Type": HTML, "Content-Encoding": "zstd"}
        ),
        "/logo.png": Reply(b"\x89PNG\r\n\x1a\n" + bytes(64), headers={"Content-Type": "image/png"}),
        "/old": Reply(status=301, headers={"Location": "/moved.html"}),
        "/moved.html": Reply.html(article("搬家", seed=5)),
    }


def read_warc(path: Path) -> list[dict[str, Any]]:
    """Every record: its type, WARC headers, HTTP first line and headers, raw payload."""
    return read_warc_bytes(path.read_bytes())


def read_warc_bytes(data: bytes) -> list[dict[str, Any]]:
    records = []
    for record in ArchiveIterator(BytesIO(data)):
        http = record.http_headers
        records.append(
            {
                "type": record.rec_type,
                "warc": dict(record.rec_headers.headers),
                "http": http.to_str().splitlines()[0] if http else None,
                "headers": dict(http.headers) if http else {},
                "payload": record.raw_stream.read(),
            }
        )
    return records


def sha1_digest(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def analyses(db: str) -> dict[str, tuple[Any, ...]]:
    """What extraction and analysis stored, by URL."""
    rows = sqlite_rows(
        db,
        "SELECT url, tokens, content_hash, simhash, lang, title, encoding, n_sentences "
        "FROM documents",
    )
    return {row[0]: row[1:] for row in rows}


def kept_pages(db: str) -> dict[str, bytes]:
    rows = sqlite_rows(db, "SELECT url, body FROM pages JOIN documents ON id = document_id")
    return {url: zlib.decompress(body) for url, body in rows}


@dataclass(frozen=True)
class ArchivedCrawl:
    db: str
    warc: Path
    server: RoutedServer
    started: datetime
    ended: datetime


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArchivedCrawl]:
    """One crawl of a small site with ``--warc``: the database and the WARC file."""
    tmp = tmp_path_factory.mktemp("warc")
    db, warc = f"sqlite:///{tmp / 'crawl.db'}", tmp / "site.warc.gz"
    with RoutedServer(site()) as server:
        started = utc_now()
        proc = run_crawl(db, server.url("/"), "--warc", str(warc), *FAST, "-q")
        assert proc.returncode == 0, proc.stderr
        yield ArchivedCrawl(db, warc, server, started, utc_now())


def utc_now() -> datetime:
    """Now, as naive UTC to the second (as WARC-Date has it)."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def test_crawl_warc_holds_every_request_and_response(archived: ArchivedCrawl) -> None:
    server = archived.server
    records = read_warc(archived.warc)
    assert records[0]["type"] == "warcinfo"
    responses = {r["warc"]["WARC-Target-URI"]: r for r in records if r["type"] == "response"}
    requests = [r for r in records if r["type"] == "request"]
    fetched = {server.url(path) for path in server.paths()}
    assert set(responses) == fetched  # redirects, 404s, robots.txt and images too
    assert len(requests) == len(responses)
    ids = {r["warc"]["WARC-Record-ID"] for r in responses.values()}
    assert {r["warc"]["WARC-Concurrent-To"] for r in requests} == ids
    for record in records[1:]:
        assert (
            archived.started <= iso_date_to_datetime(record["warc"]["WARC-Date"]) <= archived.ended
        )
        assert record["warc"]["WARC-Payload-Digest"] == sha1_digest(record["payload"])
    assert responses[server.url("/gz.html")]["payload"] == GZIPPED_BODY  # as sent, compressed
    assert brotli.decompress(responses[server.url("/br.html")]["payload"]) == BROTLI
    assert responses[server.url("/old")]["http"].startswith("HTTP/1.0 301 ")
    assert all(r["http"].startswith("GET /") for r in requests)


def test_import_warc_stores_what_the_crawl_stored(archived: ArchivedCrawl, tmp_path: Path) -> None:
    crawl_db, warc, server = archived.db, archived.warc, archived.server
    db = f"sqlite:///{tmp_path / 'imported.db'}"
    proc = yuliao("--db", db, "import-warc", str(warc), "--name", "site-archive")
    assert proc.returncode == 0, proc.stderr
    crawled = analyses(crawl_db)
    assert {server.url(f"/{page}.html") for page in ("gz", "br", "zstd")} <= set(crawled)
    assert server.url("/moved.html") in crawled
    assert analyses(db) == crawled  # same URLs, tokens, hashes, languages, encodings
    assert kept_pages(db) == kept_pages(crawl_db)  # raw pages kept, ready for reprocess
    assert "http 301: 1" in proc.stderr
    assert "http 404: 1" in proc.stderr
    with Corpus(db) as corpus:
        [crawl] = corpus.crawls()
    assert (crawl.name, crawl.status) == ("site-archive", "finished")
    assert crawl.stats["yuliao/stored"] == len(crawled)


def chunk(body: bytes) -> bytes:
    """``body`` with HTTP chunked transfer encoding."""
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)


def compressed(encoding: str) -> list[tuple[str, str]]:
    """Headers of an HTML body in ``encoding``, sent chunked if it is brotli."""
    chunked = [("Transfer-Encoding", "chunked")] if encoding == "br" else []
    return [("Content-Type", HTML), ("Content-Encoding", encoding), *chunked]


class AuthServer(RoutedServer):
    """Answers only requests with HTTP basic auth for ``credentials``; 401 to the others."""

    def __init__(self, routes: dict[str, Any], credentials: str) -> None:
        super().__init__(routes)
        self.expected = "Basic " + base64.b64encode(credentials.encode()).decode()

    def reply(self, path: str, headers: dict[str, str]) -> Reply:
        reply = super().reply(path, headers)
        if headers.get("Authorization") != self.expected:
            return Reply(b"who are you?", status=401, headers={"WWW-Authenticate": "Basic"})
        return reply


def test_crawl_warc_keeps_no_credentials(tmp_path: Path) -> None:
    password = "s3cret-warc-pw"
    routes = {
        "/": Reply.html(article("登录", links=["/inner.html"])),
        "/inner.html": Reply.html(article("内页", seed=2)),
    }
    db, warc = f"sqlite:///{tmp_path / 'auth.db'}", tmp_path / "auth.warc.gz"
    with AuthServer(routes, f"reader:{password}") as server:
        proc = run_crawl(
            db, server.url("/"), "--warc", str(warc), "--auth", f"reader:{password}", *FAST
        )
    assert proc.returncode == 0, proc.stderr
    assert len(analyses(db)) == 2  # past the password check
    data = gzip.decompress(warc.read_bytes())
    credentials = base64.b64encode(f"reader:{password}".encode())
    assert password.encode() not in data
    assert credentials not in data
    requests = [r for r in read_warc(warc) if r["type"] == "request"]
    assert {r["headers"]["Host"] for r in requests} == {f"127.0.0.1:{server.port}"}
    assert all(r["headers"]["User-Agent"] for r in requests)  # the other headers are kept


def test_warc_request_headers_leave_out_credentials() -> None:
    secrets = {"Authorization": "Basic dTpw", "Proxy-Authorization": "Basic eDp5", "Cookie": "a=1"}
    request = Request(
        "http://user:url-pw@Example.COM:8080/a?b=1", headers={**secrets, "Accept": "text/html"}
    )
    response = HtmlResponse(request.url, body=b"<p>x</p>", request=request)
    exchange = Exchange.of(request, response)
    assert exchange.request_line == "GET /a?b=1 HTTP/1.1"
    assert exchange.request_headers == [("Host", "example.com:8080"), ("Accept", "text/html")]


def test_warc_backlog_is_bounded(tmp_path: Path) -> None:
    """While the file takes nothing, responses wait once ``backlog`` bytes are queued."""
    fifo = tmp_path / "slow.warc.gz"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # opened, not read yet
    crawler = get_crawler()
    request = Request("http://127.0.0.1:9/page")
    bodies = [os.urandom(256 << 10) for _ in range(16)]  # incompressible: 4 MiB to write
    received = bytearray()

    def drain() -> None:
        os.set_blocking(reader, True)
        while chunk := os.read(reader, 1 << 16):
            received.extend(chunk)

    async def scenario() -> int:
        middleware = WarcMiddleware(crawler, str(fifo), backlog=1 << 20)
        calls = [
            asyncio.ensure_future(
                middleware.process_response(request, HtmlResponse(request.url, body=body))
            )
            for body in bodies
        ]
        await asyncio.sleep(0.5)  # time enough for all of them, were they not held back
        passed = sum(call.done() for call in calls)
        thread = threading.Thread(target=drain)
        thread.start()
        await asyncio.wait_for(asyncio.gather(*calls), timeout=60)
        crawler.signals.send_catch_log(signals.spider_closed)
        thread.join(timeout=60)
        return passed

    passed = asyncio.run(scenario())
    os.close(reader)
    assert 1 <= passed <= 5  # 1 MiB of 256 KiB bodies, one of them maybe in the writer's hands
    payloads = [r["payload"] for r in read_warc_bytes(bytes(received)) if r["type"] == "response"]
    assert payloads == bodies  # all written in the end, in order


def common_crawl_warc(path: Path, *, gzipped: bool = True) -> None:
    """A WARC laid out as Common Crawl writes them: warcinfo, then request, response and
    metadata records per capture; also a revisit, an image, a 404, a chunked body, bodies
    compressed with brotli and zstd, one that does not decompress and one too large once
    decompressed."""
    date = "2024-03-01T10:00:00Z"
    with path.open("wb") as fp:
        writer = WARCWriter(fp, gzip=gzipped)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))

        def capture(url: str, body: bytes, headers: list[tuple[str, str]], status: str) -> None:
            http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
            request = StatusAndHeaders(
                f"GET {url.split('/', 3)[-1]} HTTP/1.1", [], is_http_request=True
            )
            extra = {"WARC-Date": date, "WARC-IP-Address": "203.0.113.7"}
            for record in (
                writer.create_warc_record(url, "request", http_headers=request),
                writer.create_warc_record(
                    url,
                    "response",
                    payload=BytesIO(body),
                    length=len(body),
                    http_headers=http,
                    warc_headers_dict=extra,
                ),
                writer.create_warc_record(
                    url,
                    "metadata",
                    payload=BytesIO(METADATA),
                    length=len(METADATA),
                    warc_content_type="application/warc-fields",
                ),
            ):
                writer.write_record(record)

        html = "text/html; charset=UTF-8"
        page = f"<html><head><title>语料</title></head><body><article>{ZH_TEXT}</article></body></html>"
        capture("https://cc.example/zh", page.encode(), [("Content-Type", html)], "200 OK")
        gbk = (
            "<html><head><title>国标</title></head>"
            f"<body><article>{GBK_TEXT}</article></body></html>"
        ).encode("gbk")
        capture(
            "https://cc.example/gbk", gbk, [("Content-Type", "text/html; charset=GBK")], "200 OK"
        )
        english = article("Lighthouse", lang="en", seed=9).encode()
        headers = [("Content-Type", html), ("Transfer-Encoding", "chunked")]
        capture("https://cc.example/en", chunk(english), headers, "200 OK")
        capture("https://cc.example/br", chunk(brotli.compress(BROTLI)), compressed("br"), "200 OK")
        capture("https://cc.example/zstd", zstd.compress(ZSTD), compressed("zstd"), "200 OK")
        capture("https://cc.example/bad", b"not brotli at all", compressed("br"), "200 OK")
        bomb = zstd.compress(b" " * (17 << 20))  # over DOWNLOAD_MAXSIZE once decoded
        capture("https://cc.example/bomb", bomb, compressed("zstd"), "200 OK")
        capture(
            "https://cc.example/logo.png", b"\x89PNG....", [("Content-Type", "image/png")], "200 OK"
        )
        capture(
            "https://cc.example/gone", b"<p>gone</p>", [("Content-Type", html)], "404 Not Found"
        )
        revisit = writer.create_revisit_record(
            "https://cc.example/zh",
            sha1_digest(page.encode()),
            "https://cc.example/zh",
            date,
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", html)], protocol="HTTP/1.1"),
        )
        writer.write_record(revisit)


@pytest.mark.parametrize("gzipped", [True, False], ids=["warc.gz", "warc"])
def test_import_common_crawl_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gzipped: bool
) -> None:
    warc = tmp_path / ("cc.warc.gz" if gzipped else "cc.warc")
    common_crawl_warc(warc, gzipped=gzipped)
    db = f"sqlite:///{tmp_path / 'cc.db'}"
    monkeypatch.setenv("YULIAO_PROGRESS_INTERVAL", "0")  # a progress line for every page
    quiet = () if gzipped else ("-q",)
    proc = yuliao("--db", db, "import-warc", str(warc), "--name", "cc", "--workers", "1", *quiet)
    assert proc.returncode == 0, proc.stderr
    *progress, headline, dropped = proc.stderr.strip().splitlines()
    assert headline.startswith("import 'cc' finished")
    assert "1 file, 29 records, 9 responses, 5 stored, 5 dropped" in headline
    assert dropped == (
        "  dropped: bad content encoding: 1, http 404: 1, not html: 1, revisit: 1, too large: 1"
    )
    assert bool(progress) is gzipped  # stderr is no terminal: plain lines, none with -q
    assert all(line.startswith("progress (") for line in progress)
    with Corpus(db) as corpus:
        zh, gbk, en = (corpus.get(f"https://cc.example/{page}") for page in ("zh", "gbk", "en"))
        assert [hit.url for hit in corpus.search("国标扩展编码")] == [gbk.url]
        assert [hit.url for hit in corpus.search("lighthouse keeper")] == [en.url]
        assert corpus.page(gbk.id).body.decode("gbk").count("国标扩展编码") == 3
        for page, body in (("br", BROTLI), ("zstd", ZSTD)):  # kept decompressed, as a crawl does
            assert corpus.page(corpus.get(f"https://cc.example/{page}").id).body == body
        assert [crawl.name for crawl in corpus.crawls()] == ["cc"]
    assert (zh.lang, gbk.lang, en.lang) == ("zh", "zh", "en")
    assert gbk.encoding == "gb18030"
    assert zh.fetched_at == datetime(2024, 3, 1, 10, 0, tzinfo=timezone.utc)
    assert "真实 文本" in zh.tokens or "真实文本" in zh.tokens


def test_import_counts_truncated_files(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc.gz"
    common_crawl_warc(whole)
    data = whole.read_bytes()
    cut_record = tmp_path / "cut-record.warc.gz"  # ends inside the last record
    cut_record.write_bytes(data[: len(data) - 40])
    cut_member = tmp_path / "cut-member.warc.gz"  # ends inside a gzip member
    cut_member.write_bytes(data + gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n")[:-12])
    db = f"sqlite:///{tmp_path / 'cut.db'}"
    proc = yuliao("--db", db, "import-warc", str(cut_record), str(cut_member), "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "truncated: 2" in proc.stderr
    assert len(analyses(db)) == 5  # the records before the cut are all there


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("just some text\n"), "is not a WARC file"),
        (lambda p: p.write_bytes(gzip.compress(b"<html>not a warc</html>")), "is not a WARC file"),
        (lambda p: p.write_bytes(b""), "is empty"),
        (lambda p: p.write_bytes(b"\x1f\x8b\x08\x00garbage"), "holds no WARC record"),
    ],
    ids=["text", "gzipped-html", "empty", "bad-gzip"],
)
def test_import_refuses_files_that_are_not_warc(
    tmp_path: Path, make: Callable[[Path], None], message: str
) -> None:
    good, bad = tmp_path / "good.warc.gz", tmp_path / "bad.warc.gz"
    common_crawl_warc(good)
    make(bad)
    db = tmp_path / "corpus.db"
    proc = yuliao("--db", f"sqlite:///{db}", "import-warc", str(good), str(bad))
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"Error: {bad} {message}")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not db.exists()  # every file is checked before anything is written


def test_import_missing_file_is_bad_usage(tmp_path: Path) -> None:
    proc = yuliao("--db", f"sqlite:///{tmp_path / 'c.db'}", "import-warc", str(tmp_path / "x.warc"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("Error: ")
    assert "does not exist" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_import_bad_progress_interval_is_bad_usage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warc = tmp_path / "cc.warc.gz"
    common_crawl_warc(warc)
    monkeypatch.setenv("YULIAO_PROGRESS_INTERVAL", "soon")
    proc = yuliao("--db", f"sqlite:///{tmp_path / 'c.db'}", "import-warc", str(warc))
    assert proc.returncode == 2
    assert proc.stderr.startswith("Error: YULIAO_PROGRESS_INTERVAL is not a number of seconds: ")
    assert len(proc.stderr.strip().splitlines()) == 1
