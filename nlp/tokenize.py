"""Word segmentation and script-aware tokenization with offsets into the source text.

Tokenizing a Chinese page is mostly segmenting it, so the fast path hands the whole text to
the segmenter in one call, with everything that is neither Han nor simple Chinese punctuation
blanked out (same length, so offsets are cumulative word lengths). The blanked stretches
(Latin, digits, URLs, emoji, ...) go through the rules in :mod:`nlp._marks` and NLTK.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import re
from collections.abc import Iterator
from itertools import accumulate, compress, repeat
from operator import attrgetter

from nlp import _jieba, _marks, _nltk, dictionary
from nlp._jieba import Mode
from nlp.detect import HAN
from nlp.errors import require_str
from nlp.stopwords import stopwords
from nlp.types import Token, TokenKind

# Punctuation that is always a token by itself: the segmenter emits it as one, with the Han
# text around it. Repeats (…… ——) and the apostrophe of "don’t" take the slow path.
MARKS = "，。、；：？！“”‘（）《》〈〉「」『』【】〔〕〖〗·・…—～｜"
# A word NLTK's Treebank rules leave whole (a percent sign after it aside): letters and digits,
# joined by - _ . / or, between digits, by , and : (COVID-19, x86_64, 3.14, 1,000, 12:30);
# here without its first character, and not starting "www.".
_WHOLE_TAIL = r"[A-Za-z0-9]*(?:(?:[-_./]|(?<=[0-9])[,:](?=[0-9]))[A-Za-z0-9]+)*"
# What is blanked out for the segmenter: such a word alone between spaces, Han or marks (most
# of them, handled here at once; group ``whole`` holds all of it but its first character),
# else a stretch without Han and marks, or a repeated mark. Every match starts with the one
# character class, which lets the engine skip Han text fast instead of trying each branch.
_OTHER = re.compile(
    rf"[^{HAN}\s]"
    rf"(?:(?<=(?P<mark>[{MARKS}]))(?P=mark)+"
    rf"|(?<=[A-Za-z0-9])(?!(?<=w)ww\.)(?P<whole>{_WHOLE_TAIL})(?P<percent>%)?"
    rf"(?![^{HAN}{MARKS}\s])"
    rf"|(?<![{MARKS}])(?:[^{HAN}{MARKS}]*[^{HAN}{MARKS}\s])?)"
)
LAST_SPACE = 0x3000  # the ideographic space: no whitespace character comes after it
_HAN_RUN_OR_MARK = re.compile(f"[{HAN}]+|[{MARKS}]")
_URL_CHAR = r"[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]"
_LINK = re.compile(
    rf"(?P<url>\b(?:(?:https?|ftp)://|www\.){_URL_CHAR}+)"
    r"|(?P<email>(?<![\w.%+\-])[\w.%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})",
    re.ASCII,  # \w and \b in ASCII: an address next to Chinese text must not swallow it
)
_URL_TAIL = ".,;:!?'\"]"  # sentence punctuation after a URL belongs to the sentence
_LETTER = re.compile("[A-Za-z]")
_START = attrgetter("start")
_new_token = tuple.__new__  # builds a Token from a (text, start, end, kind) tuple, in C


def segment(text: str, *, mode: Mode = "accurate", hmm: bool = True) -> list[str]:
    """Chinese words, split exactly as jieba splits them.

    Args:
        mode: ``"accurate"`` (``jieba.lcut``), ``"search"`` (``jieba.lcut_for_search``: the
            words plus their dictionary sub-words, for indexing) or ``"full"``
            (``jieba.lcut(cut_all=True)``: every dictionary word; ``hmm`` does not apply).
        hmm: let jieba's HMM join characters the dictionary does not know into words.
    """
    return dictionary.cut(require_str(text), mode, hmm)


def tokenize(
    text: str,
    *,
    lang: str | None = None,
    mode: Mode = "accurate",
    lower: bool = False,
    drop_punct: bool = False,
    drop_stopwords: bool = False,
) -> list[Token]:
    """Split ``text`` into tokens whose offsets point into ``text``, in order of their start.

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
    with _collector_paused():
        masked, others = _blank_others(text, lower)
        tokens = _han_tokens(masked, mode)
        tokens += others
        tokens.sort(key=_START)
    if drop_punct:
        tokens = [t for t in tokens if t.kind != "punct" and t.kind != "symbol"]
    if stop:
        tokens = [t for t in tokens if _marks.stop_key(t.text) not in stop]
    return tokens


def tokenizer_version(*, hmm: bool = True) -> str:
    """Identify what produced a token stream: backends, versions, options and dictionaries."""
    segmenter, _, hashes = dictionary.version().partition(";")
    return f"{segmenter}+{_nltk.version()};hmm={int(hmm)};{hashes}"


def _stopword_set(lang: str | None) -> frozenset[str]:
    return stopwords(lang) if lang is not None else stopwords("zh") | stopwords("en")


