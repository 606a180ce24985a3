"""What the overview page draws from a :class:`storage.Overview`: time charts and crawl rows.

Months run from the first to the last with none skipped, so a gap in the corpus shows as a
gap in the chart; a span longer than :data:`MAX_COLUMNS` months is drawn by year.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from crawler.summary import CrawlSummary
from crawler.web.charts import ColumnChart, column_chart
from storage import CrawlInfo, Overview, Period

MAX_COLUMNS = 48
SERIES = 5  # languages with a colour of their own; beyond that, the rest share "other"
OTHER = "other"


@dataclass(frozen=True, slots=True)
class CrawlRow:
    """A crawl and its figures; ``summary`` is ``None`` until the crawl records its end."""

    crawl: CrawlInfo
    summary: CrawlSummary | None


def time_charts(overview: Overview, *, width: int) -> list[ColumnChart]:
    """Documents and tokens per month (or year), stacked by language."""
    series = languages(overview.timeline)
    unit, names, column_of = buckets(sorted({period.month for period in overview.timeline}))
    return [
        column_chart(
            f"{what.capitalize()} by {unit} {overview.by}",
            stack(overview.timeline, series, names, column_of, value),
            series,
            width=width,
        )
        for what, value in (
            ("documents", lambda period: period.documents),
            ("tokens", lambda period: period.tokens),
        )
    ]


def undated(overview: Overview) -> int:
    """Documents (duplicates aside) the time charts leave out, for want of a date."""
    dated = sum(period.documents for period in overview.timeline)
    return sum(group.documents for group in overview.stats.by_lang) - dated


def crawl_rows(crawls: Sequence[CrawlInfo]) -> list[CrawlRow]:
    """The crawls with their figures read from the stats the crawler stored."""
    return [
        CrawlRow(crawl, CrawlSummary.from_stats(crawl.stats, 0.0) if crawl.stats else None)
        for crawl in crawls
    ]


def languages(periods: Sequence[Period]) -> list[str]:
    """The series, most documents first: every language, or the first few and "other"."""
    totals: Counter[str] = Counter()
    for period in periods:
        totals[period.lang] += period.documents
    ranked = [lang for lang, _ in sorted(totals.items(), key=lambda item: (-item[1], item[0]))]
    return ranked if len(ranked) <= SERIES else [*ranked[: SERIES - 1], OTHER]


def buckets(months: Sequence[str]) -> tuple[str, list[str], Callable[[str], str]]:
    """The unit, the columns from the first of the sorted ``months`` to the last, and a month's.

    Past :data:`MAX_COLUMNS` years, the earliest share one column, "before YYYY".
    """
    if not months:
        return "month", [], str
    first, last = _index(months[0]), _index(months[-1])
    if last - first < MAX_COLUMNS:
        return "month", [_month(i) for i in range(first, last + 1)], str
    start, end = first // 12, last // 12
    if end - start < MAX_COLUMNS:
        return "year", [str(year) for year in range(start, end + 1)], lambda month: month[:4]
    start = end - MAX_COLUMNS + 2
    earlier = f"before {start}"
    names = [earlier, *(str(year) for year in range(start, end + 1))]
    return "year", names, lambda month: month[:4] if int(month[:4]) >= start else earlier


def stack(
    periods: Sequence[Period],
    series: Sequence[str],
    names: Sequence[str],
    column_of: Callable[[str], str],
    value: Callable[[Period], int],
) -> list[tuple[str, list[int]]]:
    """Per column, the ``value`` of each series, summed over the periods in it."""
    table = {name: [0] * len(series) for name in names}
    index = {lang: i for i, lang in enumerate(series)}
    for period in periods:
        table[column_of(period.month)][index.get(period.lang, len(series) - 1)] += value(period)
    return list(table.items())


def _index(month: str) -> int:
    """``YYYY-MM`` as a count of months since year 0."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
