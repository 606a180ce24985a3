"""Tokens of text that is neither Han nor simple Chinese punctuation.

Marks (wide punctuation, symbols, emoji) are cut out first because NLTK would glue them to
words; the plain text between them goes to NLTK's Treebank tokenizer. Control and format
characters separate pieces and belong to none.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

from nlp import _nltk
from nlp.types import TokenKind

Span = tuple[int, int, TokenKind]

# What the Treebank tokenizer handles by itself: printable ASCII and ordinary whitespace.
_NOT_PLAIN = re.compile(r"[^\t\n\r\x20-\x7e]")
_NUMBER = re.compile(r"[+\-]?(?:\d+(?:[.,:/]\d+)*|[.,]\d+)")
_IN_WORD_APOSTROPHE = "\u2019"  # don’t
# Same length, so offsets hold: NLTK then splits "don’t" like "don't" (do, n’t).
_APOSTROPHES = str.maketrans({_IN_WORD_APOSTROPHE: "'"})
_ZWJ = "\u200d"
_REGIONAL_INDICATORS = ("\U0001f1e6", "\U0001f1ff")  # pairs of them are flags
_MODIFIERS = ("\U0001f3fb", "\U0001f3ff")  # skin tones


def spans(text: str, start: int, end: int) -> Iterator[Span]:
    """Tokens of ``text[start:end]``, a stretch without Han, URLs or e-mails."""
    for piece_start, piece_end, is_mark in _pieces(text, start, end):
        if is_mark:
            yield piece_start, piece_end, kind(text[piece_start:piece_end])
        elif not text[piece_start:piece_end].isspace():
            plain = text[piece_start:piece_end].translate(_APOSTROPHES)
            for s, e in _nltk.word_spans(plain):
                yield (
                    piece_start + s,
                    piece_start + e,
                    kind(text[piece_start + s : piece_start + e]),
                )


def is_number(word: str) -> bool:
    return _NUMBER.fullmatch(word) is not None


@functools.lru_cache(maxsize=8192)  # words recur; their characters' categories cost more
def kind(word: str) -> TokenKind:
    """``number``, ``punct``, ``symbol`` or ``word``: what the characters of ``word`` are."""
    if is_number(word):
        return "number"
    categories = {unicodedata.category(c) for c in word}
    classes = {c[0] for c in categories if c[0] != "M" and c != "Cf"}  # accents, emoji joiners
    if classes <= {"P"}:
        return "punct"
    if classes <= {"P", "S"}:
        return "symbol"
    return "word"


def stop_key(word: str) -> str:
    """How a token is looked up in a stopword list: lower case, typographic apostrophe as '."""
    return word.lower().translate(_APOSTROPHES)


def _pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int, bool]]:
    """Cut out what NLTK would glue to words: wide punctuation, symbols, emoji, controls.

    Yields ``(start, end, is_mark)``: a mark is one token (a punctuation or symbol cluster);
    other pieces are plain text for NLTK.
    """
    run = at = start
    while match := _NOT_PLAIN.search(text, at, end):
        at = match.start()
        role = _role(text, at)
        if role == "text":
            at += 1
            continue
        if run < at:
            yield run, at, False
        if role == "mark":
            stop = _cluster_end(text, at, end)
            yield at, stop, True
        else:
            stop = at + 1
        run = at = stop
    if run < end:
        yield run, end, False


def _role(text: str, at: int) -> str:
    """``"mark"``, ``"separator"`` or ``"text"`` for the non-ASCII or control character at ``at``."""
    char = text[at]
    category = unicodedata.category(char)
    if char.isspace():
        return "text"
    if category in ("Cc", "Cf", "Cs"):
        return "separator"
    if category[0] not in "PS":
        return "text"
    if char != _IN_WORD_APOSTROPHE or not 0 < at < len(text) - 1:
        return "mark"
    return "text" if text[at - 1].isalpha() and text[at + 1].isalpha() else "mark"


def _cluster_end(text: str, at: int, end: int) -> int:
    """End of the mark at ``at``: repeats (…… ——), combining marks, emoji sequences."""
    first, stop = text[at], at + 1
    if unicodedata.category(first).startswith("P"):
        while stop < end and text[stop] == first:
            stop += 1
    elif _is_between(first, _REGIONAL_INDICATORS) and stop < end:
        stop += _is_between(text[stop], _REGIONAL_INDICATORS)
    while stop < end:
        char = text[stop]
        if unicodedata.category(char) in ("Mn", "Me") or _is_between(char, _MODIFIERS):
            stop += 1
        elif char == _ZWJ and stop + 1 < end and unicodedata.category(text[stop + 1]) == "So":
            stop += 2
        else:
            break
    return stop


def _is_between(char: str, bounds: tuple[str, str]) -> bool:
    return bounds[0] <= char <= bounds[1]
