"""Page metadata: ``<meta>`` tags, JSON-LD, microdata, ``<time>`` and bylines near the title.

What the page declares for machines wins over what it shows to readers, except for
the author: CMS templates often put the site's name in ``<meta name="author">``, so
a byline (see :mod:`nlp._byline`) comes first there. Bylines are read in the page's
header area (see :mod:`nlp._header`), because the main-text pass often drops them
as boilerplate, and in the first lines of the main text.

``published`` is ISO 8601: ``2024-03-05T10:30`` when the page gives a time of day,
``2024-03-05`` otherwise (see :mod:`nlp._dates`).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any

from resiliparse.parse.html import HTMLTree

from nlp._dates import parse_date
from nlp._header import Header, NodeText, clean, headings

_TITLE_KEYS = ("og:title", "twitter:title", "dc.title")
_AUTHOR_KEYS = (
    "author", "article:author", "dc.creator", "dcterms.creator", "byl", "sailthru.author",
    "parsely-author", "citation_author",
)  # fmt: skip
_DATE_KEYS = (
    "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "publish_date", "publishtime", "pubtime", "firstpublishedtime",
    "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "date",
    "citation_publication_date", "citation_date", "sailthru.date", "parsely-pub-date",
)  # fmt: skip
_SITE_KEYS = ("og:site_name", "sitename", "site_name", "application-name", "twitter:site")
_SOURCE_KEYS = ("contentsource", "source")  # the outlet a story was taken from
_CJK = "\u4e00-\u9fff"
# "Story - Site", "Story | Site", "故事_网站", "故事-网站"; a dash between Latin words is not one.
_SEPARATOR = rf"\s*(?:[|｜_]|--|::|\s[-–—]\s|(?<=[{_CJK}”」）])[-–—]|[-–—](?=[{_CJK}]))\s*"
_SEPARATOR_RE = re.compile(_SEPARATOR)
_SEPARATOR_END_RE = re.compile(_SEPARATOR + "$")
_META_TAG_RE = re.compile(r"<(?:meta|META|Meta)\s[^>]*>")  # faster than IGNORECASE
_META_KEY_RE = re.compile(
    r"""(?<![\w-])(?:name|property|itemprop)\s*=\s*["']?\s*([^"'\s>]+)""", re.IGNORECASE
)
_META_KEYS = frozenset(_TITLE_KEYS + _AUTHOR_KEYS + _DATE_KEYS + _SITE_KEYS + _SOURCE_KEYS)
_ATTR_RE = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_SOURCE_LABEL_RE = re.compile(r"^(?:来源|source)\s*[:：]\s*", re.IGNORECASE)
_BY_RE = re.compile(r"^(?:by|von|par|por)\s+", re.IGNORECASE)
_PUBLISHED_SELECTOR = "[itemprop=datePublished]"
_LD_TYPE = "application/ld+json"


@dataclass(frozen=True, slots=True)
class Metadata:
    """What a page says about itself; every field may be missing."""

    title: str | None
    author: str | None
    published: str | None
    sitename: str | None
    lang_hint: str | None
    canonical_url: str | None


def read_metadata(tree: HTMLTree, html: str, text: str) -> Metadata:
    """Title, author, date, site, language and canonical URL of a parsed page."""
    meta = _meta_values(html)
    ld = _json_ld(html)
    sitename = _first(meta, _SITE_KEYS, skip_urls=True) or _ld_name(ld, "publisher")
    found = headings(tree)
    title = _title(meta, clean(tree.title), found, sitename)
    header = Header(html, text, found, title)
    return Metadata(
        title=title,
        author=_strip_by(
            _ld_name(ld, "author")
            or header.byline.author
            or _first(meta, _AUTHOR_KEYS, skip_urls=True)
        ),
        published=_published(meta, ld, tree, html, header),
        sitename=sitename
        or _source(_first(meta, _SOURCE_KEYS, skip_urls=True))
        or header.byline.source,
        lang_hint=_attribute(tree, "html", "lang"),
        canonical_url=_attribute(tree, "link[rel~=canonical]", "href"),
    )


def _meta_values(html: str) -> dict[str, str]:
    """``<meta>`` contents by lower-cased name, property or itemprop (first one wins).

    Read from the markup: iterating resiliparse's node lists costs more than parsing.
    Pages have dozens of ``<meta>`` tags; only those with a wanted key are parsed.
    """
    values: dict[str, str] = {}
    for tag in _META_TAG_RE.findall(html):
        key = _META_KEY_RE.search(tag)
        if key is None or key.group(1).lower() not in _META_KEYS:
            continue
        attrs = {
            name.lower(): unescape(next(filter(None, quoted), ""))
            for name, *quoted in _ATTR_RE.findall(tag)
        }
        key_name = attrs.get("name") or attrs.get("property") or attrs.get("itemprop")
        content = clean(attrs.get("content"))
        if key_name and content:
            values.setdefault(key_name.strip().lower(), content)
    return values


