"""HTTP servers on loopback for the tests and the demo: real sockets, port 0, request logs.

``SiteServer`` serves a directory of files. ``RoutedServer`` answers from a table of routes
(fixed replies, replies that change with each request, or a function of the path) and logs
every request it gets, with its arrival time, so tests can assert what a crawler fetched and
when, from the server's side.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from typing_extensions import Self


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without a charset in Content-Type and without logging every request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Background(ThreadingHTTPServer):
    """A threading HTTP server on a loopback address, run in a daemon thread as a context."""

    daemon_threads = True
    host = "127.0.0.1"
    request_queue_size = 1024  # the default 5 drops SYNs under load: 1 s retransmission stalls

    def __init__(
        self, handler: Callable[..., BaseHTTPRequestHandler], port: int, host: str
    ) -> None:
        super().__init__((host, port), handler)
        self.host = host
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()
        self.server_close()


class SiteServer(_Background):
    """Serve ``root`` on 127.0.0.1 in a background thread; ``url(path)`` builds addresses."""

    def __init__(self, root: Path, port: int = 0, host: str = "127.0.0.1") -> None:
        super().__init__(partial(QuietHandler, directory=str(root)), port, host)


@dataclass(frozen=True)
class Reply:
    """One HTTP answer; ``delay`` seconds pass before it is sent."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def html(cls, html: str, **kwargs: Any) -> Reply:
        headers = {"Content-Type": "text/html; charset=utf-8", **kwargs.pop("headers", {})}
        return cls(html.encode(), headers=headers, **kwargs)


# A route: a fixed reply, a list of replies given in turn (the last one repeats), or a function
# of the request path returning a reply (None: 404).
Route = Reply | list[Reply] | Callable[[str], Reply | None]


@dataclass(frozen=True)
class Hit:
    """One request the server received."""

    time: float  # time.monotonic() on arrival
    path: str
    headers: dict[str, str]


class RoutedServer(_Background):
    """Answer requests from ``routes`` (path with query → route; ``"*"`` is the fallback)."""

    def __init__(self, routes: dict[str, Route], port: int = 0, host: str = "127.0.0.1") -> None:
        super().__init__(_RoutedHandler, port, host)
        self.routes = routes
        self.log: list[Hit] = []
        self.active = 0  # requests being answered now
        self.max_active = 0
        self._lock = threading.Lock()

    def hits(self, path: str | None = None) -> list[Hit]:
        """Requests received so far (for one path, if given), oldest first."""
        with self._lock:
            return [hit for hit in self.log if path is None or hit.path == path]

    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits()]

    def reply(self, path: str, headers: dict[str, str]) -> Reply:
        with self._lock:
            count = sum(1 for hit in self.log if hit.path == path)
            self.log.append(Hit(time.monotonic(), path, headers))
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        route = self.routes.get(path) or self.routes.get(path.partition("?")[0])
        if route is None and "*" in self.routes:
            route = self.routes["*"]
        if isinstance(route, list):
            return route[min(count, len(route) - 1)]
        if callable(route):
            route = route(path)
        return route if route is not None else Reply(b"not found", status=404)


class _RoutedHandler(BaseHTTPRequestHandler):
    server: RoutedServer
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        reply = self.server.reply(self.path, dict(self.headers.items()))
        try:
            self._send(reply)
        finally:
            with self.server._lock:
                self.server.active -= 1

    def _send(self, reply: Reply) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        headers = {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Length": str(len(reply.body)),  # a route may claim another length
            **reply.headers,
        }
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the crawler gave up
            self.send_response(reply.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass
