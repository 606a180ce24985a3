"""Dates as pages write them, normalized to ISO 8601.

Numeric year-first dates (``2024年3月5日``, ``2024-03-05``, ``2024/3/5``, ``2024.03.05``,
ISO 8601 with ``T``) and English dates with a month name (``March 5, 2024``,
``5 March 2024``, ``Tue, 05 Mar 2024``), each with an optional time of day after
the date (``10:30``, ``10时30分``, ``8:15 pm``) or, in English bylines, before it
(``9:05 PM EST Mar 5, 2024``). Day-first and month-first numeric dates
(``05/03/2024``) are ambiguous and not read. A time is kept as the page states it;
its time zone is dropped, since the day the page gives is the one its readers saw.
Impossible dates (month 13, 30 February) and dates more than a day ahead are no
publication dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_TIME = (
    r"(?P<ampm_zh>上午|下午|晚上)?\s*(?<![\d:])(?P<hour>\d{1,2})\s*[:：时]\s*(?P<minute>\d{2})\s*分?"
    r"(?:\s*[:：]\s*\d{2}(?:\.\d+)?)?(?:\s*(?P<ampm>[ap]\.?\s?m\b\.?))?"
)
_DATE_RE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*"
    r"(?P<d>\d{1,2})(?!\d)\s*日?"
    rf"|\b(?P<mon_md>{_MONTH})\s*(?P<d_md>\d{{1,2}})(?:st|nd|rd|th)?\b,?\s*(?P<y_md>\d{{4}})(?!\d)"
    rf"|(?<!\d)(?P<d_dm>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon_dm>{_MONTH}),?\s*"
    r"(?P<y_dm>\d{4})(?!\d)",
    re.IGNORECASE,
)
_TIME_AFTER_RE = re.compile(rf"(?:\s*(?:T|,|at|@|[-–|/·•])?\s*){_TIME}", re.IGNORECASE)
_TIME_BEFORE_RE = re.compile(
    rf"{_TIME}(?:\s*[A-Z]{{2,4}}\b)?[\s,|/·•–-]*$",  # "9:05 PM EST Mar 5, 2024"
    re.IGNORECASE,
)
_OLDEST = 1900
_FUTURE_SLACK = timedelta(days=1)  # a page in UTC+14 may be dated tomorrow


@dataclass(frozen=True, slots=True)
class DateMatch:
    """A valid date found in a text, its ISO form and where it was written."""

    iso: str
    start: int
    end: int


def find_dates(text: str) -> Iterator[DateMatch]:
    """Every possible date of the text, in order; impossible and future dates are skipped."""
    for match in _DATE_RE.finditer(text):
        day = _day(match)
        if day is None:
            continue
        start, end = match.start(), match.end()
        clock = _TIME_AFTER_RE.match(text, end)
        if clock is not None and _clock(clock) is not None:
            end = clock.end()
        else:
            clock = _TIME_BEFORE_RE.search(text, max(0, start - 24), start)
            if clock is not None and _clock(clock) is not None:
                start = clock.start()
        hhmm = _clock(clock) if clock is not None else None
        yield DateMatch(f"{day.isoformat()}T{hhmm}" if hhmm else day.isoformat(), start, end)


def parse_date(text: str | None) -> str | None:
    """The first valid date of a text in ISO 8601, with the time of day when one is given."""
    return next((found.iso for found in find_dates(text)), None) if text else None


def _day(match: re.Match[str]) -> date | None:
    """The date of a match, or None when it cannot be a publication date."""
    if match["y"]:
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    elif match["y_md"]:
        year, month, day = int(match["y_md"]), _month(match["mon_md"]), int(match["d_md"])
    else:
        year, month, day = int(match["y_dm"]), _month(match["mon_dm"]), int(match["d_dm"])
    try:
        found = date(year, month, day)
    except ValueError:  # month 13, day 32, 30 February
        return None
    if found.year < _OLDEST or found > date.today() + _FUTURE_SLACK:
        return None
    return found


def _month(name: str) -> int:
    return _MONTHS.index(name[:3].lower()) + 1


def _clock(match: re.Match[str]) -> str | None:
    """``HH:MM`` on a 24-hour clock, or None when the digits are not a time of day."""
    hour, minute = int(match["hour"]), int(match["minute"])
    ampm = (match["ampm"] or "")[:1].lower()
    if ampm and not 1 <= hour <= 12:
        return None
    if ampm == "p" or (match["ampm_zh"] in ("下午", "晚上") and hour < 12):
        hour = hour % 12 + 12
    elif ampm == "a":
        hour %= 12
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"
