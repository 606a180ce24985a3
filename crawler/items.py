"""The item a spider yields for every HTML page; pipelines fill in the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from crawler.work import TextAnalysis
from nlp import Extracted
from nlp.extract import EXTRACTOR_VERSION
from storage import NewDocument


@dataclass(slots=True)
class PageItem:
    """A fetched page on its way from the downloader to the corpus.

    ``request_url`` is the URL as the frontier knows it (before redirects); ``url`` is where
    the page was found in the end.
    """

    url: str
    body: bytes = field(repr=False)
    request_url: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    http_charset: str | None = None
    depth: int = 0
    fetched_at: datetime | None = None
    encoding: str | None = None
    encoding_source: str | None = None
    extracted: Extracted | None = field(default=None, repr=False)
    analysis: TextAnalysis | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.request_url = self.request_url or self.url

    def document(self, crawl_name: str | None, *, keep_html: bool) -> NewDocument:
        """The document to store, once extracted and analyzed; the raw page if ``keep_html``."""
        extracted, analysis = self.extracted, self.analysis
        assert extracted is not None
        assert analysis is not None
        return NewDocument(
            url=self.url,
            text=analysis.text,
            tokens=analysis.tokens,
            lang=analysis.lang,
            content_hash=analysis.content_hash,
            simhash=analysis.fingerprint,
            n_chars=analysis.n_chars,
            n_tokens=analysis.n_tokens,
            n_sentences=analysis.n_sentences,
            domain=urlsplit(self.url).hostname or "",
            canonical_url=extracted.canonical_url,
            crawl_name=crawl_name,
            http_status=self.status,
            fetched_at=self.fetched_at,
            published_at=extracted.published,
            title=extracted.title,
            author=extracted.author,
            encoding=self.encoding,
            encoding_source=self.encoding_source,
            tokenizer=analysis.tokenizer,
            extractor=EXTRACTOR_VERSION,
            body=self.body if keep_html else None,
            headers=self.headers if keep_html else None,
        )
