"""The item a spider yields for every HTML page; pipelines fill in the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crawler.work import TextAnalysis
from nlp import Extracted


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
