# Scrapy settings for the yuliao crawler.
#
# Polite defaults for collecting public pages into a text corpus. Every value can be
# overridden with `yuliao crawl` flags or `scrapy crawl -s NAME=VALUE`.
#
#     https://docs.scrapy.org/en/latest/topics/settings.html

BOT_NAME = "yuliao"

SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ADDONS: dict[str, int] = {}

# Crawl responsibly by identifying yourself: `yuliao crawl --contact URL` appends a page or
# mailto: where site owners can reach you, as in "yuliao/0.1 (+https://example.org/bot)".
USER_AGENT = "yuliao/0.1"

# Obey robots.txt rules
ROBOTSTXT_OBEY = True

# Concurrency and throttling: two requests per site at a time, AutoThrottle adapts the delay
# to the server's latency, never going below DOWNLOAD_DELAY.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0
# See https://docs.scrapy.org/en/latest/topics/autothrottle.html
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Limits: a corpus needs pages, not 1 GB downloads or 3-minute stalls.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
DEPTH_LIMIT = 5
URLLENGTH_LIMIT = 2083

# Only http and https: file://, data:, s3:// and ftp:// links never reach a handler.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "s3": None, "ftp": None}

# Cookies are not needed for public pages and only make crawls less repeatable.
COOKIES_ENABLED = False

# A crawler listens on no port: no telnet console, no remote-control server.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# Configure item pipelines
# See https://docs.scrapy.org/en/latest/topics/item-pipeline.html
ITEM_PIPELINES = {
    "crawler.pipelines.ExtractPipeline": 100,
    "crawler.pipelines.NlpPipeline": 200,
    "crawler.pipelines.StoragePipeline": 300,
}

# yuliao settings. YULIAO_DB falls back to the YULIAO_DB environment variable, then to
# sqlite:///corpus.db; YULIAO_WORKERS (processes for extraction and NLP) to the CPU count.
YULIAO_DB = None
YULIAO_WORKERS = 0
YULIAO_BATCH_SIZE = 50
YULIAO_CRAWL_NAME = None

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
