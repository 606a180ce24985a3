"""What runs inside the worker processes: plain ``nlp`` calls, no Scrapy, no database.

Each call is bounded in time by the worker itself (an interval timer), so a pathological page
costs at most the per-page limit; the parent recycles the pool if a call does not come back
even then (code in C or Rust that never returns to the interpreter).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any, TypeVar

import nlp
from nlp import Extracted
from nlp.extract import looks_binary

T = TypeVar("T")


class PageTimeout(Exception):
    """A page's extraction or analysis took longer than the per-page limit."""


class _Alarm(BaseException):
    """Raised by the timer; a BaseException so that no ``except Exception`` swallows it."""


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    """What the corpus keeps of :func:`nlp.analyze`: compact, so it crosses processes cheaply."""

    text: str
    lang: str
    tokens: str  # space-joined token stream
    n_chars: int
    n_tokens: int
    n_sentences: int
    fingerprint: int
    content_hash: str
    tokenizer: str


def warm_up(crawler: int) -> None:
    """Prepare a new worker: leave Ctrl-C to the crawler, load dictionaries and models once.

    Workers run at a lower priority than the crawler, so that the reactor gets the CPU first
    when every core is busy analyzing pages. ``crawler`` is the crawler's pid, as the crawler
    gives it: if it died while this worker was still starting, ``os.getppid()`` would already
    name another process, and the worker would wait for the wrong one.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the crawler decides how to stop its pages
    os.nice(5)
    threading.Thread(target=_exit_with, args=(crawler,), daemon=True).start()
    extract_page(
        "<html><body><article><p>预热 warm-up.</p></article></body></html>".encode(), None, ""
    )
    analyze_text("预热。Warming up the worker.")


def call_with_limit(limit: float, func: Callable[..., T], *args: Any) -> tuple[int, float, T]:
    """Run ``func(*args)`` for at most ``limit`` seconds.

    Returns:
        This worker's pid, the seconds the call took, and its result.

    Raises:
        PageTimeout: the call was interrupted at the limit.
    """
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    started = time.monotonic()
    try:
        result = func(*args)
        return os.getpid(), time.monotonic() - started, result
    except _Alarm:
        raise PageTimeout(f"over {limit:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def extract_page(
    body: bytes, http_charset: str | None, url: str
) -> tuple[str, str, Extracted | None]:
    """Decode a page's bytes and extract its main text; also say how it was decoded."""
    decoded = nlp.decode_html(body, http_charset=http_charset)
    return decoded.encoding, decoded.source, nlp.extract_html(decoded.text, url=url)


def unusable_body(body: bytes, http_charset: str | None) -> str | None:
    """Why a page's bytes are not worth extracting (``empty``, ``not_html``), or ``None``."""
    if not body or body.isspace():
        return "empty"
    if looks_binary(body, http_charset=http_charset):
        return "not_html"  # an image or an archive labelled as HTML
    return None


def unusable_extraction(source: str, extracted: Extracted | None, max_chars: int) -> str | None:
    """Why an extracted page is not kept, or ``None``.

    ``encoding_uncertain``: no encoding read the bytes as text (likely mojibake), so the page
    is never stored, searched or counted; ``no_main_text``; ``too_large`` (over ``max_chars``,
    0 for no limit).
    """
    if source == "fallback":
        return "encoding_uncertain"
    if extracted is None or not extracted.text.strip():
        return "no_main_text"
    if max_chars and len(extracted.text) > max_chars:
        return "too_large"
    return None


def analyze_text(text: str) -> TextAnalysis:
    """Normalize, detect the language, split sentences and tokens of a page's main text."""
    analysis = nlp.analyze(text)
    return TextAnalysis(
        text=analysis.text,
        lang=analysis.lang,
        tokens=" ".join(token.text for token in analysis.tokens),
        n_chars=analysis.n_chars,
        n_tokens=analysis.n_tokens,
        n_sentences=analysis.n_sentences,
        fingerprint=analysis.fingerprint,
        content_hash=analysis.content_hash,
        tokenizer=analysis.tokenizer,
    )


def _exit_with(crawler: int) -> None:
    """End this worker once the crawler is gone: after a kill -9, nothing else would tell it."""
    while os.getppid() == crawler:
        time.sleep(1)
    os._exit(1)


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Alarm
