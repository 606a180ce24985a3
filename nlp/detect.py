"""Language identification: scripts for zh, ja, ko and en; py3langid's shipped model otherwise."""

from __future__ import annotations

import functools
import re
from typing import Any

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
_MIN_MODEL_LETTERS = 8  # below this the model guesses
_MIN_MODEL_PROBABILITY = 0.5


def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of ``text``'s language, or ``"und"`` when unsure.

    Scripts decide first: Han alone is ``zh``, with kana ``ja`` (kanji do not make Japanese
    Chinese), Hangul ``ko``; Latin letters are ``en`` when the text is short or uses the
    commonest English words. Anything else with at least eight letters goes to py3langid's
    model, which must be at least 50% sure. Texts under three letters (a CJK character
    counting as two) are ``"und"``.
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
    english = _english_words(text) if 2 * len(_LATIN.findall(text)) > other else None
    if english:  # mostly common English words
        return "en"
    guess = _by_model(text, _MIN_MODEL_PROBABILITY) if other >= _MIN_MODEL_LETTERS else "und"
    if english is None and guess == "und" and text.isascii():
        return "en"  # a short ASCII phrase without function words: "iPhone 15 Pro Max"
    return guess


def _english_words(text: str) -> bool | None:
    """Whether enough of the words are the commonest English ones; ``None``: too few words."""
    words = _ASCII_WORD.findall(text.lower())
    markers = sum(word in _ENGLISH_MARKERS for word in words)
    if len(words) < _MIN_WORDS_TO_REJECT_ENGLISH and not markers:
        return None
    return markers >= _MIN_ENGLISH_SHARE * len(words)


def _by_model(text: str, threshold: float) -> str:
    lang, probability = _identifier().classify(text)
    if probability < threshold or not re.fullmatch("[a-z]{2}", lang):
        return "und"
    return str(lang)


@functools.cache
def _identifier() -> Any:
    """py3langid's model with probabilities (loading takes about a second)."""
    from py3langid.langid import (  # type: ignore[import-untyped]
        MODEL_FILE,
        LanguageIdentifier,
    )

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
