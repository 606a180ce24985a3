"""What each page and API endpoint asks the corpus: one call each, run off the event loop."""

from __future__ import annotations

from starlette.requests import Request

from crawler.web.app import call
from crawler.web.memo import Counted, Memo
from crawler.web.params import FreqParams, KwicParams, SearchParams
from crawler.web.views import sort_lines
from storage import Document, Hit, Line, NearDuplicate, Overview, Stats, TimeBasis


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


async def near_duplicates(request: Request, doc_id: int) -> list[NearDuplicate]:
    return await call(request, lambda corpus: corpus.near_duplicates(doc_id))


async def document_and_duplicates(
    request: Request, doc_id: int
) -> tuple[Document, list[NearDuplicate]]:
    """The document page's read: the document and its near duplicates, in one worker call."""
    return await call(request, lambda corpus: (corpus.get(doc_id), corpus.near_duplicates(doc_id)))


async def concordance(request: Request, params: KwicParams) -> list[Line]:
    """Concordance lines in the order asked for (sorting segments the contexts: off the loop)."""
    return await call(
        request,
        lambda corpus: sort_lines(
            corpus.concordance(params.word, width=params.width, limit=params.limit), params.sort
        ),
    )


async def frequencies(request: Request, params: FreqParams) -> Counted[list[tuple[str, int]]]:
    """The frequency list, counted at most :data:`memo.TTL` seconds ago."""
    return await _memo(request).get(
        params,
        lambda: call(
            request,
            lambda corpus: corpus.frequencies(
                lang=params.lang, top=params.top, drop_stopwords=not params.keep_stopwords
            ),
        ),
    )


async def stats(request: Request) -> Counted[Stats]:
    """The corpus overview, counted at most :data:`memo.TTL` seconds ago."""
    return await _memo(request).get("stats", lambda: call(request, lambda corpus: corpus.stats()))


async def overview(request: Request, by: TimeBasis) -> Counted[Overview]:
    """Stats, documents over time and crawls, read at most :data:`memo.TTL` seconds ago."""
    return await _memo(request).get(
        ("overview", by), lambda: call(request, lambda corpus: corpus.overview(by=by))
    )


def _memo(request: Request) -> Memo:
    memo: Memo = request.app.state.memo
    return memo
