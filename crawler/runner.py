"""Run a spider from Python: settings in, crawl stats out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from crawler.logs import log_to_terminal
from crawler.spiders.site import SiteSpider

SPIDERS = {"site": SiteSpider}


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """What a user can set on the command line, turned into Scrapy settings."""

    db: str
    name: str
    spider: str = "site"
    max_pages: int = 0
    depth: int | None = None
    concurrency: int | None = None
    delay: float | None = None
    contact: str | None = None
    log_level: str = "INFO"
    extra: dict[str, Any] = field(default_factory=dict)

    def settings(self) -> Settings:
        settings = Settings()
        settings.setmodule("crawler.settings", priority="project")
        overrides: dict[str, Any] = {
            "YULIAO_DB": self.db,
            "YULIAO_CRAWL_NAME": self.name,
            "CLOSESPIDER_PAGECOUNT": self.max_pages,
            "LOG_LEVEL": self.log_level,
            "LOG_INSTALL_ROOT_HANDLER": False,  # see log_to_terminal
            **self.extra,
        }
        if self.depth is not None:
            overrides["DEPTH_LIMIT"] = self.depth
        if self.concurrency is not None:
            overrides["CONCURRENT_REQUESTS_PER_DOMAIN"] = self.concurrency
        if self.delay is not None:
            overrides["DOWNLOAD_DELAY"] = self.delay
        if self.contact:
            overrides["USER_AGENT"] = f"{settings['USER_AGENT']} (+{self.contact})"
        settings.setdict(overrides, priority="cmdline")
        return settings


def run_crawl(seeds: list[str], options: CrawlOptions) -> dict[str, Any]:
    """Crawl ``seeds`` with the chosen spider until done; return the crawl's stats."""
    log_to_terminal(options.log_level)  # instead of Scrapy's handler, which prints tracebacks
    process = AsyncCrawlerProcess(options.settings())
    crawler = process.create_crawler(SPIDERS[options.spider])
    process.crawl(crawler, url=" ".join(seeds))
    process.start()
    assert crawler.stats is not None
    return crawler.stats.get_stats()
