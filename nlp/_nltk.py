"""NLTK's data-free English tokenizers: nothing is downloaded, ``NLTK_DATA`` is never read.

``word_tokenize`` and ``sent_tokenize`` need the downloadable ``punkt_tab`` model, so this
module builds the same pipeline from the parts that ship with NLTK: an untrained Punkt sentence
splitter that knows common abbreviations, then the Treebank-style ``NLTKWordTokenizer``.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
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
# Sentence ends Punkt may split at: one followed by a space and more text.
_SENTENCE_END = re.compile(r"[.?!]\S*\s+\S")
_RE_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE | re.UNICODE | re.ASCII
Rule = tuple["re.Pattern[str]", str]


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


_CACHED_LENGTH = 64  # short runs (names, brands, symbols) recur in a corpus; paragraphs do not


def word_spans(text: str) -> tuple[tuple[int, int], ...]:
    """``(start, end)`` of each Treebank word, sentence by sentence as ``word_tokenize`` does.

    Short runs are cached: a cache of whole paragraphs would only grow a worker's memory.
    """
    return _cached_word_spans(text) if len(text) <= _CACHED_LENGTH else _word_spans(text)


@functools.lru_cache(maxsize=4096)
def _cached_word_spans(text: str) -> tuple[tuple[int, int], ...]:
    return _word_spans(text)


def _word_spans(text: str) -> tuple[tuple[int, int], ...]:
    """``(start, end)`` of each Treebank word, sentence by sentence as ``word_tokenize`` does.

    The tokenizer only splits a period off the last word of its input, so it is fed one
    sentence at a time; its own ``span_tokenize`` can raise on mixed quote styles, so words
    are aligned to the text here.
    """
    if _SIMPLE.fullmatch(text) and not is_contraction(text):
        return tuple(match.span() for match in _WORD.finditer(text))  # what NLTK would return
    found: list[tuple[int, int]] = []
    treebank = _treebank()
    for start, end in _sentences_of(text):
        found.extend(_align(treebank(text[start:end]), text, start, end))
    return tuple(found)


def _sentences_of(text: str) -> list[tuple[int, int]]:
    """Punkt's sentences, skipping Punkt when no sentence can end inside ``text``."""
    if _SENTENCE_END.search(text):
        return sentence_spans(text)
    stripped = text.strip()
    start = text.find(stripped)
    return [(start, start + len(stripped))] if stripped else []


@functools.cache
def _treebank() -> Callable[[str], list[str]]:
    """``NLTKWordTokenizer.tokenize``, its rules run by the standard library's ``re``.

    NLTK runs them through a ReDoS-guarded engine several times slower; the rules are NLTK's
    own, applied in its order. Where ``re`` cannot compile one (Python 3.10 lacks possessive
    quantifiers), NLTK's tokenizer itself is used.
    """
    tokenizer = _word_tokenizer()
    try:
        before = [_std(rule) for rule in _rules_before_padding(tokenizer)]
        contractions = (*tokenizer.CONTRACTIONS2, *tokenizer.CONTRACTIONS3)
        after = [_std(rule) for rule in tokenizer.ENDING_QUOTES]
        after += [_std((rule, r" \1 \2 ")) for rule in contractions]
    except re.error:
        return tokenizer.tokenize  # type: ignore[no-any-return]

    def tokenize(text: str) -> list[str]:
        for pattern, substitution in before:
            text = pattern.sub(substitution, text)
        text = f" {text} "
        for pattern, substitution in after:
            text = pattern.sub(substitution, text)
        return text.split()

    return tokenize


def _rules_before_padding(tokenizer: Any) -> list[tuple[Any, str]]:
    rules = [*tokenizer.STARTING_QUOTES, *tokenizer.PUNCTUATION]
    return [*rules, tokenizer.PARENS_BRACKETS, tokenizer.DOUBLE_DASHES]


def _std(rule: tuple[Any, str]) -> Rule:
    pattern, substitution = rule
    return re.compile(pattern.pattern, pattern.flags & _RE_FLAGS), substitution


@functools.lru_cache(maxsize=4096)
def is_contraction(text: str) -> bool:
    """Whether NLTK would split a word without punctuation, like "cannot" or "gonna"."""
    return _contractions().search(f" {text} ") is not None  # padded as NLTK pads it


@functools.cache
def _contractions() -> re.Pattern[str]:
    """NLTK's contraction rules as one standard-library expression (NLTK's run slower)."""
    tokenizer = _word_tokenizer()
    rules = (*tokenizer.CONTRACTIONS2, *tokenizer.CONTRACTIONS3)
    return re.compile("|".join(rule.pattern.removeprefix("(?i)") for rule in rules), re.IGNORECASE)


def _align(words: list[str], text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Locate each word in ``text[start:end]``, in order, allowing for rewritten quotes."""
    found, point = [], start
    for word in words:
        if word in _QUOTES:
            at, width = _find_quote(text, point, end)
        else:
            at, width = text.find(word, point, end), len(word)
        if at < 0:  # not seen with NLTK 3.9; a lost word beats a wrong offset
            log.debug("word %r not found in %r", word, text[start:end])
            continue
        found.append((at, at + width))
        point = at + width
    return found


def _find_quote(text: str, point: int, end: int) -> tuple[int, int]:
    """The first double quote, in any of the tokenizer's spellings, at or after ``point``."""
    hits = [(text.find(quote, point, end), len(quote)) for quote in _QUOTES]
    return min(((at, width) for at, width in hits if at >= 0), default=(-1, 0))
