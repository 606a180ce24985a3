"""Sentence splitting: punctuation rules for Chinese and Japanese, Punkt for the rest."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nlp import _nltk
from nlp.detect import HAN, detect_language
from nlp.errors import require_str
from nlp.types import Sentence

_CLOSERS = r"”’\"'」』）)》〉】〗〕］\]"  # inside a character class
# 。！？；… end a sentence; so do ! and ? right after a Han character. Closing quotes and
# brackets that follow stay with the sentence they close: 他说：“好。”|然后走了。
_CJK_END = re.compile(rf"(?:[。！？；…]+|(?<=[{HAN}])[!?]+)[。！？；…!?]*[{_CLOSERS}]*")
_LINE = re.compile("[^\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
_CJK_LANGS = ("zh", "ja")


def split_sentences(text: str, *, lang: str | None = None) -> list[Sentence]:
    """Split ``text`` into sentences with offsets; a line break always ends a sentence.

    Each line is split by the rules of ``lang``, or of the language detected for that line:
    Chinese and Japanese at sentence-final punctuation, other languages with NLTK's Punkt
    (untrained, with a list of English abbreviations such as "Dr." and "e.g.").
    """
    require_str(text)
    sentences: list[Sentence] = []
    for line in _LINE.finditer(text):
        start = line.start()
        line_lang = lang or detect_language(line.group())
        for s, e in _line_spans(line.group(), line_lang):
            sentences.extend(_trimmed(text, start + s, start + e))
    return sentences


def _line_spans(line: str, lang: str) -> Iterator[tuple[int, int]]:
    if lang.partition("-")[0].lower() not in _CJK_LANGS:
        yield from _nltk.sentence_spans(line)
        return
    start = 0
    for end in _CJK_END.finditer(line):
        yield start, end.end()
        start = end.end()
    yield start, len(line)


def _trimmed(text: str, start: int, end: int) -> Iterator[Sentence]:
    """The sentence ``text[start:end]`` without surrounding whitespace; nothing if blank."""
    part = text[start:end]
    stripped = part.strip()
    if stripped:
        start += len(part) - len(part.lstrip())
        yield Sentence(stripped, start, start + len(stripped))
