"""A hostile web server on loopback: the faults a crawler meets, down to broken bytes.

:class:`HostileServer` is a :class:`~tests.siteserver.RoutedServer` (routes, request log with
headers, ``hits()``) whose routes may also be :class:`Raw` answers, written by hand on the
socket: what no HTTP library sends, such as a header line without a colon, a body shorter than
its Content-Length, broken chunking, a connection dropped mid-body, one byte every 200 ms, or
no answer at all. ``FAULTS`` lists the fault routes every server has.

Large bodies are generated while they are sent, never held in memory; the decompression bombs
(gzip, deflate, br, zstd, a gzipped sitemap) are built once per process: 1 MiB at most, and
:data:`BOMB_SIZE` bytes decompressed. ``tls=`` makes the server speak HTTPS too, on the same
port (a connection that opens with a TLS handshake gets TLS, any other plain HTTP); without it,
a TLS handshake gets a plain-text 400, as from a real web server.
"""

from __future__ import annotations

import functools
import select
import socket
import ssl
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import brotli  # a dependency of Scrapy: the only way to build a br bomb

from tests.crawl_fixtures import article
from tests.siteserver import Reply, Route, RoutedServer, _RoutedHandler

BOMB_SIZE = 1 << 30  # bytes, decompressed
BIG_SIZE = 50 * 1024 * 1024  # bytes, for the oversized pages
_MIB = b"\0" * (1 << 20)
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # deflate, no name, no time
_FILLER = ("<p>" + "大文件的填充文字，一遍又一遍。" * 20 + "</p>\n").encode() * 60  # ~64 KiB
_HOLD_MAX = 120.0  # seconds a stalled answer waits at most, whatever the client does


class Wire:
    """The client's connection, for an answer written by hand."""

    def __init__(self, handler: _HostileHandler) -> None:
        self.sock: socket.socket = handler.connection
        self._out = handler.wfile
        self._stopping = handler.server.stopping

    def send(self, data: bytes) -> bool:
        """Write ``data`` now; ``False`` once the client is gone."""
        try:
            self._out.write(data)
            self._out.flush()
        except OSError:  # BrokenPipe, ConnectionReset, an SSL error: the client gave up
            return False
        return True

    def head(self, *lines: str, status: str = "200 OK") -> bool:
        """A status line and header lines exactly as given (duplicates, no colon, anything)."""
        return self.send(
            "".join(f"{line}\r\n" for line in (f"HTTP/1.1 {status}", *lines, "")).encode()
        )

    def hold(self, seconds: float = _HOLD_MAX) -> bool:
        """Send nothing for ``seconds``; ``False`` once the client closes or the server stops."""
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            readable, _, _ = select.select([self.sock], [], [], min(left, 0.1))
            if readable and self._closed_by_client():
                return False
        return False

    def _closed_by_client(self) -> bool:
        try:
            return self.sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def stream(self, chunks: Iterator[bytes], *, chunked: bool = False) -> None:
        """Send ``chunks`` (as HTTP chunks, if ``chunked``) until they end or the client leaves."""
        for chunk in chunks:
            data = b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk
            if not self.send(data) or self._stopping.is_set():
                return
        if chunked:
            self.send(b"0\r\n\r\n")

    def reset(self) -> None:
        """Abort the connection: the client gets a TCP reset, not an orderly close."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()  # the descriptor closes (RST) once the handler's files are closed


@dataclass(frozen=True)
class Raw(Reply):
    """An answer written on the socket by ``write``; the other fields are not used."""

    write: Callable[[Wire], None] = field(kw_only=True)


class _HostileHandler(_RoutedHandler):
    server: HostileServer

    def _send(self, reply: Reply) -> None:
        if isinstance(reply, Raw):
            reply.write(Wire(self))
        else:
            super()._send(reply)


class HostileServer(RoutedServer):
    """The fault routes of :data:`FAULTS`, plus ``routes``; HTTPS too with a ``tls`` context."""

    def __init__(
        self,
        routes: dict[str, Route] | None = None,
        *,
        host: str = "127.0.0.1",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__({**FAULTS, **(routes or {})}, host=host)
        bombs()  # built now, not while a client waits
        self.RequestHandlerClass = _HostileHandler
        self.tls = tls
        self.stopping = threading.Event()
        self.handshake_failures = 0

    def url(self, path: str = "/") -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}{path}"

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Answer one connection (in its own thread), over TLS if it opens with a handshake."""
        if request.recv(1, socket.MSG_PEEK) != b"\x16":  # not a TLS ClientHello
            super().finish_request(request, client_address)
            return
        if self.tls is None:
            request.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
            return
        try:
            conn = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            with self._lock:
                self.handshake_failures += 1
            return
        with conn:
            super().finish_request(conn, client_address)

    def shutdown(self) -> None:
        self.stopping.set()  # stalled answers end now
        super().shutdown()


