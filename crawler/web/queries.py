"""What each page and API endpoint asks the corpus: one call each, run off the event loop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request

from crawler.web.app import call
from crawler.web.params import FreqParams, KwicParams, SearchParams
from crawler.web.views import sort_lines

if TYPE_CHECKING:
    from storage import Document, Hit, Line, Stats


async def search(request: Request, params: SearchParams, *, extra: int = 0) -> list[Hit]:
    """One page of hits; ``extra`` more tell a page whether a next page exists."""
    return await call(
        request,
        lambda corpus: corpus.search(
            params.q,
            lang=params.lang,
            domain=params.domain,
            since=params.since,
            limit=params.limit + extra,
            offset=params.offset,
        ),
    )


async def document(request: Request, doc_id: int) -> Document:
    return await call(request, lambda corpus: corpus.get(doc_id))


async def concordance(request: Request, params: KwicParams) -> list[Line]:
    """Concordance lines in the order asked for (sorting segments the contexts: off the loop)."""
    return await call(
        request,
        lambda corpus: sort_lines(
            corpus.concordance(params.word, width=params.width, limit=params.limit), params.sort
        ),
    )


async def frequencies(request: Request, params: FreqParams) -> list[tuple[str, int]]:
    return await call(
        request,
        lambda corpus: corpus.frequencies(
            lang=params.lang, top=params.top, drop_stopwords=not params.keep_stopwords
        ),
    )


async def stats(request: Request) -> Stats:
    return await call(request, lambda corpus: corpus.stats())
