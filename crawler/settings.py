# Scrapy settings for the yuliao crawler.
#
# Polite defaults for collecting public pages into a text corpus. Every value can be
# overridden with `yuliao crawl` flags (or `-s NAME=VALUE`) or `scrapy crawl -s NAME=VALUE`.
#
#     https://docs.scrapy.org/en/latest/topics/settings.html

BOT_NAME = "yuliao"

SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ADDONS: dict[str, int] = {}

# Crawl responsibly by identifying yourself: `yuliao crawl --contact URL` appends a page or
# mailto: where site owners can reach you, as in "yuliao/0.1 (+https://example.org/bot)".
USER_AGENT = "yuliao/0.1"

# Obey robots.txt by the rules of RFC 9309 (crawler/robots.py): an unreachable or 5xx
# robots.txt means "disallow everything" until it can be read; Crawl-delay is honoured up to
# YULIAO_CRAWL_DELAY_MAX seconds (a host asking for more is skipped, with a message).
ROBOTSTXT_OBEY = True
YULIAO_ROBOTS_RETRY_S = 600.0
YULIAO_CRAWL_DELAY_MAX = 60.0

# Concurrency and throttling: two requests per site at a time, AutoThrottle adapts the delay
# to the server's latency, never going below DOWNLOAD_DELAY or the site's Crawl-delay.
# PoliteDownloader enforces the per-site limit, which Scrapy 2.19's downloader overshoots.
DOWNLOADER = "crawler.downloader.PoliteDownloader"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0
# See https://docs.scrapy.org/en/latest/topics/autothrottle.html
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Retries: 429 and 503 pause the whole site for as long as its Retry-After says (exponential
# backoff from YULIAO_RETRY_BACKOFF_S without one); a site asking for more than
# YULIAO_RETRY_AFTER_MAX seconds is skipped. Giving up is recorded per page, not an error.
RETRY_TIMES = 2
RETRY_GIVE_UP_LOG_LEVEL = "INFO"
YULIAO_RETRY_AFTER_MAX = 120.0
YULIAO_RETRY_BACKOFF_S = 1.0

# Limits: a corpus needs pages, not 1 GB downloads or 3-minute stalls.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
DEPTH_LIMIT = 5
URLLENGTH_LIMIT = 2083
YULIAO_SITEMAP_MAX_URLS = 50_000  # per sitemap, as the sitemap protocol allows
YULIAO_SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # per sitemap or feed, after decompression

# Only http and https: file://, data:, s3:// and ftp:// links never reach a handler. The
# http(s) handler is Scrapy's, with a cap on the size of a response's header lines.
DOWNLOAD_HANDLERS = {
    "http": "crawler.handler.BoundedHTTPDownloadHandler",
    "https": "crawler.handler.BoundedHTTPDownloadHandler",
    "file": None,
    "data": None,
    "s3": None,
    "ftp": None,
}
YULIAO_MAX_HEADER_BYTES = 256 * 1024  # as browsers allow; more fails as headers_too_large

# Links, redirects and meta refreshes never reach a loopback, private, link-local (cloud
# metadata) or otherwise non-public address: crawler/guard.py checks the resolved addresses
# before anything is sent, and again when connecting. Start URLs' exact host:port are allowed;
# YULIAO_ALLOW_HOSTS (also read from the environment) allows more: "intranet.example",
# "10.1.2.3:8080", "192.168.0.0/16", comma-separated.
TWISTED_DNS_RESOLVER = "crawler.guard.GuardedResolver"
YULIAO_ALLOW_HOSTS = ""

# HTTP basic auth, "user:password" (`yuliao crawl --auth`), sent only to the origin (scheme,
# host and port) of YULIAO_AUTH_ORIGIN, the first start URL; never to another port or scheme.
YULIAO_AUTH = None
YULIAO_AUTH_ORIGIN = None

# Cookies are not needed for public pages and only make crawls less repeatable.
COOKIES_ENABLED = False

# A crawler listens on no port: no telnet console, no remote-control server.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# The frontier of record is the database (crawler/scheduler.py): a crawl killed at any moment
# resumes from it. Discovered URLs and outcomes are written in batches.
SCHEDULER = "crawler.scheduler.FrontierScheduler"
YULIAO_FRONTIER_BATCH = 500
YULIAO_FRONTIER_FLUSH_S = 1.0
YULIAO_SEEN_CACHE = 50_000  # URLs remembered in memory in front of the database

# One crawl on several machines (crawler/distributed/): `yuliao crawl --frontier redis://…`
# sets SCHEDULER = "crawler.distributed.scheduler.RedisScheduler" and REDIS_URL. The queue and
# the seen-set are shared in Redis (scrapy-redis); the database stays the record. A page a
# worker popped is leased to it until its outcome is committed: a worker silent for
# YULIAO_LEASE_S seconds (killed) has its pages put back in the queue. A worker stops when
# nothing has been queued, leased or fetched anywhere for YULIAO_IDLE_STOP_S seconds.
REDIS_URL = None
REDIS_PARAMS = {"socket_timeout": 10, "socket_connect_timeout": 10}
YULIAO_LEASE_S = 60.0
YULIAO_IDLE_STOP_S = 30.0

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.AddressGuardMiddleware": 40,  # before offsite, robots.txt and all
    "crawler.middlewares.PeerAddressMiddleware": 990,  # next to the download handler
    "crawler.middlewares.PolitenessMiddleware": 90,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.RobotsMiddleware": 100,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "crawler.middlewares.OriginAuthMiddleware": 300,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.RetryAfterMiddleware": 550,
    "crawler.warc.WarcMiddleware": 950,  # next to the downloader: responses as received
}

