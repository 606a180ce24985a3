"""Keywords by TF-IDF or TextRank, with jieba.analyse's algorithms for both languages.

For Chinese the extractors are ``jieba.analyse``'s own ``TFIDF`` and ``TextRank`` classes, given
this library's tokenizer (``jieba.analyse`` wires them to the module-level ``jieba.dt``), so the
results are what ``jieba.analyse.extract_tags`` and ``textrank`` return. For English the same
classes run over NLTK tokens: TF-IDF with one smoothed IDF for every word (no English IDF
table ships, so the ranking is by frequency without stopwords), TextRank over the words that
are not stopwords.
"""

from __future__ import annotations

import functools
import importlib
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from nlp import _jieba, dictionary
from nlp.detect import detect_language
from nlp.errors import UnsupportedLanguage, require_str
from nlp.stopwords import stopwords
from nlp.types import Keyword

Method = Literal["tfidf", "textrank"]
METHODS: tuple[Method, ...] = ("tfidf", "textrank")
_TEXTRANK_POS = ("ns", "n", "vn", "v")  # jieba.analyse.textrank's default allowPOS
_ENGLISH_POS = "n"  # every English content word, for TextRank's part-of-speech filter


def keywords(
    text: str, *, lang: str | None = None, top: int = 20, method: Method = "tfidf"
) -> list[Keyword]:
    """The ``top`` most characteristic words of ``text``, highest weight first.

    Args:
        lang: ``"zh"`` or ``"en"``; detected when not given (other languages use the
            English rules).
        method: ``"tfidf"`` (``jieba.analyse.extract_tags``) or ``"textrank"``
            (``jieba.analyse.textrank``, nouns and verbs only for Chinese).

    Raises:
        UnsupportedLanguage: ``lang`` is neither Chinese nor English.
    """
    require_str(text)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: expected tfidf or textrank")
    if top < 1:
        raise ValueError(f"top must be positive, got {top}")
    chinese = _is_chinese(text, lang)
    if method == "tfidf":
        extractor = _tfidf_zh() if chinese else _tfidf_en()
        found = extractor.extract_tags(text, topK=top, withWeight=True)
    else:
        extractor = _textrank_zh() if chinese else _textrank_en()
        pos = _TEXTRANK_POS if chinese else (_ENGLISH_POS,)
        found = extractor.textrank(text, topK=top, withWeight=True, allowPOS=pos)
    return [Keyword(word, float(weight)) for word, weight in found]


def _is_chinese(text: str, lang: str | None) -> bool:
    if lang is None:
        return detect_language(text) in ("zh", "ja")
    base = lang.partition("-")[0].lower()
    if base not in ("zh", "en"):
        raise UnsupportedLanguage(f"unsupported language: {lang!r} (keywords know zh and en)")
    return base == "zh"


class _Segmenter:
    """What ``jieba.analyse`` calls as its tokenizer: ``cut(text)`` through :mod:`nlp`."""

    def cut(self, text: str) -> list[str]:
        return dictionary.cut(text, "accurate", True)


class _EnglishWords:
    """English tokens for the extractors: words for TF-IDF, tagged pairs for TextRank."""

    def cut(self, text: str) -> Iterator[Any]:
        from nlp.tokenize import tokenize

        pair = _module("jieba.posseg").pair
        for token in tokenize(text, lower=True):
            content = token.kind == "word" and token.text.isalpha()
            yield pair(token.text, _ENGLISH_POS if content else "x")


class _EnglishTerms(_EnglishWords):
    def cut(self, text: str) -> Iterator[Any]:
        return (pair.word for pair in super().cut(text) if pair.flag == _ENGLISH_POS)


@functools.cache
def _module(name: str) -> Any:
    _jieba.import_jieba()  # quietly, without pkg_resources' warning
    with warnings.catch_warnings():
        # Importing jieba.analyse builds extractors that leave idf.txt open.
        warnings.simplefilter("ignore", ResourceWarning)
        return importlib.import_module(name)


@functools.cache
def _idf() -> tuple[dict[str, float], float]:
    """jieba.analyse's IDF table and its median, which unknown words get."""
    table: dict[str, float] = {}
    text = Path(_module("jieba.analyse.tfidf").DEFAULT_IDF).read_text("utf-8")
    for line in text.splitlines():
        word, idf = line.strip().split(" ")
        table[word] = float(idf)
    return table, sorted(table.values())[len(table) // 2]


def _tfidf(tokenizer: Any, stop_words: Iterable[str], idf: dict[str, float]) -> Any:
    tfidf = _module("jieba.analyse").TFIDF
    extractor = tfidf.__new__(tfidf)  # its __init__ reads idf.txt and leaves it open
    extractor.tokenizer = extractor.postokenizer = tokenizer
    extractor.stop_words = set(stop_words)
    extractor.idf_freq, extractor.median_idf = idf, _idf()[1]
    return extractor


def _textrank(tokenizer: Any, stop_words: Iterable[str]) -> Any:
    extractor = _module("jieba.analyse").TextRank()
    extractor.tokenizer = extractor.postokenizer = tokenizer
    extractor.stop_words = set(stop_words)
    return extractor


@functools.cache
def _tfidf_zh() -> Any:
    stop_words = _module("jieba.analyse").TFIDF.STOP_WORDS
    return _tfidf(_Segmenter(), stop_words, _idf()[0])


@functools.cache
def _textrank_zh() -> Any:
    stop_words = _module("jieba.analyse").TextRank.STOP_WORDS
    return _textrank(_module("jieba.posseg").POSTokenizer(_jieba.tokenizer()), stop_words)


@functools.cache
def _tfidf_en() -> Any:
    return _tfidf(_EnglishTerms(), stopwords("en"), {})  # every word gets the median IDF


@functools.cache
def _textrank_en() -> Any:
    return _textrank(_EnglishWords(), stopwords("en"))
