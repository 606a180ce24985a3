"""The ASGI application: one read-only corpus, HTML pages, a JSON API under ``/api/``."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import jinja2
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crawler.web import charts, views
from crawler.web.memo import TTL, Memo
from storage import Corpus, DocumentNotFound, InvalidQuery, StorageError

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
T = TypeVar("T")
# The pages run no script at all: a policy that forbids scripts makes any markup that slipped
# through escaping inert. The stylesheet is the app's own.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def create_app(corpus: Corpus, *, name: str) -> Starlette:
    """The web concordancer over ``corpus`` (open it with :func:`readonly_url`), shown as ``name``.

    The caller owns the corpus: it stays open while the app serves and is closed afterwards.
    """
    from crawler.web import api, pages

    app = Starlette(
        routes=[
            *pages.routes,
            Mount("/api", routes=api.routes),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        middleware=[Middleware(SecurityHeadersMiddleware)],
        exception_handlers={HTTPException: _http_error, StorageError: _storage_error},
    )
    app.state.corpus = corpus
    app.state.db_name = name
    app.state.memo = Memo()
    return app


class SecurityHeadersMiddleware:
    """Adds :data:`SECURITY_HEADERS` to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(SECURITY_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def db_label(db: str) -> str:
    """How pages name the corpus: the SQLite file, else the URL without its password."""
    url = make_url(db)
    if url.get_backend_name() == "sqlite" and url.database:
        return url.database
    return url.render_as_string(hide_password=True)


def readonly_url(db: str) -> str:
    """The SQLite URL ``db`` as a read-only URI (``mode=ro``): the server can never write.

    Other databases are returned unchanged.
    """
    url = make_url(db)
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return db
    if not database.startswith("file:"):
        database = "file:" + quote(str(Path(database).resolve()))
    query = {**url.query, "mode": "ro", "uri": "true"}
    return url.set(database=database, query=query).render_as_string(hide_password=False)


async def call(request: Request, read: Callable[[Corpus], T]) -> T:
    """Run one corpus read in the thread pool, so a slow query never holds up the event loop."""
    corpus: Corpus = request.app.state.corpus
    return await run_in_threadpool(read, corpus)


@functools.cache
def templates() -> Jinja2Templates:
    """The page templates: autoescaped, and an undefined name is an error, not blank text."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["highlight"] = views.highlight
    env.filters["web_url"] = views.web_url
    env.filters["thousands"] = "{:,}".format
    env.filters["when"] = views.when
    env.filters["size"] = views.size
    env.filters["compact"] = charts.compact
    env.globals["ttl_minutes"] = round(TTL / 60)
    return Jinja2Templates(env=env)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """The page ``name`` rendered with ``context``."""
    context["db_name"] = request.app.state.db_name
    return templates().TemplateResponse(request, name, context, status_code=status_code)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error(request, exc.status_code, exc.detail)


async def _storage_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, InvalidQuery):
        return _error(request, 400, f"invalid query: {exc}")
    if isinstance(exc, DocumentNotFound):
        return _error(request, 404, "no such document")
    logger.error("%s %s: %s", request.method, request.url.path, exc)
    return _error(request, 503, str(exc))


def _error(request: Request, status: int, message: str) -> Response:
    """The error as JSON under ``/api/``, else as a page."""
    if is_api(request):
        return JSONResponse({"error": message}, status_code=status)
    return render(request, "error.html", status_code=status, status=status, message=message)
