"""URL hygiene for the frontier: one canonical form per page, and crawl traps left out.

Canonical form: w3lib's (sorted query, normalized percent-escapes, no fragment), lower-case
host without its default port, and without tracking or session parameters, which otherwise
turn one page into thousands of URLs (``?utm_source=…``, ``;jsessionid=…``, ``&sid=…``).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

MAX_URL_LENGTH = 2083  # what old browsers accepted; longer URLs are generated, not linked
MAX_SEGMENT_REPEATS = 2  # /a/b/a/b/a: a segment seen a third time is a loop
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING = re.compile(
    r"utm_\w*|gclid|gclsrc|dclid|fbclid|msclkid|yclid|twclid|igshid|mc_[ce]id|_ga|_gl"
    r"|_hsenc|_hsmi|mkt_tok|vero_id|spm|scm",
    re.IGNORECASE,
)
_SESSION = re.compile(
    r"jsessionid|phpsessid|aspsessionid\w*|sessionid|session_id|cfid|cftoken", re.IGNORECASE
)
_TOKEN = re.compile(r"[0-9A-Za-z_-]{16,}")  # "sid" is a session id only when it looks like one


class UnusableUrl(ValueError):
    """A link the crawler will not follow; ``reason`` is a stats-key-friendly word."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"{reason.replace('_', ' ')}: {url[:200]!r}")
        self.reason = reason


def canonicalize(url: str) -> str:
    """The canonical form of an absolute http(s) URL.

    Cached (bounded): pages repeat the same links, menus and footers above all.

    Raises:
        UnusableUrl: not http(s), no host, a bad port, too long, or a repeating path.
    """
    return _canonicalize(url)


@functools.lru_cache(maxsize=65_536)
def _canonicalize(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # raises ValueError on "99999" or "x"
    except ValueError as exc:
        raise UnusableUrl("invalid_url", url) from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UnusableUrl("not_http", url)
    if not parts.hostname or port == 0:
        raise UnusableUrl("invalid_url", url)
    netloc = (
        parts.hostname if port in (None, _DEFAULT_PORTS[scheme]) else f"{parts.hostname}:{port}"
    )
    if ":" in parts.hostname:  # IPv6 literal
        netloc = f"[{parts.hostname}]" + netloc[len(parts.hostname) :]
    path = _strip_path_session(parts.path) or "/"
    canonical = canonicalize_url(urlunsplit((scheme, netloc, path, _strip_query(parts.query), "")))
    if len(canonical) > MAX_URL_LENGTH:
        raise UnusableUrl("url_too_long", url)
    if _repeats(urlsplit(canonical).path):
        raise UnusableUrl("path_repetition", url)
    return canonical


def link_targets(hrefs: Iterable[str], base: Callable[[str], str]) -> Iterator[str]:
    """Absolute targets of a page's ``href`` values, skipping files that are not pages.

    ``base`` resolves a relative link (``response.urljoin``); a link it cannot resolve (such as
    ``http://[::1``) is passed on as it is, for :func:`canonicalize` to reject and count.
    """
    for href in hrefs:
        href = href.strip()
        if not href or href.startswith("#"):
            continue
        try:
            url = base(href)
        except ValueError:
            yield href
            continue
        extension = urlsplit(url).path.rpartition(".")[2].lower()
        if extension not in _not_pages():
            yield url


@functools.cache
def _not_pages() -> frozenset[str]:
    """Images, audio, video, archives, office files...: Scrapy's list (loaded only to crawl)."""
    from scrapy.linkextractors import IGNORED_EXTENSIONS

    return frozenset(IGNORED_EXTENSIONS)


def host_of(url: str) -> str:
    """The lower-case host name of ``url`` ("" when it has none)."""
    return (urlsplit(url).hostname or "").lower()


def _strip_path_session(path: str) -> str:
    """Drop ``;jsessionid=…`` and similar parameters from every path segment."""
    segments = []
    for segment in path.split("/"):
        name, *params = segment.split(";")
        kept = [p for p in params if not _SESSION.fullmatch(p.partition("=")[0])]
        segments.append(";".join([name, *kept]))
    return "/".join(segments)


def _strip_query(query: str) -> str:
    """The query without noise parameters; the rest untouched (it may not be UTF-8)."""
    return "&".join(pair for pair in query.split("&") if pair and not _noise(pair))


def _noise(pair: str) -> bool:
    key, _, value = pair.partition("=")
    key = unquote_plus(key)
    if _TRACKING.fullmatch(key) or _SESSION.fullmatch(key):
        return True
    return bool(key.lower() == "sid" and _TOKEN.fullmatch(value))


def _repeats(path: str) -> bool:
    counts = Counter(segment for segment in path.split("/") if segment)
    return any(n > MAX_SEGMENT_REPEATS for n in counts.values())
