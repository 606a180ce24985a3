"""Word counts and concordances, read from the stored token streams."""

from __future__ import annotations

import functools
import heapq
import re
from collections import Counter
from collections.abc import Iterable, Iterator

import nlp

from .types import Line

_WORDLIKE = re.compile(r"\w")  # a token with no letter or digit is punctuation or a symbol
_NO_SPACE_BEFORE = frozenset(".,;:!?)]}%'\"")
_NO_SPACE_AFTER = frozenset("([{$#@")


def count(streams: Iterable[str]) -> Counter[str]:
    """Token counts over space-joined token streams, case-folded (the loop runs in C)."""
    counts: Counter[str] = Counter()
    for tokens in streams:
        counts.update(tokens.lower().split())
    return counts


def top(
    counts: Counter[str], *, n: int, drop_stopwords: bool, min_len: int
) -> list[tuple[str, int]]:
    """The ``n`` most frequent words of ``counts``, ties broken alphabetically.

    Punctuation and symbols are never words; Chinese and English stopwords go when asked.
    """
    stop = _stopwords() if drop_stopwords else frozenset()
    words = (
        (word, times)
        for word, times in counts.items()
        if len(word) >= min_len and word not in stop and _WORDLIKE.search(word)
    )
    return heapq.nsmallest(n, words, key=lambda item: (-item[1], item[0]))


def key_tokens(word: str) -> list[str]:
    """``word`` segmented like the documents, case-folded: what a concordance line centres on."""
    return [t.text.lower() for t in nlp.tokenize(nlp.normalize(word.replace("\x00", "")))]


def lines(document_id: int, url: str, tokens: str, key: list[str], *, width: int) -> Iterator[Line]:
    """Every occurrence of the token sequence ``key`` in one token stream, with context."""
    stream = tokens.split()
    folded = [token.lower() for token in stream]
    size = len(key)
    for i in range(len(stream) - size + 1):
        if folded[i : i + size] == key:
            left = join(stream[max(0, i - width) : i])[-width:] if width else ""
            right = join(stream[i + size : i + size + width])[:width] if width else ""
            yield Line(document_id, url, left, join(stream[i : i + size]), right)


def join(tokens: list[str]) -> str:
    """Tokens back into running text: spaces between Latin-script words, none around Chinese."""
    out: list[str] = []
    for token in tokens:
        if out and _spaced(out[-1][-1], token[0]):
            out.append(" ")
        out.append(token)
    return "".join(out)


def _spaced(before: str, after: str) -> bool:
    if not (before.isascii() and after.isascii()):  # Chinese text and its punctuation
        return False
    return after not in _NO_SPACE_BEFORE and before not in _NO_SPACE_AFTER


@functools.cache
def _stopwords() -> frozenset[str]:
    return nlp.stopwords("zh") | nlp.stopwords("en")
