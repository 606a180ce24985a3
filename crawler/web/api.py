"""The JSON API under ``/api/``: the pages' queries, answered with the Python API's dataclasses.

Parameters are the pages' own, so any page's query string works on its endpoint too.
Errors are ``{"error": "..."}`` with status 400 (bad parameter or query), 404 or 503.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from crawler.web import queries
from crawler.web.params import (
    freq_params,
    kwic_params,
    overview_params,
    required,
    search_params,
)


async def search(request: Request) -> JSONResponse:
    """``list[Hit]`` for ``q`` (required), ``lang``, ``domain``, ``since``, ``page``, ``limit``."""
    params = search_params(request.query_params)
    required(params.q, "q")
    return JSONResponse(jsonable(await queries.search(request, params)))


async def document(request: Request) -> JSONResponse:
    """The ``Document`` with this id."""
    return JSONResponse(jsonable(await queries.document(request, request.path_params["doc_id"])))


async def duplicates(request: Request) -> JSONResponse:
    """``list[NearDuplicate]``: documents within 3 bits of this one, closest first."""
    found = await queries.near_duplicates(request, request.path_params["doc_id"])
    return JSONResponse(jsonable(found))


async def kwic(request: Request) -> JSONResponse:
    """``list[Line]`` for ``word`` (required), ``width``, ``limit``, ``sort``."""
    params = kwic_params(request.query_params)
    required(params.word, "word")
    return JSONResponse(jsonable(await queries.concordance(request, params)))


async def freq(request: Request) -> JSONResponse:
    """``[[token, count], ...]`` for ``lang``, ``top``, ``stopwords``."""
    counted = await queries.frequencies(request, freq_params(request.query_params))
    return JSONResponse(jsonable(counted.value))


async def stats(request: Request) -> JSONResponse:
    """The corpus ``Stats``."""
    counted = await queries.stats(request)
    return JSONResponse(jsonable(counted.value))


async def overview(request: Request) -> JSONResponse:
    """The ``Overview`` (stats, timeline, latest crawls) for ``by`` (``published``/``fetched``)."""
    counted = await queries.overview(request, overview_params(request.query_params))
    return JSONResponse(jsonable(counted.value))


def jsonable(value: Any) -> Any:
    """Dataclasses as dicts, tuples as lists, datetimes as ISO 8601 strings, recursively."""
    if is_dataclass(value) and not isinstance(value, type):
        return {field.name: jsonable(getattr(value, field.name)) for field in fields(value)}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    return value


routes = [
    Route("/search", search),
    Route("/document/{doc_id:int}", document),
    Route("/document/{doc_id:int}/duplicates", duplicates),
    Route("/kwic", kwic),
    Route("/freq", freq),
    Route("/stats", stats),
    Route("/overview", overview),
]
