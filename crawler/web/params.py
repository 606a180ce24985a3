"""Query-string parameters of the pages and the API: parsed in one place, sizes capped.

A bad value is a 400 that names the parameter; a size above its cap is lowered to the cap,
so a link with ``limit=100000`` still works but never asks the corpus for more than the cap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import cast

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException

from storage import TimeBasis

SEARCH_LIMIT = (20, 100)  # (default, cap): hits per page
KWIC_LIMIT = (100, 1000)  # concordance lines
KWIC_WIDTH = (20, 100)  # characters of context on each side
FREQ_TOP = (50, 500)  # rows of the frequency list
SORTS = ("", "left", "right")
TIME_BASES: tuple[TimeBasis, ...] = ("published", "fetched")  # the first is the default
MAX_PAGE = 1_000_000
_DIGITS = re.compile("[0-9]+")


@dataclass(frozen=True, slots=True)
class SearchParams:
    """A search: the query, its filters and the page asked for (1-based)."""

    q: str
    lang: str | None
    domain: str | None
    since: datetime | None
    page: int
    limit: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


@dataclass(frozen=True, slots=True)
class KwicParams:
    """A concordance: the word, context width, line count and sort (``left``/``right``/none)."""

    word: str
    width: int
    limit: int
    sort: str


@dataclass(frozen=True, slots=True)
class FreqParams:
    """A frequency list: language (``None`` for all), length, whether stopwords are kept."""

    lang: str | None
    top: int
    keep_stopwords: bool


def search_params(query: QueryParams) -> SearchParams:
    """Parse ``q``, ``lang``, ``domain``, ``since`` (YYYY-MM-DD), ``page`` and ``limit``."""
    return SearchParams(
        q=text(query, "q") or "",
        lang=text(query, "lang"),
        domain=text(query, "domain"),
        since=_day(query, "since"),
        page=number(query, "page", default=1, cap=MAX_PAGE),
        limit=number(query, "limit", default=SEARCH_LIMIT[0], cap=SEARCH_LIMIT[1]),
    )


def kwic_params(query: QueryParams) -> KwicParams:
    """Parse ``word``, ``width``, ``limit`` and ``sort``."""
    sort = text(query, "sort") or ""
    if sort not in SORTS:
        raise HTTPException(400, f"sort must be left or right, got {sort!r}")
    return KwicParams(
        word=text(query, "word") or "",
        width=number(query, "width", default=KWIC_WIDTH[0], cap=KWIC_WIDTH[1]),
        limit=number(query, "limit", default=KWIC_LIMIT[0], cap=KWIC_LIMIT[1]),
        sort=sort,
    )


def freq_params(query: QueryParams) -> FreqParams:
    """Parse ``lang``, ``top`` and ``stopwords`` (``keep`` keeps them; dropped by default)."""
    stopwords = text(query, "stopwords") or "drop"
    if stopwords not in ("keep", "drop"):
        raise HTTPException(400, f"stopwords must be keep or drop, got {stopwords!r}")
    return FreqParams(
        lang=text(query, "lang"),
        top=number(query, "top", default=FREQ_TOP[0], cap=FREQ_TOP[1]),
        keep_stopwords=stopwords == "keep",
    )


def overview_params(query: QueryParams) -> TimeBasis:
    """Parse ``by``: date documents by ``published`` (the default) or ``fetched`` month."""
    by = text(query, "by") or TIME_BASES[0]
    if by not in TIME_BASES:
        raise HTTPException(400, f"by must be published or fetched, got {by!r}")
    return cast("TimeBasis", by)


def required(value: str, name: str) -> str:
    """``value``, which must not be empty: a 400 that names the parameter otherwise."""
    if not value:
        raise HTTPException(400, f"{name} is required")
    return value


def text(query: QueryParams, name: str) -> str | None:
    """The parameter stripped of surrounding whitespace; ``None`` when absent or blank."""
    value = query.get(name, "").strip()
    return value or None


def number(query: QueryParams, name: str, *, default: int, cap: int) -> int:
    """A positive integer parameter, lowered to ``cap`` (however many digits it has)."""
    raw = text(query, name)
    if raw is None:
        return default
    digits = raw.lstrip("0")
    if not _DIGITS.fullmatch(raw) or not digits:
        raise HTTPException(400, f"{name} must be a positive integer, got {raw[:20]!r}")
    return cap if len(digits) > len(str(cap)) else min(int(digits), cap)


def _day(query: QueryParams, name: str) -> datetime | None:
    """A YYYY-MM-DD parameter as the start of that day in UTC."""
    raw = text(query, name)
    if raw is None:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise HTTPException(400, f"{name} must be a date like 2024-01-31, got {raw!r}") from None
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
