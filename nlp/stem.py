"""Stemming: NLTK's Snowball stemmers, which need no downloaded data."""

from __future__ import annotations

import functools
from typing import Any

from nlp.errors import UnsupportedLanguage, require_str

# ISO 639-1 code -> NLTK's name for the Snowball stemmers it ships.
SNOWBALL = {
    "ar": "arabic", "da": "danish", "de": "german", "en": "english", "es": "spanish",
    "fi": "finnish", "fr": "french", "hu": "hungarian", "it": "italian", "nl": "dutch",
    "no": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sv": "swedish",
}  # fmt: skip
_UNINFLECTED = ("zh", "ja", "ko")  # no stems to strip: words stay as they are


def stem(word: str, *, lang: str = "en") -> str:
    """The Snowball stem of ``word`` (``"running"`` → ``"run"``); Chinese words unchanged.

    Raises:
        UnsupportedLanguage: no Snowball stemmer exists for ``lang``.
    """
    require_str(word)
    base = lang.partition("-")[0].lower()
    if base in _UNINFLECTED:
        return word
    if base not in SNOWBALL:
        raise UnsupportedLanguage(f"unsupported language: {lang!r} (no Snowball stemmer)")
    return str(_stemmer(base).stem(word))


@functools.cache
def _stemmer(lang: str) -> Any:
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer(SNOWBALL[lang])
