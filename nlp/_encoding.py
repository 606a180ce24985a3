"""Bytes to text for HTML pages: BOM, declared charsets that hold up, then detection."""

from __future__ import annotations

import codecs
import functools
import re

from charset_normalizer import from_bytes

from nlp.types import Decoded

# Declared labels are often narrower than the bytes: GB18030 is a superset of both.
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "hz": "gb18030"}
# WHATWG labels that Python's codec registry does not know.
_ALIASES = {"x-gbk": "gbk", "x-cp1252": "cp1252", "x-sjis": "shift_jis", "x-euc-jp": "euc_jp"}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: same first two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_:.()\-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([a-z0-9_:.()\-]+)""",
    re.IGNORECASE,
)
_META_WINDOW = 4096
_MAX_REPLACED = 0.01  # share of non-ASCII characters allowed to be undecodable
# Chinese text is short and ambiguous to statistical detectors; below this many
# non-ASCII bytes, clean CJK decodings are preferred over the detector's guess.
_SHORT = 2048
_MIN_COMMON = 0.8
_ASCII_BYTES = bytes(range(128))
_NON_ASCII_RE = re.compile("[^\x00-\x7f]")
_COMMON_ON_WEB = ("cp1252", "gb18030", "big5hkscs", "shift_jis", "euc_kr", "cp1251")


def decode_html(body: bytes, *, http_charset: str | None = None) -> Decoded:
    """Decode an HTML page, recording how the encoding was decided.

    Order: byte-order mark, then the HTTP charset and the ``<meta>`` charset when
    they decode the bytes cleanly, then detection (CJK-aware), then UTF-8 with
    replacement characters. GB2312 and GBK are widened to GB18030.
    """
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError(f"body must be bytes, not {type(body).__name__}")
    body = bytes(body)
    for bom, bom_encoding in _BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom) :].decode(bom_encoding, "replace"), bom_encoding, "bom")
    for label, source in ((http_charset, "http"), (_meta_charset(body), "meta")):
        declared = _declared_decoding(body, label, source)
        if declared is not None:
            return declared
    detected = _detect(body)
    if detected is not None:
        return Decoded(detected[1], detected[0], "detected")
    return Decoded(body.decode("utf-8", "replace"), "utf-8", "fallback")


def normalize_label(label: str | None) -> str | None:
    """Python codec name for a charset label, widened where the label understates it."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    try:
        name = codecs.lookup(_ALIASES.get(key, key)).name
    except LookupError:
        return None
    return _WIDER.get(name, name)


def _declared_decoding(body: bytes, label: str | None, source: str) -> Decoded | None:
    """The page as its declared charset reads it, when that reading holds up."""
    encoding = _declared(label, source)
    if encoding is None or _utf8_mislabelled(body, encoding):
        return None
    text = _clean_decode(body, encoding)
    return Decoded(text, encoding, source) if text is not None else None


def _declared(label: str | None, source: str) -> str | None:
    """Usable encoding for a declared label; a ``<meta>`` cannot truthfully say UTF-16."""
    encoding = normalize_label(label)
    if encoding and source == "meta" and encoding.startswith(("utf-16", "utf-32")):
        return "utf-8"  # an ASCII-readable meta tag proves the page is not UTF-16
    return encoding


def _meta_charset(body: bytes) -> str | None:
    match = _META_RE.search(body, 0, _META_WINDOW)
    if match is None:
        return None
    return (match.group(1) or match.group(2)).decode("ascii")


def _clean_decode(body: bytes, encoding: str) -> str | None:
    """The decoded text, or None when too much of it would be replacement characters."""
    try:
        return body.decode(encoding)
    except UnicodeDecodeError:
        text = body.decode(encoding, "replace")
    except LookupError:
        return None
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if text.count("\ufffd") > _MAX_REPLACED * non_ascii:
        return None
    return text


def _utf8_mislabelled(body: bytes, encoding: str) -> bool:
    """True when a legacy label sits on bytes that are valid, non-ASCII UTF-8.

    Multi-byte UTF-8 is almost never valid by accident, while GB18030 and the
    single-byte codecs decode UTF-8 bytes "cleanly" into mojibake.
    """
    if encoding == "utf-8" or body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect(body: bytes) -> tuple[str, str] | None:
    """Guess the encoding: UTF-8 if valid, then CJK candidates or charset-normalizer."""
    try:
        return "utf-8", body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if len(body.translate(None, _ASCII_BYTES)) < _SHORT:
        cjk = _best_cjk(body)
        if cjk is not None:
            return cjk
    encoding = _detector_guess(body)
    text = _clean_decode(body, encoding) if encoding else None
    if encoding and text is not None:
        return encoding, text
    return _best_cjk(body)


def _detector_guess(body: bytes) -> str | None:
    """Charset-normalizer's best guess; among equally good ones, the web's common encodings."""
    results = from_bytes(body)
    best = results.best()
    if best is None:
        return None
    ties = [m for m in results if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    names = [normalize_label(match.encoding) for match in ties]
    return next((name for name in _COMMON_ON_WEB if name in names), names[0])


def _best_cjk(body: bytes) -> tuple[str, str] | None:
    """The clean Chinese decoding whose Han characters are most often common ones."""
    best: tuple[float, str, str] | None = None
    for encoding in ("gb18030", "big5hkscs"):
        text = _clean_decode(body, encoding)
        if text is None:
            continue
        score = _common_share(text)
        if score >= _MIN_COMMON and (best is None or score > best[0]):
            best = (score, encoding, text)
    return (best[1], best[2]) if best else None


def _common_share(text: str) -> float:
    """Share of non-ASCII characters that are frequent Chinese characters or punctuation."""
    common = _common_chars()
    non_ascii = _NON_ASCII_RE.findall(text)
    if not non_ascii:
        return 0.0
    return sum(ch in common for ch in non_ascii) / len(non_ascii)


@functools.cache
def _common_chars() -> frozenset[str]:
    """Frequent Han characters: GB2312 level 1 (simplified) and Big5 level 1 (traditional).

    Mojibake from the other encoding lands mostly outside both sets.
    """
    chars: set[str] = set()
    for encoding, leads, trails in (
        ("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF)),
        ("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]),
    ):
        for lead in leads:
            for trail in trails:
                try:
                    chars.add(bytes((lead, trail)).decode(encoding))
                except UnicodeDecodeError:
                    continue
    chars.update("，。、；：？！“”‘’（）《》【】…—·「」『』　")
    return frozenset(chars)
