"""Stopword lists shipped with the package (``nlp/data/stopwords-<lang>.txt``)."""

from __future__ import annotations

import functools
from importlib import resources

from nlp.errors import UnsupportedLanguage

LANGUAGES = ("en", "zh")


def stopwords(lang: str) -> frozenset[str]:
    """Return the stopwords of ``lang`` (``"zh"`` or ``"en"``), lower case.

    Raises:
        UnsupportedLanguage: no list ships for ``lang``.
    """
    if lang not in LANGUAGES:
        raise UnsupportedLanguage(
            f"unsupported language: {lang!r} (stopwords ship for {', '.join(LANGUAGES)})"
        )
    return _load(lang)


@functools.cache
def _load(lang: str) -> frozenset[str]:
    text = (resources.files("nlp") / "data" / f"stopwords-{lang}.txt").read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))
