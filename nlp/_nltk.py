"""NLTK's data-free English tokenizers: nothing is downloaded, ``NLTK_DATA`` is never read.

``word_tokenize`` and ``sent_tokenize`` need the downloadable ``punkt_tab`` model, so this
module builds the same pipeline from the parts that ship with NLTK: an untrained Punkt sentence
splitter that knows common abbreviations, then the Treebank-style ``NLTKWordTokenizer``.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

log = logging.getLogger(__name__)

# Lower case, without the final period, as Punkt stores them. Left out on purpose: words that
# often end a sentence ("etc", "no"), because an abbreviation never ends one for Punkt.
ABBREVIATIONS = frozenset((
    "mr", "mrs", "ms", "messrs", "dr", "prof", "sr", "jr", "st", "mt", "ft", "gen", "gov",
    "sen", "rep", "rev", "capt", "col", "lt", "sgt", "hon", "inc", "ltd", "co", "corp", "vs",
    "e.g", "i.e", "cf", "al", "fig", "vol", "pp", "approx", "dept", "univ", "jan", "feb", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "a.m", "p.m",
    "ph.d",
))  # fmt: skip

# The word tokenizer rewrites every double quote as `` or '', whichever way the source wrote it.
_QUOTES = ('"', "``", "''")
# Letters, digits and spaces only: the tokenizer splits such text at whitespace (and
# contractions), so short pieces between Chinese words skip its two dozen regex passes.
_SIMPLE = re.compile(r"[A-Za-z0-9\s]*")
_WORD = re.compile(r"\S+")


@functools.cache
def _sentence_splitter() -> Any:
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


@functools.cache
def _word_tokenizer() -> Any:
    from nltk.tokenize.destructive import NLTKWordTokenizer

    return NLTKWordTokenizer()


def version() -> str:
    import nltk

    return f"nltk-{nltk.__version__}"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence Punkt finds in ``text``."""
    return [(int(start), int(end)) for start, end in _sentence_splitter().span_tokenize(text)]


def word_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each Treebank word, sentence by sentence as ``word_tokenize`` does.

    The tokenizer only splits a period off the last word of its input, so it is fed one
    sentence at a time; its own ``span_tokenize`` can raise on mixed quote styles, so words
    are aligned to the text here.
    """
    if _SIMPLE.fullmatch(text) and not _has_contraction(text):
        return [match.span() for match in _WORD.finditer(text)]  # what NLTK would return
    found: list[tuple[int, int]] = []
    for start, end in sentence_spans(text):
        words = _word_tokenizer().tokenize(text[start:end])
        found.extend(_align(words, text, start, end))
    return found


def _has_contraction(text: str) -> bool:
    """Whether NLTK would split a word without punctuation, like "cannot" or "gonna"."""
    tokenizer = _word_tokenizer()
    padded = f" {text} "  # as NLTK pads it
    return any(p.search(padded) for p in (*tokenizer.CONTRACTIONS2, *tokenizer.CONTRACTIONS3))


def _align(words: list[str], text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Locate each word in ``text[start:end]``, in order, allowing for rewritten quotes."""
    found, point = [], start
    for word in words:
        candidates = _QUOTES if word in _QUOTES else (word,)
        hits = [(text.find(c, point, end), len(c)) for c in candidates]
        hits = [(at, width) for at, width in hits if at >= 0]
        if not hits:  # not seen with NLTK 3.9; a lost word beats a wrong offset
            log.debug("word %r not found in %r", word, text[start:end])
            continue
        at, width = min(hits)
        found.append((at, at + width))
        point = at + width
    return found
