"""Progress of a long command other than a crawl (``import-warc``, ``reprocess``) on stderr.

As for a crawl (:mod:`crawler.progress`): a live bar when stderr is a terminal, otherwise a
plain ``progress:`` line every ``YULIAO_PROGRESS_INTERVAL`` seconds (10), nothing when quiet.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

if TYPE_CHECKING:
    from typing_extensions import Self

_REDRAW_S = 0.25


class TaskProgress:
    """Show how far a task is: ``done`` out of ``total`` units, and a line of figures."""

    def __init__(self, title: str, total: float, *, quiet: bool) -> None:
        self.total = total
        self.quiet = quiet
        self.interval = _interval()
        self._last = time.monotonic()
        self._bar: Progress | None = None
        if not quiet and sys.stderr.isatty():
            self._bar = Progress(
                TextColumn(title),
                BarColumn(),
                TaskProgressColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[line]}"),
                console=Console(stderr=True),
                auto_refresh=False,  # redrawn from update(): no thread writing to stderr
                transient=True,
            )
            self._task = self._bar.add_task(title, total=total or None, line="")

    def __enter__(self) -> Self:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, done: float, line: str) -> None:
        """Record progress; redraw or print when it is time."""
        now = time.monotonic()
        if self._bar is not None and now - self._last >= _REDRAW_S:
            self._last = now
            self._bar.update(self._task, completed=done, line=line, refresh=True)
        elif self._bar is None and not self.quiet and now - self._last >= self.interval:
            self._last = now
            share = f" ({done / self.total:.0%})" if self.total else ""
            click.echo(f"progress{share}: {line}", err=True)


def _interval() -> float:
    """``YULIAO_PROGRESS_INTERVAL``, checked: a typo there is bad usage, not a traceback."""
    text = os.environ.get("YULIAO_PROGRESS_INTERVAL") or "10"
    with contextlib.suppress(ValueError):
        seconds = float(text)
        if seconds >= 0:  # not NaN either
            return seconds
    raise click.UsageError(f"YULIAO_PROGRESS_INTERVAL is not a number of seconds: {text!r}")


def reasons(counts: Mapping[str, int]) -> str:
    """``not html: 2, http 404: 1``: counts by reason, most frequent first."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{reason.replace('_', ' ')}: {n}" for reason, n in ranked)
