"""Does a decoded page read as text? Signs that bytes were read in the wrong encoding.

A wrong legacy encoding often decodes without a single error. Chinese read in a single-byte
encoding gives words of symbols and letters of mixed case (``±±¾©»¶Ó``, ``ББОЉЛЖг``, ``╠╠╬``);
GBK read as Big5, or Big5 as GBK, gives rare and private-use characters (``硂琌``); GBK read
as EUC-KR gives Hangul mixed with Han. Real text shows none of these, so their share tells
mojibake from text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Literal

Verdict = Literal["text", "doubtful", "mojibake"]

_NON_ASCII_RE = re.compile("[^\x00-\x7f]")
_ASCII_RE = re.compile("[\x00-\x7f]+")
_WORD_RE = re.compile("[^\x00-\x7f]{2,}")  # non-ASCII characters next to each other
# Han, with the private use area that one Chinese encoding read as another fills.
_NOT_HAN_RE = re.compile("[^\u3400-\u9fff\uf900-\ufaff\ue000-\uf8ff\U00020000-\U0003ffff]+")
_HANGUL_RE = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_SAMPLE = 2048  # non-ASCII characters looked at: enough to tell, cheap on long pages
_WINDOW = 16384  # characters they are taken from
_MIN_EVIDENCE = 8  # fewer telling characters than this prove nothing
# Words of European, Cyrillic, Greek, Arabic or Thai text are letters (at most 6 % odd
# characters, for a « or a №); Chinese read as single bytes, 19 % to 73 %.
_MAX_ODD_IN_WORDS = 0.15
# Chinese pages: 99 % of Han characters are common ones; colloquial Cantonese and Japanese
# kanji about 75 %; one Chinese encoding read as another about 50 %.
_MIN_COMMON = 0.8
_MIN_PLAUSIBLE_COMMON = 0.6
# Korean pages write few Han characters (Hanja); Chinese read as EUC-KR is half Han.
_MAX_HANJA = 0.1


def judge(text: str) -> Verdict:
    """Whether ``text``, decoded from a legacy encoding, reads as text, mojibake, or is doubtful.

    Doubtful: its Han characters are less often common ones than in Chinese, as in Japanese,
    in Cantonese, or in a short Chinese text read in the wrong Chinese encoding; a caller
    holding the bytes can ask whether a Chinese reading does better.
    """
    non_ascii = _non_ascii(text)
    han = _NOT_HAN_RE.sub("", non_ascii)
    if _hangul_with_han(non_ascii, len(han)):
        return "mojibake"
    if not han or 2 * len(han) < len(non_ascii):
        return "mojibake" if _odd_words(text) else "text"
    share = _common_count(han) / len(han)
    if share >= _MIN_COMMON:
        return "text"
    if len(han) >= _MIN_EVIDENCE and share < _MIN_PLAUSIBLE_COMMON:
        return "mojibake"
    return "doubtful"


def common_share(text: str) -> float:
    """Share of the first non-ASCII characters that are frequent Chinese ones or punctuation."""
    sample = _non_ascii(text)
    return _common_count(sample) / len(sample) if sample else 0.0


def _non_ascii(text: str) -> str:
    """Non-ASCII characters from where they begin: a window is enough and costs less."""
    first = _NON_ASCII_RE.search(text)
    if first is None:
        return ""
    return _ASCII_RE.sub("", text[first.start() : first.start() + _WINDOW])[:_SAMPLE]


def _common_count(chars: str) -> int:
    return len(chars) - len(chars.translate(_not_common()))


def _hangul_with_han(non_ascii: str, han: int) -> bool:
    """Whether Hangul and Han are mixed as in no Korean or Chinese text."""
    hangul = len(_HANGUL_RE.findall(non_ascii))
    both = hangul + han
    return bool(hangul) and both >= _MIN_EVIDENCE and _MAX_HANJA < han / both < 1 - _MAX_HANJA


def _odd_words(text: str) -> bool:
    """Whether words of non-ASCII characters hold many symbols or capitals after small letters."""
    chars = odd = 0
    for word in _WORD_RE.finditer(text):
        previous = ""
        for ch in word.group():
            category = unicodedata.category(ch)
            if category[0] not in "LM" or (category == "Lu" and previous == "Ll"):
                odd += 1
            previous = category
        chars += len(word.group())
        if chars >= _SAMPLE:
            break
    return chars >= _MIN_EVIDENCE and odd > _MAX_ODD_IN_WORDS * chars


@functools.cache
def _not_common() -> dict[int, None]:
    """A ``str.translate`` table deleting the common characters (faster than a set per char)."""
    return dict.fromkeys(map(ord, _common_chars()))


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
