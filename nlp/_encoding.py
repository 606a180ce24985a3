"""Bytes to text for HTML pages: BOM, declared charsets that hold up, then detection.

A reading holds up when it decodes the bytes cleanly and reads as text, not mojibake (see
:mod:`nlp._mojibake`): a lying header loses to ``<meta>``, which loses to detection. When
nothing holds up, the source is ``fallback`` and the text is not to be trusted.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from nlp._mojibake import common_share, judge
from nlp.types import Decoded

# Declared labels are often narrower than the bytes: GB18030 and Big5-HKSCS are supersets.
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "hz": "gb18030", "big5": "big5hkscs"}
# WHATWG labels that Python's codec registry does not know.
_ALIASES = {
    "x-gbk": "gbk",
    "x-cp1252": "cp1252",
    "x-sjis": "shift_jis",
    "x-euc-jp": "euc_jp",
    "x-x-big5": "big5",
}
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
# A reading that nothing beats may keep a few stray bytes: one per thousand characters.
_MAX_STRAY = 0.001
# Chinese text is short and ambiguous to statistical detectors; below this many
# non-ASCII bytes, clean CJK decodings are preferred over the detector's guess.
_SHORT = 2048
_MIN_COMMON = 0.8
_ASCII_BYTES = bytes(range(128))
_COMMON_ON_WEB = ("cp1252", "gb18030", "big5hkscs", "shift_jis", "euc_kr", "cp1251")
# Bytes that no text encoding but UTF-16 and UTF-32 produces (ESC is ISO-2022's).
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_SNIFF = 4096
_MAX_CONTROL = 0.05


def decode_html(body: bytes, *, http_charset: str | None = None) -> Decoded:
    """Decode an HTML page, recording how the encoding was decided.

    Order: byte-order mark, then the HTTP charset and the ``<meta>`` charset when
    they decode the bytes cleanly into text, then detection (CJK-aware), then a
    UTF-8 or declared reading with a few stray bytes replaced. GB2312 and GBK are
    widened to GB18030, Big5 to Big5-HKSCS. When no reading holds up, the source is
    ``fallback``: UTF-8 with replacement characters, likely mojibake.
    """
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError(f"body must be bytes, not {type(body).__name__}")
    body = bytes(body)
    for bom, bom_encoding in _BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom) :].decode(bom_encoding, "replace"), bom_encoding, "bom")
    declared = [
        (_declared(http_charset, "http"), "http"),
        (_declared(_meta_charset(body), "meta"), "meta"),
    ]
    for encoding, source in declared:
        text = _reading(body, encoding)
        if encoding and text is not None:
            return Decoded(text, encoding, source)
    detected = _detect(body)
    if detected is not None:
        return Decoded(detected[1], detected[0], "detected")
    return _least_damaged(body, [("utf-8", "detected"), *declared])


def looks_binary(body: bytes, *, http_charset: str | None = None) -> bool:
    """Tell bytes that are no text in any encoding: control bytes, unless UTF-16 or UTF-32."""
    head = body[:_SNIFF]
    if not head or any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    if (normalize_label(http_charset) or "").startswith(("utf-16", "utf-32")):
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > _MAX_CONTROL * len(head)


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


def _reading(body: bytes, encoding: str | None) -> str | None:
    """The page read in ``encoding`` if that reading holds up: clean, and text, not mojibake."""
    if encoding is None or _ruled_out(body, encoding):
        return None
    text = _clean_decode(body, encoding)
    return text if text is not None and _reads_as_text(body, text, encoding) else None


def _reads_as_text(body: bytes, text: str, encoding: str) -> bool:
    """No sign of mojibake; doubtful Han characters lose to a Chinese reading of the bytes.

    Valid multi-byte UTF-8 is almost never so by accident, so a UTF-8 reading is trusted.
    """
    if encoding == "utf-8":
        return True
    verdict = judge(text)
    if verdict == "doubtful":
        chinese = _best_cjk(body)
        return chinese is None or chinese[0] == encoding
    return verdict == "text"


def _least_damaged(body: bytes, candidates: list[tuple[str | None, str]]) -> Decoded:
    """The first candidate reading with only a few stray bytes, else UTF-8 as ``fallback``.

    UTF-8 comes first: valid but for a few stray bytes, it is what the page was written in.
    """
    for encoding, source in candidates:
        if encoding is None or _ruled_out(body, encoding):
            continue
        text = body.decode(encoding, "replace")
        if _few_stray(text) and _reads_as_text(body, text, encoding):
            return Decoded(text, encoding, source)
    return Decoded(body.decode("utf-8", "replace"), "utf-8", "fallback")


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


def _ruled_out(body: bytes, encoding: str) -> bool:
    """True when the bytes cannot be in ``encoding``, however cleanly they decode."""
    if encoding.startswith(("utf-16", "utf-32")):
        return b"\x00" not in body[:_SNIFF]  # its ASCII markup would have NUL bytes
    return _utf8_mislabelled(body, encoding)


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


def _few_stray(text: str) -> bool:
    return text.count("\ufffd") <= 1 + _MAX_STRAY * len(text)


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
    text = _reading(body, encoding)
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
        score = common_share(text)
        if score >= _MIN_COMMON and (best is None or score > best[0]):
            best = (score, encoding, text)
    return (best[1], best[2]) if best else None
