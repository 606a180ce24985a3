"""Word segmentation and script-aware tokenization with offsets into the source text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from nlp import _jieba, _nltk
from nlp._jieba import Mode
from nlp.detect import HAN
from nlp.errors import require_str
from nlp.stopwords import stopwords
from nlp.types import Token, TokenKind

Span = tuple[int, int, TokenKind]

_URL_CHAR = r"[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]"
_PIECE = re.compile(
    rf"(?P<url>\b(?:(?:https?|ftp)://|www\.){_URL_CHAR}+)"
    r"|(?P<email>(?<![\w.%+\-])[\w.%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})"
    rf"|(?P<han>[{HAN}]+)",
    re.ASCII,  # \w and \b in ASCII: an address next to Chinese text must not swallow it
)
_URL_TAIL = ".,;:!?'\"]"  # sentence punctuation after a URL belongs to the sentence
# What the Treebank tokenizer handles by itself: printable ASCII and ordinary whitespace.
_NOT_PLAIN = re.compile(r"[^\t\n\r\x20-\x7e]")
_NUMBER = re.compile(r"[+\-]?(?:\d+(?:[.,:/]\d+)*|[.,]\d+)")
_IN_WORD_APOSTROPHE = "\u2019"  # don’t
# Same length, so offsets hold: NLTK then splits "don’t" like "don't" (do, n’t).
_APOSTROPHES = str.maketrans({_IN_WORD_APOSTROPHE: "'"})
_ZWJ = "\u200d"
_REGIONAL_INDICATORS = ("\U0001f1e6", "\U0001f1ff")  # pairs of them are flags
_MODIFIERS = ("\U0001f3fb", "\U0001f3ff")  # skin tones


def segment(text: str, *, mode: Mode = "accurate", hmm: bool = True) -> list[str]:
    """Chinese words, split exactly as jieba splits them.

    Args:
        mode: ``"accurate"`` (``jieba.lcut``), ``"search"`` (``jieba.lcut_for_search``: the
            words plus their dictionary sub-words, for indexing) or ``"full"``
            (``jieba.lcut(cut_all=True)``: every dictionary word; ``hmm`` does not apply).
        hmm: let jieba's HMM join characters the dictionary does not know into words.
    """
    return _jieba.cut(require_str(text), mode, hmm)


def tokenize(
    text: str,
    *,
    lang: str | None = None,
    mode: Mode = "accurate",
    lower: bool = False,
    drop_punct: bool = False,
    drop_stopwords: bool = False,
) -> list[Token]:
    """Split ``text`` into tokens whose offsets point into ``text``.

    Runs of Han characters go through :func:`segment` (with ``mode``; ``"search"`` and
    ``"full"`` give overlapping tokens), everything else through NLTK's Treebank word
    tokenizer; URLs and e-mail addresses stay whole. Whitespace and invisible control
    characters never become tokens.

    Args:
        lang: the stopword list ``drop_stopwords`` uses; by default Chinese and English both.
        lower: lower-case token text (offsets still point at the original).
        drop_punct: leave out punctuation and symbols (kinds ``punct`` and ``symbol``).
        drop_stopwords: leave out :func:`nlp.stopwords` of ``lang``, compared in lower case.
    """
    require_str(text)
    _jieba.check_mode(mode)
    stop = _stopword_set(lang) if drop_stopwords else frozenset()
    tokens = []
    for start, end, kind in _spans(text, mode):
        word = text[start:end]
        if drop_punct and kind in ("punct", "symbol"):
            continue
        if stop and _stop_key(word) in stop:
            continue
        tokens.append(Token(word.lower() if lower else word, start, end, kind))
    return tokens


def tokenizer_version(*, hmm: bool = True) -> str:
    """Identify what produced a token stream: backends, versions, options and dictionary."""
    return f"{_jieba.version()}+{_nltk.version()};hmm={int(hmm)};dict={_jieba.dictionary_id()}"


def _stopword_set(lang: str | None) -> frozenset[str]:
    return stopwords(lang) if lang is not None else stopwords("zh") | stopwords("en")


def _stop_key(word: str) -> str:
    return word.lower().translate(_APOSTROPHES)


def _spans(text: str, mode: Mode) -> Iterator[Span]:
    """Every token of ``text`` in order: URLs, e-mails and Han runs first, the rest between."""
    done = 0
    for match in _PIECE.finditer(text):
        yield from _other_spans(text, done, match.start())
        start, end = match.span()
        if match.lastgroup == "han":
            words = _jieba.spans(text[start:end], mode, hmm=True)
            yield from ((start + s, start + e, "word") for _, s, e in words)
        elif match.lastgroup == "url":
            end = _trim_url(text, start, end)
            yield start, end, "url"
        else:
            yield start, end, "email"
        done = end
    yield from _other_spans(text, done, len(text))


def _trim_url(text: str, start: int, end: int) -> int:
    """Give trailing punctuation (and an unbalanced closing parenthesis) back to the text."""
    while end > start:
        last = text[end - 1]
        unbalanced = last == ")" and text.count("(", start, end) < text.count(")", start, end)
        if last not in _URL_TAIL and not unbalanced:
            break
        end -= 1
    return end


def _other_spans(text: str, start: int, end: int) -> Iterator[Span]:
    """Tokens of a stretch without Han, URLs or e-mails."""
    for piece_start, piece_end, is_mark in _pieces(text, start, end):
        if is_mark:
            yield piece_start, piece_end, _kind(text[piece_start:piece_end])
        elif not text[piece_start:piece_end].isspace():
            plain = text[piece_start:piece_end].translate(_APOSTROPHES)
            for s, e in _nltk.word_spans(plain):
                yield (
                    piece_start + s,
                    piece_start + e,
                    _kind(text[piece_start + s : piece_start + e]),
                )


def _pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int, bool]]:
    """Cut out what NLTK would glue to words: wide punctuation, symbols, emoji, controls.

    Yields ``(start, end, is_mark)``: a mark is one token (a punctuation or symbol cluster);
    other pieces are plain text for NLTK. Control and format characters separate pieces
    and belong to none.
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


def _kind(word: str) -> TokenKind:
    if _NUMBER.fullmatch(word):
        return "number"
    categories = {unicodedata.category(c) for c in word}
    classes = {c[0] for c in categories if c[0] != "M" and c != "Cf"}  # accents, emoji joiners
    if classes <= {"P"}:
        return "punct"
    if classes <= {"P", "S"}:
        return "symbol"
    return "word"