def _first(values: dict[str, str], keys: tuple[str, ...], *, skip_urls: bool = False) -> str | None:
    for key in keys:
        value = values.get(key)
        if value and not (skip_urls and value.startswith(("http://", "https://", "@"))):
            return value
    return None


# --- title -------------------------------------------------------------------------------


def _title(
    meta: dict[str, str], tag: str | None, found: list[NodeText], site: str | None
) -> str | None:
    """og:title, else the heading that ``<title>`` repeats, else ``<title>`` without the site."""
    declared = _first(meta, _TITLE_KEYS)
    if declared and declared != site:
        return _strip_site(declared, site)
    if tag:
        for _, heading in found:
            if tag == heading or (
                tag.startswith(heading) and _SEPARATOR_RE.match(tag, len(heading))
            ):
                return heading
        return _main_part(_strip_site(tag, site))
    return found[0][1] if found else None


def _strip_site(title: str, site: str | None) -> str:
    """The title without the site's name before or after a separator."""
    if not site or title == site:
        return title
    if title.endswith(site):
        separator = _SEPARATOR_END_RE.search(title, 0, len(title) - len(site))
        if separator:
            return title[: separator.start()]
    if title.startswith(site):
        separator = _SEPARATOR_RE.match(title, len(site))
        if separator:
            return title[separator.end() :]
    return title


def _main_part(title: str) -> str:
    """The first part of a split title; the longest when the first is a short prefix."""
    parts = [part for part in _SEPARATOR_RE.split(title) if part]
    if len(parts) < 2:
        return title
    longest = max(parts, key=len)
    return parts[0] if 2 * len(parts[0]) >= len(longest) else longest


# --- date and author ---------------------------------------------------------------------


def _published(
    meta: dict[str, str], ld: list[dict[str, Any]], tree: HTMLTree, html: str, header: Header
) -> str | None:
    """Declared dates first, then ``<time>`` near the title, then written dates."""
    candidates = _declared_dates(meta, ld, tree, html, header)
    declared = next(filter(None, map(parse_date, candidates)), None)
    return declared or header.byline.published or header.byline.dated


def _declared_dates(
    meta: dict[str, str], ld: list[dict[str, Any]], tree: HTMLTree, html: str, header: Header
) -> Iterator[str | None]:
    """Machine-readable dates, most trusted first; each is looked up only when needed.

    Selector queries cost a tenth of a millisecond: a substring test comes first.
    """
    yield from (meta.get(key) for key in _DATE_KEYS)
    yield _ld_text(ld, "datePublished")
    if tree.document is not None and "datePublished" in html:  # microdata
        for node in tree.document.query_selector_all(_PUBLISHED_SELECTOR):
            yield node.getattr("datetime") or node.getattr("content") or node.text
    yield from header.times()


def _json_ld(html: str) -> list[dict[str, Any]]:
    """JSON-LD objects of the page, flattened out of lists and ``@graph``.

    Found by string search: a selector query over the DOM costs more.
    """
    objects: list[dict[str, Any]] = []
    at = html.find(_LD_TYPE)
    while at >= 0:
        start, end = html.find(">", at) + 1, html.find("</script", at)
        if not start or end < start:
            break
        if html.startswith(("<script", "<SCRIPT"), html.rfind("<", 0, at)):
            with contextlib.suppress(ValueError):  # broken JSON-LD is common
                objects.extend(_ld_objects(json.loads(html[start:end])))
        at = html.find(_LD_TYPE, end)
    return objects


def _ld_objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item)
    elif isinstance(data, dict):
        yield data
        yield from _ld_objects(data.get("@graph"))


def _ld_text(objects: list[dict[str, Any]], key: str) -> str | None:
    return next((clean(o[key]) for o in objects if isinstance(o.get(key), str)), None)


def _ld_name(objects: list[dict[str, Any]], key: str) -> str | None:
    """The names in a person or organisation field, which may be a list: "A, B"."""
    for obj in objects:
        value = obj.get(key)
        names = [_ld_entry_name(item) for item in (value if isinstance(value, list) else [value])]
        joined = ", ".join(name for name in names if name)
        if joined:
            return joined
    return None


def _ld_entry_name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str) and not value.startswith(("http://", "https://")):
        return clean(value)
    return None


def _source(value: str | None) -> str | None:
    """A declared source without its label: ``来源：新华网`` is 新华网."""
    return _SOURCE_LABEL_RE.sub("", value) or None if value else None


def _strip_by(author: str | None) -> str | None:
    return _BY_RE.sub("", author) or None if author else None


def _attribute(tree: HTMLTree, selector: str, name: str) -> str | None:
    node = tree.document.query_selector(selector) if tree.document is not None else None
    return clean(node.getattr(name)) if node is not None else None
