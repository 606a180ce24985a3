"""The HTML pages: search, document, KWIC (and its CSV), frequencies, overview."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crawler.web import queries, views
from crawler.web.app import render
from crawler.web.charts import bar_chart
from crawler.web.overview import crawl_rows, time_charts, undated
from crawler.web.params import (
    freq_params,
    kwic_params,
    overview_params,
    required,
    search_params,
)
from storage.dedup import MAX_DISTANCE

CHART_BARS = 30  # bars in the frequency chart; the table below it has every row
DOMAIN_BARS = 20
OVERVIEW_WIDTH = 400  # pixels: three charts side by side on a wide screen, unscaled
TIMELINE_WIDTH = 1000  # pixels: the width of the page's column, unscaled


async def search_page(request: Request) -> Response:
    params = search_params(request.query_params)
    hits = await queries.search(request, params, extra=1) if params.q else []
    return render(
        request,
        "search.html",
        params=params,
        hits=hits[: params.limit],
        more=len(hits) > params.limit,
    )


async def document_page(request: Request) -> Response:
    doc, duplicates = await queries.document_and_duplicates(request, request.path_params["doc_id"])
    chunks, keywords = await run_in_threadpool(views.read, doc.text)
    return render(
        request,
        "document.html",
        doc=doc,
        duplicates=duplicates,
        max_distance=MAX_DISTANCE,
        chunks=chunks,
        keywords=keywords,
    )


async def kwic_page(request: Request) -> Response:
    params = kwic_params(request.query_params)
    lines = await queries.concordance(request, params) if params.word else []
    return render(request, "kwic.html", params=params, lines=lines)


async def kwic_csv(request: Request) -> Response:
    params = kwic_params(request.query_params)
    required(params.word, "word")
    lines = await queries.concordance(request, params)
    return Response(
        views.to_csv(lines, views.KWIC_COLUMNS),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": views.attachment(f"kwic-{params.word}.csv")},
    )


async def freq_page(request: Request) -> Response:
    params = freq_params(request.query_params)
    counted = await queries.frequencies(request, params)
    rows = counted.value
    top = rows[:CHART_BARS]
    kwic = request.url_for("kwic")
    chart = bar_chart(
        "Most frequent tokens",
        top,
        links=[str(kwic.include_query_params(word=word)) for word, _ in top],
    )
    return render(
        request, "freq.html", params=params, rows=rows, chart=chart, counted_at=counted.at
    )


async def overview_page(request: Request) -> Response:
    by = overview_params(request.query_params)
    counted = await queries.overview(request, by)
    overview = counted.value
    stats = overview.stats
    langs = [(group.key, group.documents) for group in stats.by_lang]
    tokens = [(group.key, group.tokens) for group in stats.by_lang]
    domains = [(group.key, group.documents) for group in stats.by_domain[:DOMAIN_BARS]]
    charts = [
        bar_chart("Documents by language", langs, width=OVERVIEW_WIDTH),
        bar_chart("Tokens by language", tokens, width=OVERVIEW_WIDTH),
        bar_chart(f"Documents by domain (top {DOMAIN_BARS})", domains, width=OVERVIEW_WIDTH),
    ]
    return render(
        request,
        "overview.html",
        overview=overview,
        stats=stats,
        time_charts=time_charts(overview, width=TIMELINE_WIDTH),
        undated=undated(overview),
        charts=charts,
        crawls=crawl_rows(overview.crawls),
        counted_at=counted.at,
    )


routes = [
    Route("/", search_page, name="search"),
    Route("/doc/{doc_id:int}", document_page, name="document"),
    Route("/kwic", kwic_page, name="kwic"),
    Route("/kwic.csv", kwic_csv, name="kwic_csv"),
    Route("/freq", freq_page, name="freq"),
    Route("/overview", overview_page, name="overview"),
]
