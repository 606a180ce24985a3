"""Main text and metadata of HTML pages."""

from __future__ import annotations

import copy
import functools
import logging
import re
from importlib.metadata import version

import lxml.etree
import lxml.html
import trafilatura

from nlp._encoding import decode_html
from nlp.types import Extracted

__all__ = ["EXTRACTOR_VERSION", "decode_html", "extract_html"]

logger = logging.getLogger(__name__)

EXTRACTOR_VERSION = f"yuliao-extract/1+trafilatura-{version('trafilatura')}"

_DROP_TAGS = (
    "script", "style", "noscript", "template", "iframe", "svg", "canvas", "form", "button",
    "select", "nav", "header", "footer", "aside", "menu",
)  # fmt: skip
_BLOCK_TAGS = frozenset(
    "address article blockquote body br dd div dl dt fieldset figcaption figure h1 h2 h3 h4 h5 "
    "h6 hr li main ol p pre section table td th tr ul".split()
)
_JUNK_CHARS = frozenset(
    [chr(c) for c in range(32) if chr(c) not in "\t\n\r\f"]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + ["\ufffd"]
)
_SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


def extract_html(html: str, *, url: str | None = None) -> Extracted | None:
    """The main text of a page, one paragraph per line, with its metadata.

    Returns None when the page has no main text (empty, boilerplate only, not HTML).
    Never raises on malformed input.
    """
    tree = _parse(html)
    if tree is None:
        return None
    lang_hint = _lang_hint(tree)
    canonical = _canonical_url(tree)
    doc = _trafilatura(tree, url)
    text = _lines(doc.text) if doc is not None and doc.text else ""
    if not text:
        text = _fallback_text(tree)
    if not text:
        return None
    return Extracted(
        text=text,
        title=_attr(doc, "title") or _title(tree),
        author=_attr(doc, "author"),
        published=_attr(doc, "date"),
        sitename=_attr(doc, "sitename"),
        lang_hint=lang_hint,
        canonical_url=canonical,
    )


def _parse(html: str) -> lxml.html.HtmlElement | None:
    """An lxml tree of the page, or None for input that holds no markup or text."""
    if not html or html.isspace() or _is_binary(html):
        return None
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None
    return tree if isinstance(tree, lxml.html.HtmlElement) else None


def _is_binary(html: str) -> bool:
    """True for bytes that were never text: many control or replacement characters."""
    sample = html[:4096]
    junk = sum(1 for ch in sample if ch in _JUNK_CHARS)
    return junk > 0.05 * len(sample)


@functools.cache
def _quiet_trafilatura() -> None:
    """Trafilatura logs per-page warnings; the crawler counts drops instead."""
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.ERROR)
        logging.getLogger(name).addHandler(logging.NullHandler())


def _trafilatura(tree: lxml.html.HtmlElement, url: str | None) -> trafilatura.settings.Document:
    """Trafilatura's reading of a copy of the tree (it prunes what it is given)."""
    _quiet_trafilatura()
    try:
        return trafilatura.bare_extraction(
            copy.deepcopy(tree),
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
        )
    except (ValueError, TypeError, RecursionError, lxml.etree.LxmlError) as exc:
        logger.debug("trafilatura failed on %s: %s", url, exc)
        return None


def _attr(doc: object, name: str) -> str | None:
    value = getattr(doc, name, None)
    return value.strip() or None if isinstance(value, str) else None


def _lang_hint(tree: lxml.html.HtmlElement) -> str | None:
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    return lang.strip() or None if lang else None


def _canonical_url(tree: lxml.html.HtmlElement) -> str | None:
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if "canonical" in rel and href:
            return href
    return None


def _title(tree: lxml.html.HtmlElement) -> str | None:
    node = tree.find(".//title")
    return _SPACE_RE.sub(" ", node.text_content()).strip() or None if node is not None else None


def _fallback_text(tree: lxml.html.HtmlElement) -> str:
    """Block text of <article>, <main> or <body> without navigation and scripts."""
    root = next((el for tag in ("article", "main", "body") for el in tree.iter(tag)), tree)
    for tag in _DROP_TAGS:
        for el in list(root.iter(tag)):
            if el is not root:
                el.drop_tree()
    return _lines("".join(_block_pieces(root)))


def _block_pieces(root: lxml.html.HtmlElement) -> list[str]:
    """Text of the subtree with a newline at every block boundary (iterative: deep trees)."""
    pieces: list[str] = []
    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        block = el.tag in _BLOCK_TAGS
        if event == "start":
            pieces.append("\n" if block else "")
            pieces.append(el.text or "")
        else:
            pieces.append("\n" if block else "")
            if el is not root:
                pieces.append(el.tail or "")
    return pieces


def _lines(text: str) -> str:
    """One paragraph per line: whitespace collapsed, empty lines dropped."""
    lines = (_SPACE_RE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
