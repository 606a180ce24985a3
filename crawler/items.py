"""The item a spider yields for every HTML page; pipelines fill in the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nlp import Analysis, Extracted


@dataclass(slots=True)
class PageItem:
    """A fetched page on its way from the downloader to the corpus."""

    url: str
    body: bytes
    status: int = 200
    http_charset: str | None = None
    depth: int = 0
    fetched_at: datetime | None = None
    encoding: str | None = None
    encoding_source: str | None = None
    extracted: Extracted | None = None
    analysis: Analysis | None = None