def raw(write: Callable[[Wire], None]) -> Raw:
    return Raw(write=write)


def redirect(to: str) -> Reply:
    return Reply(b"", status=302, headers={"Location": to})


def page(title: str) -> bytes:
    return article(title).encode()


def _wait(wire: Wire) -> None:
    """Read the request, answer nothing."""
    wire.hold()


def _hang(wire: Wire) -> None:
    """Headers, then nothing."""
    if wire.head("Content-Type: text/html; charset=utf-8", "Content-Length: 100000"):
        wire.hold()


def _drip(wire: Wire) -> None:
    """One byte every 200 ms, for as long as the client listens."""
    if not wire.head("Content-Type: text/html; charset=utf-8", "Content-Length: 100000"):
        return
    body = page("一点一点")
    for i in range(100_000):
        if not wire.send(body[i % len(body) : i % len(body) + 1]) or not wire.hold(0.2):
            return


def _truncated(wire: Wire) -> None:
    """Content-Length 20, then 7 bytes and a close."""
    wire.head("Content-Type: text/html; charset=utf-8", "Content-Length: 20", "Connection: close")
    wire.send(b"<p>\xe5\x8d\x8a</p>")  # <p>半</p>: 7 bytes of a 20-byte body


def _bad_chunk(wire: Wire) -> None:
    """A chunk size that is not hexadecimal."""
    wire.head("Content-Type: text/html; charset=utf-8", "Transfer-Encoding: chunked")
    wire.send(b"9\r\n<p>\xe5\x8d\x8a\xe6\x88\xaa</p>\r\nzz\r\nbroken\r\n0\r\n\r\n")