# YULIAO_WARC (`yuliao crawl --warc FILE`): archive every request and response in this WARC
# file (gzipped per record, appended to), for `yuliao import-warc` or any WARC tool.
YULIAO_WARC = None

EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.middlewares.CrawlDelayThrottle": 0,
    "scrapy.extensions.logstats.LogStats": None,  # replaced by the progress display
    "crawler.progress.Progress": 0,
}

# Configure item pipelines
# See https://docs.scrapy.org/en/latest/topics/item-pipeline.html
ITEM_PIPELINES = {
    "crawler.pipelines.ExtractPipeline": 100,
    "crawler.pipelines.NlpPipeline": 200,
    "crawler.pipelines.StoragePipeline": 300,
}

# yuliao settings. YULIAO_DB falls back to the YULIAO_DB environment variable, then to
# sqlite:///corpus.db. YULIAO_WORKERS processes (default: the CPU count) extract and analyze
# pages; one page may take YULIAO_PAGE_TIMEOUT seconds there, and while more than
# YULIAO_MAX_BACKLOG pages wait for a worker, nothing new is fetched. Workers are renewed every
# YULIAO_WORKER_MAX_CALLS calls (two per page), so their memory stays bounded.
YULIAO_DB = None
YULIAO_CRAWL_NAME = None
YULIAO_WORKERS = 0
YULIAO_PAGE_TIMEOUT = 20.0
YULIAO_MAX_BACKLOG = 32
YULIAO_WORKER_MAX_CALLS = 2000
YULIAO_MAX_CHARS = 1_000_000  # main text longer than this is dropped as too large
YULIAO_LANGS: list[str] = []  # e.g. ["zh", "en"]: drop pages in other languages
YULIAO_BATCH_SIZE = 50
YULIAO_BATCH_SECONDS = 2.0
YULIAO_KEEP_HTML = True  # keep raw pages, so `yuliao reprocess` needs no refetch
YULIAO_PROGRESS = "auto"  # live, log, off; auto: live on a terminal, else log
YULIAO_PROGRESS_INTERVAL = 10.0

LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawler.logs.PageLogFormatter"
STATS_DUMP = False  # the summary shows the figures; they are stored with the crawl
FEED_EXPORT_ENCODING = "utf-8"
