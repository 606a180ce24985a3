"""Language identification from the scripts a text is written in."""

from __future__ import annotations

import re

from nlp.errors import require_str

# Character classes shared by the tokenizer and the sentence splitter.
HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
KANA = "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"

_HAN = re.compile(f"[{HAN}]")
_KANA = re.compile(f"[{KANA}]")
_HANGUL = re.compile(f"[{HANGUL}]")
_LATIN = re.compile(f"[{LATIN}]")
_LETTER = re.compile(r"[^\W\d_]")
_ASCII_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")

# Frequent English words that are not also common words of French, German or Spanish (no
# "a", "in", "on", "die"): prose in English has about a third of its words here, those
# languages almost none.
_ENGLISH_MARKERS = frozenset((
    "the", "of", "and", "to", "is", "that", "for", "it", "with", "as", "was", "be", "by",
    "this", "are", "from", "at", "have", "has", "not", "but", "or", "which", "you", "he",
    "they", "we", "were", "been", "their", "his", "her", "an", "will", "would",
))  # fmt: skip
_MIN_WEIGHT = 3  # letters, a CJK character counting as two
_MIN_KANA_SHARE = 0.05  # of Han + kana: Japanese writes particles and endings in kana
_MIN_WORDS_TO_REJECT_ENGLISH = 12
_MIN_ENGLISH_SHARE = 0.05


def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of ``text``'s language, or ``"und"`` when unsure.

    Scripts decide: Han alone is ``zh``, with kana ``ja``, Hangul ``ko``; Latin letters are
    ``en`` unless a longer text has almost none of the commonest English words. Other scripts
    and texts under three letters (a CJK character counts as two) are ``"und"``.
    """
    require_str(text)
    han, kana, hangul = (len(p.findall(text)) for p in (_HAN, _KANA, _HANGUL))
    cjk = han + kana + hangul
    other = len(_LETTER.findall(text)) - cjk
    if 2 * cjk + other < _MIN_WEIGHT:
        return "und"
    if 2 * cjk >= other:
        if hangul > han + kana:
            return "ko"
        return "ja" if kana >= _MIN_KANA_SHARE * (han + kana) else "zh"
    if 2 * len(_LATIN.findall(text)) > other:
        return "en" if _looks_english(text) else "und"
    return "und"


def _looks_english(text: str) -> bool:
    words = _ASCII_WORD.findall(text.lower())
    if len(words) < _MIN_WORDS_TO_REJECT_ENGLISH:
        return True
    markers = sum(word in _ENGLISH_MARKERS for word in words)
    return markers >= _MIN_ENGLISH_SHARE * len(words)