def _dropped(wire: Wire) -> None:
    """Chunked: the first half of the page, then the connection drops."""
    body = page("掉线")
    wire.head("Content-Type: text/html; charset=utf-8", "Transfer-Encoding: chunked")
    wire.send(b"%x\r\n%s\r\n" % (len(body) // 2, body[: len(body) // 2]))
    wire.reset()


def _reset(wire: Wire) -> None:
    """A TCP reset instead of an answer."""
    wire.reset()


def _headers(title: str, *lines: str) -> Raw:
    """A page titled ``title``, sent with exactly these header lines."""
    body = page(title)
    return raw(lambda wire: wire.head(*lines, f"Content-Length: {len(body)}") and wire.send(body))


def _huge_headers(wire: Wire) -> None:
    """4 MiB of header lines of 1 KiB each before a normal page."""
    body = page("巨大的标头")
    lines = [f"X-Padding-{i}: {'x' * 1000}" for i in range(4096)]
    wire.head("Content-Type: text/html; charset=utf-8", *lines, f"Content-Length: {len(body)}")
    wire.send(body)


def _filler(size: float) -> Iterator[bytes]:
    sent = 0
    while sent < size:
        yield _FILLER
        sent += len(_FILLER)


def _big(wire: Wire) -> None:
    """A 50 MB page with its Content-Length."""
    size = len(_FILLER) * (BIG_SIZE // len(_FILLER))
    if wire.head("Content-Type: text/html; charset=utf-8", f"Content-Length: {size}"):
        wire.stream(_filler(size))


def _big_chunked(wire: Wire) -> None:
    """A 50 MB page in chunks, no Content-Length."""
    if wire.head("Content-Type: text/html; charset=utf-8", "Transfer-Encoding: chunked"):
        wire.stream(_filler(BIG_SIZE), chunked=True)


def _endless(wire: Wire) -> None:
    """A page without end: no length, no chunks, never closed by the server."""
    if wire.head("Content-Type: text/html; charset=utf-8", "Connection: close"):
        wire.stream(_filler(float("inf")))


def _deflate(head: bytes, fill: bytes, repeats: int, tail: bytes) -> bytes:
    """Raw deflate of ``head``, ``fill`` × ``repeats``, ``tail``, compressing ``fill`` once.

    After a full flush the compressor forgets what came before, so the bytes of one
    compressed copy of ``fill`` can simply be repeated.
    """

    def blocks(data: bytes, end: int) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush(end)

    fills = blocks(fill, zlib.Z_FULL_FLUSH) * repeats
    return blocks(head, zlib.Z_FULL_FLUSH) + fills + blocks(tail, zlib.Z_FINISH)


def _gzip_bomb(head: bytes, fill: bytes, repeats: int, tail: bytes) -> bytes:
    """A gzip member (RFC 1952) of ``head``, ``fill`` × ``repeats``, ``tail``."""
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(fill, crc)
    size = len(head) + len(fill) * repeats + len(tail)
    trailer = struct.pack("<II", zlib.crc32(tail, crc), size & 0xFFFFFFFF)
    return _GZIP_HEADER + _deflate(head, fill, repeats, tail) + trailer


def _zlib_bomb(repeats: int) -> bytes:
    """RFC 1950 data (HTTP's ``deflate``) of zeros; their Adler-32 is A = 1, B = n mod 65521."""
    adler = ((len(_MIB) * repeats) % 65521) << 16 | 1
    return b"\x78\xda" + _deflate(b"", _MIB, repeats, b"") + struct.pack(">I", adler)


def _zstd_bomb(size: int) -> bytes:
    """A zstd frame of RLE blocks: 4 bytes per 128 KiB of zeros (RFC 8878, written by hand)."""
    block = 128 * 1024
    frame = bytearray(b"\x28\xb5\x2f\xfd\x00\x38")  # magic; no checksum; window 2^(10+7)
    count = size // block
    for i in range(count):
        header = block << 3 | 1 << 1 | (i == count - 1)  # size, RLE, last block
        frame += header.to_bytes(3, "little") + b"\0"
    return bytes(frame)


def _brotli_bomb(size: int) -> bytes:
    packer = brotli.Compressor(quality=1)
    return b"".join(packer.process(_MIB) for _ in range(size // len(_MIB))) + packer.finish()


SITEMAP_PAGES = ("/sitemap/1.html", "/sitemap/2.html")


@functools.cache
def bombs() -> dict[str, bytes]:
    """Encoding → a body of :data:`BOMB_SIZE` decompressed bytes; ``sitemap``: a gzip sitemap.

    The sitemap lists :data:`SITEMAP_PAGES` before a gigabyte of blank space.
    """
    urlset = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    entries = "".join(f"<url><loc>{path}</loc></url>" for path in SITEMAP_PAGES)
    head = f'<?xml version="1.0"?>{urlset}{entries}'
    repeats = BOMB_SIZE // len(_MIB)
    return {
        "gzip": _gzip_bomb(b"", _MIB, repeats, b""),
        "deflate": _zlib_bomb(repeats),
        "br": _brotli_bomb(BOMB_SIZE),
        "zstd": _zstd_bomb(BOMB_SIZE),
        "sitemap": _gzip_bomb(head.encode(), b" " * len(_MIB), repeats, b"</urlset>"),
    }


def _bomb(encoding: str) -> Raw:
    def write(wire: Wire) -> None:
        body = bombs()[encoding]
        lines = ("Content-Type: text/html; charset=utf-8", f"Content-Encoding: {encoding}")
        if wire.head(*lines, f"Content-Length: {len(body)}"):
            wire.send(body)

    return raw(write)


def _sitemap_bomb(wire: Wire) -> None:
    body = bombs()["sitemap"]
    if wire.head("Content-Type: application/x-gzip", f"Content-Length: {len(body)}"):
        wire.send(body)


_BUSY = Reply(b"busy", status=503)
ALLOW_ALL = Reply(b"User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})

FAULTS: dict[str, Route] = {
    "/robots.txt": ALLOW_ALL,
    # network faults
    "/wait": raw(_wait),
    "/hang": raw(_hang),
    "/drip": raw(_drip),
    "/truncated": raw(_truncated),
    "/badchunk": raw(_bad_chunk),
    "/dropped": raw(_dropped),
    "/reset": raw(_reset),
    "/flaky": [_BUSY, _BUSY, Reply.html(article("终于好了"))],
    "/always500": Reply(b"", status=500),
    # malformed HTTP
    "/nocolon": _headers("没有冒号", "Content-Type: text/html; charset=utf-8", "X-Broken line"),
    "/dupctype": _headers(
        "两个类型", "Content-Type: text/html; charset=gbk", "Content-Type: text/html"
    ),
    "/noctype": _headers("没有类型"),
    "/fakegzip": _headers(
        "假压缩", "Content-Type: text/html; charset=utf-8", "Content-Encoding: gzip"
    ),
    "/hugeheaders": raw(_huge_headers),
    # sizes
    "/big": raw(_big),
    "/bigchunked": raw(_big_chunked),
    "/endless": raw(_endless),
    **{f"/bomb.{encoding}": _bomb(encoding) for encoding in ("gzip", "deflate", "br", "zstd")},
    "/sitemap.xml.gz": raw(_sitemap_bomb),
    # redirects
    "/loop/a": redirect("/loop/b"),
    "/loop/b": redirect("/loop/a"),
    **{f"/chain/{i}": redirect(f"/chain/{i + 1}") for i in range(25)},
    "/chain/25": Reply.html(article("链的尽头")),
}
