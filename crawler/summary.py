"""The end-of-crawl summary, read from Scrapy's stats."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CrawlSummary:
    """Counts a user wants after a crawl: fetched, stored, dropped and failed by reason."""

    seconds: float
    fetched: int
    stored: int
    errors: int
    seeds_fetched: int
    dropped: dict[str, int]
    failed: dict[str, int]
    seed_failures: dict[str, str]

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any], seconds: float) -> CrawlSummary:
        return cls(
            seconds=seconds,
            fetched=int(stats.get("response_received_count", 0)),
            stored=int(stats.get("yuliao/stored", 0)),
            errors=int(stats.get("log_count/ERROR", 0)),
            seeds_fetched=int(stats.get("yuliao/seeds_fetched", 0)),
            dropped=_by_reason(stats, "yuliao/dropped/"),
            failed=_by_reason(stats, "yuliao/failed/"),
            seed_failures=_by_reason(stats, "yuliao/seed_error/"),
        )

    def render(self, name: str) -> str:
        """One paragraph for stderr."""
        headline = (
            f"crawl {name!r} done in {self.seconds:.1f} s: {self.fetched} fetched, "
            f"{self.stored} stored, {sum(self.dropped.values())} dropped, "
            f"{sum(self.failed.values())} failed, {self.errors} errors"
        )
        lines = [headline]
        for title, counts in (("dropped", self.dropped), ("failed", self.failed)):
            if counts:
                reasons = ", ".join(
                    f"{reason.replace('_', ' ')}: {n}" for reason, n in counts.items()
                )
                lines.append(f"  {title}: {reasons}")
        return "\n".join(lines)

    def seed_errors(self, seeds: list[str]) -> str:
        """Why each start URL failed, in one line."""
        return "; ".join(
            f"{seed} ({str(self.seed_failures.get(seed, 'no response')).replace('_', ' ')})"
            for seed in seeds
        )


def _by_reason(stats: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {
        key[len(prefix) :]: value for key, value in sorted(stats.items()) if key.startswith(prefix)
    }
