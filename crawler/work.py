"""The functions that run inside worker processes: plain ``nlp`` calls, no Scrapy."""

from __future__ import annotations

import nlp
from nlp import Decoded, Extracted


def warm_up() -> None:
    """Load the segmentation dictionary once per worker, before the first page arrives."""
    nlp.tokenize("预热")


def extract_page(
    body: bytes, http_charset: str | None, url: str
) -> tuple[Decoded, Extracted | None]:
    """Decode a page's bytes and extract its main text."""
    decoded = nlp.decode_html(body, http_charset=http_charset)
    return decoded, nlp.extract_html(decoded.text, url=url)
