"""Text processing for Chinese and English corpora: segmentation, sentences, languages, dedup.

Importing this package is cheap: jieba, rjieba, NLTK, the language model and the HTML
extractors load on first use.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from nlp.analyze import analyze
from nlp.detect import detect_language
from nlp.dictionary import add_word, load_userdict
from nlp.errors import NlpError, UnsupportedLanguage
from nlp.fingerprint import fingerprint, near_duplicate
from nlp.keywords import keywords
from nlp.normalize import normalize
from nlp.sentences import split_sentences
from nlp.stem import stem
from nlp.stopwords import stopwords
from nlp.tokenize import segment, tokenize
from nlp.types import Analysis, Decoded, Extracted, Keyword, Sentence, Token

if TYPE_CHECKING:
    from nlp.extract import decode_html, extract_html

__all__ = [
    "Analysis",
    "Decoded",
    "Extracted",
    "Keyword",
    "NlpError",
    "Sentence",
    "Token",
    "UnsupportedLanguage",
    "add_word",
    "analyze",
    "decode_html",
    "detect_language",
    "extract_html",
    "fingerprint",
    "keywords",
    "load_userdict",
    "near_duplicate",
    "normalize",
    "segment",
    "split_sentences",
    "stem",
    "stopwords",
    "tokenize",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())

# Loaded on first access: importing trafilatura takes about 0.3 s.
_LAZY = {"decode_html": "nlp.extract", "extract_html": "nlp.extract"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