def _blank_others(text: str, lower: bool) -> tuple[str, list[Token]]:
    """``text`` with all but Han, marks and whitespace blanked, and the blanked part's tokens."""
    parts: list[str] = []
    others: list[Token] = []
    done = 0
    for match in _OTHER.finditer(text):
        start, end = match.span()
        parts += (text[done:start], _blank(end - start))
        done = end
        whole_end = match.end("whole")  # -1 if not such a word
        whole = text[start:whole_end] if whole_end > 0 else ""
        if whole and not (_LETTER.search(whole) and _nltk.is_contraction(whole)):
            kind: TokenKind = "number" if _marks.is_number(whole) else "word"
            others.append(
                _new_token(Token, (whole.lower() if lower else whole, start, whole_end, kind))
            )
            if match["percent"]:
                others.append(_new_token(Token, ("%", end - 1, end, "punct")))
            continue
        for s, e, kind in _stretch_spans(text, start, end):
            word = text[s:e]
            others.append(Token(word.lower() if lower else word, s, e, kind))
    if not done:
        return text, others
    parts.append(text[done:])
    return "".join(parts), others


def _blank(length: int) -> str:
    """Whitespace of ``length`` characters in as few tokens as jieba makes: CR LF is one."""
    return "\r\n" * (length // 2) + " " * (length % 2)


def _han_tokens(masked: str, mode: Mode) -> list[Token]:
    """Tokens of the Han text and marks left in ``masked`` (everything else is spaces)."""
    if mode == "full":
        return list(_full_tokens(masked))
    words = dictionary.cut(masked, "accurate", True)
    ends = list(accumulate(map(len, words)))
    kinds = list(map(_han_kinds().get, words, repeat("word")))  # None for whitespace
    spans = zip(words, [0, *ends], ends, kinds, strict=False)  # [0, *ends] is one longer
    tokens: list[Token] = list(map(_new_token, repeat(Token), compress(spans, kinds)))
    return tokens if mode == "accurate" else list(_with_grams(tokens))


def _with_grams(tokens: list[Token]) -> Iterator[Token]:
    """Each word's dictionary 2- and 3-grams before it, as ``jieba.lcut_for_search`` has them."""
    is_word = dictionary.word_test()
    for token in tokens:
        if len(token.text) > 2:
            for at, gram in _jieba.grams(token.text, is_word):
                yield Token(gram, token.start + at, token.start + at + len(gram))
        yield token


def _full_tokens(masked: str) -> Iterator[Token]:
    """Full mode, one Han run at a time: its words overlap, so offsets are found, not summed."""
    for match in _HAN_RUN_OR_MARK.finditer(masked):
        run, start = match.group(), match.start()
        kind = _mark_kinds().get(run)
        if kind:
            yield Token(run, start, start + 1, kind)
            continue
        at = 0
        for word in dictionary.cut(run, "full", True):
            if word and not word.isspace():
                at = run.find(word, at)
                yield Token(word, start + at, start + at + len(word))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cycle collector while a text's tokens are built.

    Tokens are tuples the collector keeps tracking (it stops tracking only plain tuples), so
    building 100,000 of them sets off full collections that take longer than segmenting.
    Nothing built here holds a cycle; the collector catches up once, afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@functools.cache
def _mark_kinds() -> dict[str, TokenKind]:
    return {mark: _marks.kind(mark) for mark in MARKS}


@functools.cache
def _han_kinds() -> dict[str, TokenKind | None]:
    """The kind of each word the segmenter emits that is not a ``word``.

    ``None`` for whitespace (the segmenter emits it as single characters, or CR LF), which
    never becomes a token.
    """
    whitespace = [chr(code) for code in range(LAST_SPACE + 1) if chr(code).isspace()]
    return {**_mark_kinds(), **dict.fromkeys([*whitespace, "\r\n"])}


def _stretch_spans(text: str, start: int, end: int) -> Iterator[_marks.Span]:
    """Tokens of a blanked stretch: URLs and e-mails whole, the rest by :mod:`nlp._marks`."""
    done = start
    for match in _LINK.finditer(text, start, end):
        yield from _marks.spans(text, done, match.start())
        link_start, link_end = match.span()
        if match.lastgroup == "url":
            link_end = _trim_url(text, link_start, link_end)
        yield link_start, link_end, "url" if match.lastgroup == "url" else "email"
        done = link_end
    yield from _marks.spans(text, done, end)


def _trim_url(text: str, start: int, end: int) -> int:
    """Give trailing punctuation (and an unbalanced closing parenthesis) back to the text."""
    while end > start:
        last = text[end - 1]
        unbalanced = last == ")" and text.count("(", start, end) < text.count(")", start, end)
        if last not in _URL_TAIL and not unbalanced:
            break
        end -= 1
    return end
