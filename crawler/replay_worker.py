"""What a replayed page runs in a worker process: the crawl's two steps in one call.

Kept apart from :mod:`crawler.replay` so that the workers import ``nlp`` and
:mod:`crawler.work` only, as a crawl's workers do.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import nlp
from crawler import settings
from crawler.work import (
    TextAnalysis,
    analyze_text,
    extract_page,
    unusable_body,
    unusable_extraction,
)
from nlp import Extracted
from nlp.tokenize import tokenizer_version


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    """What every worker needs to know besides the page."""

    userdict: str | None = None  # a jieba user dictionary file
    max_chars: int = settings.YULIAO_MAX_CHARS


@dataclass(frozen=True, slots=True)
class Analyzed:
    """What a worker makes of a page that is kept."""

    encoding: str
    encoding_source: str
    extracted: Extracted
    analysis: TextAnalysis


def analyze_page(
    body: bytes, http_charset: str | None, url: str, options: ReplayOptions
) -> Analyzed | str:
    """Extract and analyze a page (in a worker); the reason when it is dropped."""
    _use_userdict(options.userdict)
    reason = unusable_body(body, http_charset)
    if reason:
        return reason
    encoding, source, extracted = extract_page(body, http_charset, url)
    reason = unusable_extraction(source, extracted, options.max_chars)
    if reason:
        return reason
    assert extracted is not None
    analysis = analyze_text(extracted.text)
    if not analysis.n_tokens:
        return "no_tokens"
    return Analyzed(encoding, source, extracted, analysis)


def current_tokenizer(options: ReplayOptions) -> str:
    """The tokenizer version a worker stamps on documents, user dictionary included."""
    _use_userdict(options.userdict)
    return tokenizer_version()


@functools.cache
def _use_userdict(path: str | None) -> None:
    if path is not None:
        nlp.load_userdict(path)
