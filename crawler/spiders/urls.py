"""The ``urls`` spider: fetch the pages of a list, follow no links."""

from __future__ import annotations

from crawler.spiders.base import CorpusSpider


class UrlsSpider(CorpusSpider):
    """Fetch exactly the given pages: ``scrapy crawl urls -a urls_file=urls.txt``.

    The file has one URL per line (blank lines and ``#`` comments skipped) and is read as a
    stream, so it may be long; URLs may be on any site.
    """

    name = "urls"
    restrict_hosts = False
