"""The figures of a crawl, read from Scrapy's stats: for live progress and the final summary.

The same stats are stored in ``crawls.stats``, so the database keeps the figures shown here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.table import Table
from rich.text import Text

# Scrapy's close reason → the status of the crawl. A crawl that is not "finished" resumes when
# run again under the same name (a page limit, Ctrl-C, a kill, a database error).
_STATUS = {
    "finished": "finished",
    "shutdown": "interrupted",
    "database_error": "failed",
    "frontier_error": "failed",  # the shared frontier (Redis) failed
}


def crawl_status(reason: str | None) -> str:
    """The status recorded for a crawl that closed for ``reason`` (``None``: still running)."""
    return "running" if reason is None else _STATUS.get(reason, "stopped")


@dataclass(frozen=True, slots=True)
class CrawlSummary:
    """Counts a user wants: fetched, stored, dropped and failed by reason, speed, queue."""

    seconds: float
    fetched: int
    stored: int
    errors: int
    queued: int
    status: str
    dropped: dict[str, int]
    failed: dict[str, int]
    links_skipped: dict[str, int]
    seed_failures: dict[str, str]

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any], seconds: float, queued: int = 0) -> CrawlSummary:
        return cls(
            seconds=seconds,
            fetched=int(stats.get("response_received_count", 0)),
            stored=int(stats.get("yuliao/stored", 0)),
            errors=int(stats.get("log_count/ERROR", 0)),
            queued=queued,
            status=crawl_status(stats.get("finish_reason")),
            dropped=_by_reason(stats, "yuliao/dropped/"),
            failed=_by_reason(stats, "yuliao/failed/"),
            links_skipped=_by_reason(stats, "yuliao/links_skipped/"),
            seed_failures=_by_reason(stats, "yuliao/seed_error/"),
        )

    @property
    def rate(self) -> float:
        """Pages fetched per second."""
        return self.fetched / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        """One line of progress."""
        return (
            f"{self.fetched} fetched, {self.stored} stored, {sum(self.dropped.values())} dropped, "
            f"{sum(self.failed.values())} failed, {self.rate:.1f} pages/s, "
            f"{self.queued} queued, {_clock(self.seconds)} elapsed"
        )

    def render(self, name: str) -> str:
        """The end-of-crawl paragraph: a headline, then one line per kind of reason."""
        headline = (
            f"crawl {name!r} {self.status} in {self.seconds:.1f} s: {self.fetched} fetched, "
            f"{self.stored} stored, {sum(self.dropped.values())} dropped, "
            f"{sum(self.failed.values())} failed, {self.errors} errors"
        )
        return "\n".join([headline, *self.details()])

    def details(self) -> list[str]:
        """One line per kind of reason: dropped, failed, links skipped."""
        return [f"  {title}: {_reasons(counts)}" for title, counts in self._groups() if counts]

    def table(self, name: str) -> Table:
        """The end-of-crawl summary as a table, for a terminal."""
        title = f"crawl {name!r} {self.status}"
        table = Table(title=title, box=None, show_header=False, min_width=len(title) + 4)
        table.add_column(style="bold")
        table.add_column(justify="right")
        table.add_column()
        table.add_row("elapsed", _clock(self.seconds), f"{self.rate:.1f} pages/s")
        for label, value in (("fetched", self.fetched), ("stored", self.stored)):
            table.add_row(label, str(value), "")
        for title, counts in self._groups():
            if counts:
                table.add_row(title, str(sum(counts.values())), Text(_reasons(counts)))
        table.add_row("errors", str(self.errors), "logged above" if self.errors else "")
        return table

    def seed_errors(self, seeds: list[str]) -> str:
        """Why each start URL failed, in one line."""
        return "; ".join(
            f"{seed} ({str(self.seed_failures.get(seed, 'no response')).replace('_', ' ')})"
            for seed in seeds
        )

    def _groups(self) -> tuple[tuple[str, dict[str, int]], ...]:
        return (
            ("dropped", self.dropped),
            ("failed", self.failed),
            ("links skipped", self.links_skipped),
        )


def _reasons(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{reason.replace('_', ' ')}: {n}" for reason, n in counts.items())


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


def _by_reason(stats: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {
        key[len(prefix) :]: value for key, value in sorted(stats.items()) if key.startswith(prefix)
    }
