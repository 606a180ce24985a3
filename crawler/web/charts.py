"""Bar charts as geometry for the SVG templates: drawn on the server, nothing fetched at run time.

The template only places what is computed here; labels and values stay text, so Jinja2
escapes them like everything else.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

BAR_HEIGHT = 18
GAP = 6
CHAR_WIDTH = 7.5  # pixels per narrow character at the chart's font size; wide ones count double
MAX_LABEL = 24  # narrow characters shown of a label before it is cut with "…"
VALUE_ROOM = 64  # pixels right of the longest bar for its value


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
