"""Streaming, bounded, safe parsing of sitemaps and feeds.

The body is decompressed (if gzip) and parsed in chunks, and each element is dropped once
read, so a sitemap of millions of entries costs the memory of one entry; reading stops at a
byte cap and an entry cap, and at libxml2's own limits (a text node over 10 MB, say).
Entities are never expanded, and no DTD or external resource is loaded: XXE documents yield
their URLs without the payload, and a billion-laughs or quadratic blowup document is refused
whole (libxml2's entity amplification limit, ``TooLarge``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from lxml import etree

_CHUNK = 64 * 1024
_GZIP = b"\x1f\x8b"


class NotXml(ValueError):
    """The document is not well-formed XML (reported after the entries read before the error)."""


class TooLarge(ValueError):
    """The decompressed document passed the byte cap, or one of libxml2's size limits."""


def elements(body: bytes, tags: Iterable[str], *, max_bytes: int) -> Iterator[etree._Element]:
    """Each complete element whose local name is in ``tags``, in document order.

    An element is valid only until the next one is yielded.

    Raises:
        NotXml: after the elements before the error.
        TooLarge: more than ``max_bytes`` of XML after decompression, or a text node, name
            or nesting past libxml2's limits (gigabytes of blanks in a gzip bomb, say).
    """
    wanted = frozenset(tags)
    parser = etree.XMLPullParser(
        events=("end",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
    )
    try:
        for chunk in _chunks(body, max_bytes):
            parser.feed(chunk)
            yield from _completed(parser, wanted)
        parser.close()
    except etree.XMLSyntaxError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "not XML"
        if exc.code == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            raise TooLarge(message) from exc
        raise NotXml(message) from exc
    except zlib.error as exc:
        raise NotXml(f"broken gzip data: {exc}") from exc
    yield from _completed(parser, wanted)


def local_name(element: etree._Element) -> str:
    """The tag without its namespace (``{http://…}loc`` → ``loc``); "" for entities."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def child_text(element: etree._Element, name: str) -> str:
    """The stripped text of the first child called ``name`` (any namespace), or ""."""
    for child in element:
        if local_name(child) == name:
            return (child.text or "").strip()
    return ""


def _completed(parser: etree.XMLPullParser, wanted: frozenset[str]) -> Iterator[etree._Element]:
    for _, element in parser.read_events():
        if local_name(element) in wanted:
            yield element
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]  # forget the elements already read


def _chunks(body: bytes, max_bytes: int) -> Iterator[bytes]:
    """The body in chunks, gunzipped on the fly if it is gzip, up to ``max_bytes``."""
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if body.startswith(_GZIP) else None
    total = 0
    for start in range(0, len(body), _CHUNK):
        raw = body[start : start + _CHUNK]
        while raw:
            if inflate is None:
                chunk, raw = raw, b""
            else:
                chunk = inflate.decompress(raw, _CHUNK)
                raw = inflate.unconsumed_tail
            total += len(chunk)
            if total > max_bytes:
                raise TooLarge(f"over {max_bytes} bytes of XML")
            yield chunk
