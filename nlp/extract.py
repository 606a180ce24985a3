"""Main text and metadata of HTML pages.

A fast pass (resiliparse's main-content blocks, then text density, see
:mod:`nlp._boilerplate`) decides most pages. Where it is unsure, because little
prose was found or a second large block of prose was left out, trafilatura
reads the page more carefully. Title, author, date and site come from the page's
markup and its bylines (see :mod:`nlp._metadata`); byline lines found at the top
or the end of the text are then dropped from it.
"""

from __future__ import annotations

import functools
import logging
import re
from importlib.metadata import version
from urllib.parse import urljoin

from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLTree

from nlp._boilerplate import Selection, select_main_text
from nlp._byline import drop_bylines
from nlp._encoding import decode_html, looks_binary
from nlp._metadata import read_metadata
from nlp.types import Extracted

__all__ = ["EXTRACTOR_VERSION", "decode_html", "extract_html", "looks_binary"]

logger = logging.getLogger(__name__)

EXTRACTOR_VERSION = (
    f"yuliao-extract/4+resiliparse-{version('resiliparse')}+trafilatura-{version('trafilatura')}"
)

# Controls but line breaks, C1 controls, U+FFFD left by decoding, lone surrogates: never text.
_JUNK_RE = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffd]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_SPACE_RE = re.compile(r"[ \t\u00a0\u3000]+")  # \r, \f and \v break lines
_MIN_SURE_CONTENT = 50  # units of prose below which the fast pass asks trafilatura
_MAX_LEFT_OUT = 0.25  # share of prose outside the chosen run that makes it unsure
# Resiliparse's main-content pass takes time quadratic in nesting depth (seconds at a depth
# of 10,000), so deeply nested pages get plain text. Pages with few tags cannot be that deep.
_NESTING = (
    "a|article|b|blockquote|center|dd|div|dl|em|font|form|i|li|ol|section|span|strong|table"
    "|tbody|td|tr|ul"
)
_NESTING_RE = re.compile(  # lower or upper case: twice as fast as IGNORECASE
    rf"<(/?)(?:{_NESTING}|{_NESTING.upper()})\b"
)
_MAX_DEPTH = 1000
_FEW_TAGS = 2000


def extract_html(html: str, *, url: str | None = None) -> Extracted | None:
    """Return the main text of a page, one paragraph per line, with its metadata.

    Returns None when the page has no main text (empty, boilerplate only, not HTML).
    Never raises on malformed input.
    """
    if not html or html.isspace() or _is_binary(html):
        return None
    if "\x00" in html:  # the parser would make it U+FFFD
        html = html.replace("\x00", "")
    try:
        tree = HTMLTree.parse(html)
    except UnicodeEncodeError:  # lone surrogates, which no database stores either
        html = _SURROGATE_RE.sub("", html)
        tree = HTMLTree.parse(html)
    if _is_deep(html):
        text = extract_plain_text(tree, main_content=False, list_bullets=False, alt_texts=False)
    else:
        selection = select_main_text(tree)
        text = (_careful(html, url) if _unsure(selection) else None) or selection.text
    text = _lines(text)
    if not text:
        return None
    meta = read_metadata(tree, html, text)  # bylines in the text are read, then dropped
    text = drop_bylines(text)
    if not text:
        return None
    return Extracted(
        text=text,
        title=_scrub(meta.title),
        author=_scrub(meta.author),
        published=meta.published,
        sitename=_scrub(meta.sitename),
        lang_hint=_scrub(meta.lang_hint),
        canonical_url=_scrub(
            urljoin(url, meta.canonical_url) if url and meta.canonical_url else meta.canonical_url
        ),
    )


def _is_binary(html: str) -> bool:
    """Tell bytes that were never text: many control or replacement characters."""
    sample = html[:4096]
    return len(_JUNK_RE.findall(sample)) > 0.05 * len(sample)


def _is_deep(html: str) -> bool:
    """Tell whether open tags nest deeper than the main-content pass can afford."""
    if html.count("<") < _FEW_TAGS:
        return False
    tags = _NESTING_RE.findall(html)  # "/" for a closing tag, "" for an opening one
    if len(tags) - tags.count("/") <= _MAX_DEPTH:  # too few opened to nest that deep
        return False
    depth = 0
    for closing in tags:
        depth = max(depth - 1, 0) if closing else depth + 1
        if depth > _MAX_DEPTH:
            return True
    return False


def _unsure(selection: Selection) -> bool:
    """Little prose, or much prose left out: the page needs a structure-aware reading."""
    if not selection.content_in:
        return False  # no prose at all: nothing a careful pass would add
    return (
        selection.content_in < _MIN_SURE_CONTENT
        or selection.content_out > _MAX_LEFT_OUT * selection.content_in
    )


@functools.cache
def _quiet_trafilatura() -> None:
    """Trafilatura logs per-page warnings; the crawler counts drops instead."""
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.ERROR)
        logging.getLogger(name).addHandler(logging.NullHandler())


def _careful(html: str, url: str | None) -> str | None:
    """Trafilatura's text of the page (imported here: it takes a fifth of a second).

    None when lxml, which trafilatura reads with, stopped short: past 256 nested elements
    it silently drops the rest of the page, which the fast pass has seen whole.
    """
    import trafilatura
    from trafilatura.utils import HTML_PARSER, load_html

    _quiet_trafilatura()
    try:
        tree = load_html(html)
        if tree is None or any(error.level_name == "FATAL" for error in HTML_PARSER.error_log):
            return None
        text: str | None = trafilatura.extract(
            tree, url=url, favor_recall=True, include_comments=False, include_tables=True
        )
    except (ValueError, TypeError, RecursionError) as exc:
        logger.debug("trafilatura failed on %s: %s", url, exc)
        return None
    return text


def _lines(text: str) -> str:
    """One paragraph per line: junk characters removed, whitespace collapsed, no empty lines."""
    text = _SPACE_RE.sub(" ", _JUNK_RE.sub("", text))
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _scrub(value: str | None) -> str | None:
    """A metadata value without junk characters (JSON-LD can escape NUL and lone surrogates)."""
    return _lines(value) or None if value else None
