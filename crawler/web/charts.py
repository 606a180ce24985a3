"""Bar charts as geometry for the SVG templates: drawn on the server, nothing fetched at run time.

The template only places what is computed here; labels and values stay text, so Jinja2
escapes them like everything else.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

BAR_HEIGHT = 18
GAP = 6
CHAR_WIDTH = 7.5  # pixels per narrow character at the chart's font size; wide ones count double
MAX_LABEL = 24  # narrow characters shown of a label before it is cut with "…"
VALUE_ROOM = 64  # pixels right of the longest bar for its value
AXIS_ROOM = 48  # pixels left of the columns for the grid lines' values
COLUMN_TOP = 8  # pixels above the tallest grid line and right of the last column
COLUMN_LABEL_ROOM = 64  # pixels a column's label needs: "2024-03" at the chart's font size
COLUMN_LABEL_HEIGHT = 24
MAX_COLUMN = 40  # pixels: a column is never wider, however few there are
TICKS = 4  # grid lines above zero


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, its value, where it sits and how long it is, in pixels."""

    label: str
    value: int
    y: float
    length: float
    href: str | None = None


@dataclass(frozen=True, slots=True)
class BarChart:
    """A horizontal bar chart: bars from ``x0`` rightwards, one below the other."""

    title: str
    bars: list[Bar]
    width: int
    height: int
    x0: float
    bar_height: int = BAR_HEIGHT


def bar_chart(
    title: str,
    items: Sequence[tuple[str, int]],
    *,
    width: int = 640,
    links: Sequence[str | None] = (),
) -> BarChart:
    """Lay out ``items`` (label, value), longest bar = the largest value, in the given order."""
    labels = [shorten(label) for label, _ in items]
    x0 = max((display_width(label) for label in labels), default=0) * CHAR_WIDTH + 10
    room = max(width - x0 - VALUE_ROOM, 1)
    top = max((value for _, value in items), default=0) or 1
    hrefs = list(links) or [None] * len(items)
    bars = [
        Bar(
            label=label,
            value=value,
            y=i * (BAR_HEIGHT + GAP),
            length=max(room * value / top, 1.0),
            href=href,
        )
        for i, (label, (_, value), href) in enumerate(zip(labels, items, hrefs, strict=True))
    ]
    return BarChart(
        title=title, bars=bars, width=width, height=len(bars) * (BAR_HEIGHT + GAP), x0=x0
    )


def display_width(text: str) -> int:
    """Width in narrow-character units: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def shorten(label: str) -> str:
    """The label cut to :data:`MAX_LABEL` narrow characters, ending in "…" when cut."""
    if display_width(label) <= MAX_LABEL:
        return label
    kept = ""
    for char in label:
        if display_width(kept + char) > MAX_LABEL - 1:
            break
        kept += char
    return kept + "…"


@dataclass(frozen=True, slots=True)
class Segment:
    """One series' part of a column: ``series`` indexes the chart's legend (and colour)."""

    series: int
    value: int
    y: float
    height: float


@dataclass(frozen=True, slots=True)
class Column:
    """One period: its segments stacked bottom up; ``label`` is drawn under it when set."""

    name: str
    label: str | None
    x: float
    width: float
    total: int
    segments: list[Segment]


@dataclass(frozen=True, slots=True)
class Tick:
    """A horizontal grid line at ``value``, ``y`` pixels from the top."""

    value: int
    y: float


@dataclass(frozen=True, slots=True)
class ColumnChart:
    """Stacked columns over time, left to right, with grid lines and a legend of series."""

    title: str
    series: list[str]
    columns: list[Column]
    ticks: list[Tick]
    width: int
    height: int
    x0: float
    baseline: float


def column_chart(
    title: str,
    columns: Sequence[tuple[str, Sequence[int]]],
    series: Sequence[str],
    *,
    width: int = 960,
    plot_height: int = 180,
) -> ColumnChart:
    """Lay out ``columns`` (name, one value per series) as stacked columns, tallest at the top."""
    top = nice_top(max((sum(values) for _, values in columns), default=0))
    x0, baseline = AXIS_ROOM, float(plot_height + COLUMN_TOP)
    slot = (width - x0 - COLUMN_TOP) / max(len(columns), 1)
    every = math.ceil(len(columns) / max((width - x0) // COLUMN_LABEL_ROOM, 1))
    scale = plot_height / top
    laid = []
    for i, (name, values) in enumerate(columns):
        segments, y = [], baseline
        for series_index, value in enumerate(values):
            if value:
                y -= value * scale
                segments.append(Segment(series_index, value, y, value * scale))
        bar = min(slot * 0.7, MAX_COLUMN)
        x = x0 + i * slot + (slot - bar) / 2
        label = name if i % every == 0 else None
        laid.append(Column(name, label, x, bar, sum(values), segments))
    ticks = [Tick(v, baseline - v * scale) for v in range(0, top + 1, top // TICKS)]
    return ColumnChart(
        title=title,
        series=list(series),
        columns=laid,
        ticks=ticks,
        width=width,
        height=int(baseline) + COLUMN_LABEL_HEIGHT,
        x0=x0,
        baseline=baseline,
    )


def nice_top(value: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ times :data:`TICKS` at or above ``value`` (at least 4)."""
    step, factors = 1, itertools.cycle((2, 2.5, 2))  # 1, 2, 5, 10, 20, 50, ...
    while step * TICKS < value:
        step = int(step * next(factors))
    return step * TICKS


def compact(value: int) -> str:
    """An axis label: ``950``, ``12k``, ``1.5M``."""
    for size, unit in ((1_000_000, "M"), (1_000, "k")):
        if value >= size:
            return f"{value / size:.3g}{unit}"
    return str(value)
