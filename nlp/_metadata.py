"""Page metadata from <head> markup, JSON-LD and the first lines of text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from resiliparse.parse.html import HTMLTree

_TITLE_KEYS = ("og:title", "twitter:title", "dc.title")
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "byl", "sailthru.author")
_DATE_KEYS = (
    "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "dc.date.issued", "dc.date", "date", "sailthru.date", "parsely-pub-date",
)  # fmt: skip
_SITE_KEYS = ("og:site_name", "application-name", "twitter:site")
_DATE_RE = re.compile(r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_AUTHOR_LINE_RE = re.compile(r"(?:作者|文|记者)\s*[:：|]\s*([^\s|，,]{2,12})")
_TITLE_SPLIT_RE = re.compile(r"\s+[-–—|_]\s+|_|｜")
_TEXT_LINES = 12  # dates and bylines sit near the top of the text


@dataclass(frozen=True, slots=True)
class Metadata:
    """What a page says about itself; every field may be missing."""

    title: str | None
    author: str | None
    published: str | None
    sitename: str | None
    lang_hint: str | None
    canonical_url: str | None


def read_metadata(tree: HTMLTree, text: str) -> Metadata:
    """Title, author, date, site, language and canonical URL of a parsed page."""
    meta = _meta_values(tree)
    ld = _json_ld(tree)
    head = text.splitlines()[:_TEXT_LINES]
    return Metadata(
        title=_first(meta, _TITLE_KEYS) or _title_from_tag(tree),
        author=_first(meta, _AUTHOR_KEYS, skip_urls=True) or _ld_name(ld, "author") or _byline(head),
        published=_date(_first(meta, _DATE_KEYS) or _ld_text(ld, "datePublished"), head),
        sitename=_first(meta, _SITE_KEYS) or _ld_name(ld, "publisher"),
        lang_hint=_attribute(tree, "html", "lang"),
        canonical_url=_attribute(tree, "link[rel~=canonical]", "href"),
    )


def _meta_values(tree: HTMLTree) -> dict[str, str]:
    """``<meta>`` contents by lower-cased name, property or itemprop (first one wins)."""
    values: dict[str, str] = {}
    if tree.document is None:
        return values
    for node in tree.document.query_selector_all("meta[content]"):
        key = node.getattr("name") or node.getattr("property") or node.getattr("itemprop")
        content = _clean(node.getattr("content"))
        if key and content:
            values.setdefault(key.strip().lower(), content)
    return values


def _first(values: dict[str, str], keys: tuple[str, ...], *, skip_urls: bool = False) -> str | None:
    for key in keys:
        value = values.get(key)
        if value and not (skip_urls and value.startswith(("http://", "https://", "@"))):
            return value
    return None


def _title_from_tag(tree: HTMLTree) -> str | None:
    """``<h1>`` when the ``<title>`` contains it, else the longest part of ``<title>``."""
    title = _clean(tree.title)
    h1 = tree.document.query_selector("h1") if tree.document is not None else None
    heading = _clean(h1.text) if h1 is not None else None
    if heading and (not title or heading in title):
        return heading
    if not title:
        return None
    return max(_TITLE_SPLIT_RE.split(title), key=len).strip() or title


def _json_ld(tree: HTMLTree) -> list[dict[str, Any]]:
    """JSON-LD objects of the page, flattened out of lists and ``@graph``."""
    if tree.document is None:
        return []
    objects: list[dict[str, Any]] = []
    for script in tree.document.query_selector_all('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        objects.extend(_ld_objects(data))
    return objects


def _ld_objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item)
    elif isinstance(data, dict):
        yield data
        yield from _ld_objects(data.get("@graph"))


def _ld_text(objects: list[dict[str, Any]], key: str) -> str | None:
    return next((_clean(o[key]) for o in objects if isinstance(o.get(key), str)), None)


def _ld_name(objects: list[dict[str, Any]], key: str) -> str | None:
    """The ``name`` of a person or organisation field, which may be a list."""
    for obj in objects:
        value = obj.get(key)
        value = value[0] if isinstance(value, list) and value else value
        if isinstance(value, dict) and isinstance(value.get("name"), str):
            return _clean(value["name"])
        if isinstance(value, str) and not value.startswith("http"):
            return _clean(value)
    return None


def _byline(lines: list[str]) -> str | None:
    match = next(filter(None, map(_AUTHOR_LINE_RE.search, lines)), None)
    return match.group(1) if match else None


def _date(declared: str | None, lines: list[str]) -> str | None:
    """ISO date from the declared value, else from a date written near the top."""
    for candidate in (declared, *lines):
        match = _DATE_RE.search(candidate or "")
        if match:
            year, month, day = (int(part) for part in match.groups())
            if 1 <= month <= 12 and 1 <= day <= 31:
                return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def _attribute(tree: HTMLTree, selector: str, name: str) -> str | None:
    node = tree.document.query_selector(selector) if tree.document is not None else None
    return _clean(node.getattr(name)) if node is not None else None


def _clean(value: str | None) -> str | None:
    return " ".join(value.split()) or None if value else None
