"""Run a spider from Python: options in, crawl stats out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from crawler.context import CrawlContext
from crawler.logs import log_to_terminal

SPIDERS = ("site", "sitemap", "feed", "urls")


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """What a user can set on the command line, turned into Scrapy settings and arguments."""

    db: str
    name: str
    spider: str = "site"
    urls_file: str | None = None
    allow_domains: Sequence[str] = ()
    allow_hosts: Sequence[str] = ()
    max_pages: int = 0
    depth: int | None = None
    concurrency: int | None = None
    delay: float | None = None
    timeout: float | None = None
    max_size: int | None = None
    langs: Sequence[str] = ()
    contact: str | None = None
    keep_html: bool = True
    frontier: str | None = None  # a Redis URL: one crawl shared by several workers
    warc: str | None = None
    quiet: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def settings(self) -> Settings:
        settings = Settings()
        settings.setmodule("crawler.settings", priority="project")
        overrides: dict[str, Any] = {
            "YULIAO_DB": self.db,
            "YULIAO_CRAWL_NAME": self.name,
            "YULIAO_KEEP_HTML": self.keep_html,
            "YULIAO_WARC": self.warc,
            "CLOSESPIDER_PAGECOUNT": self.max_pages,
            "LOG_LEVEL": "ERROR" if self.quiet else "INFO",
            "LOG_INSTALL_ROOT_HANDLER": False,  # see log_to_terminal
        }
        if self.quiet:
            overrides["YULIAO_PROGRESS"] = "off"
        if self.langs:
            overrides["YULIAO_LANGS"] = list(self.langs)
        if self.frontier:
            overrides["SCHEDULER"] = "crawler.distributed.scheduler.RedisScheduler"
            overrides["REDIS_URL"] = self.frontier
        if self.allow_hosts:
            overrides["YULIAO_ALLOW_HOSTS"] = ",".join(self.allow_hosts)
        if self.depth is not None and self.spider == "site":
            overrides["DEPTH_LIMIT"] = self.depth
        if self.concurrency is not None:
            overrides["CONCURRENT_REQUESTS_PER_DOMAIN"] = self.concurrency
            overrides["CONCURRENT_REQUESTS"] = max(
                self.concurrency, settings.getint("CONCURRENT_REQUESTS")
            )
        if self.delay is not None:
            overrides["DOWNLOAD_DELAY"] = self.delay
        if self.timeout is not None:
            overrides["DOWNLOAD_TIMEOUT"] = self.timeout
        if self.max_size is not None:
            overrides["DOWNLOAD_MAXSIZE"] = self.max_size
            overrides["DOWNLOAD_WARNSIZE"] = min(
                self.max_size, settings.getint("DOWNLOAD_WARNSIZE")
            )
        if self.contact:
            overrides["USER_AGENT"] = f"{settings['USER_AGENT']} (+{self.contact})"
        settings.setdict({**overrides, **self.extra}, priority="cmdline")
        return settings

    def spider_args(self, seeds: Sequence[str]) -> dict[str, str]:
        args = {"url": " ".join(seeds), "allow_domain": ",".join(self.allow_domains)}
        if self.urls_file:
            args["urls_file"] = self.urls_file
        return args


def run_crawl(seeds: Sequence[str], options: CrawlOptions) -> dict[str, Any]:
    """Crawl ``seeds`` with the chosen spider until done or stopped; return the crawl's stats.

    One Ctrl-C (or SIGTERM) lets the pages in flight finish and be committed; a second stops
    at once. Either way the database holds only whole transactions, and running the same crawl
    again resumes it.
    """
    log_to_terminal("ERROR" if options.quiet else "INFO")  # Scrapy's handler prints tracebacks
    process = AsyncCrawlerProcess(options.settings())
    crawler = process.create_crawler(options.spider)
    CrawlContext.of(crawler).pool.start()  # workers warm up while Scrapy starts
    process.crawl(crawler, **options.spider_args(seeds))
    try:
        process.start()
    finally:
        CrawlContext.of(crawler).stop_workers()  # after a forced stop, workers may still run
    assert crawler.stats is not None
    return crawler.stats.get_stats()
