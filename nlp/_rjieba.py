"""The fast backend: jieba-rs (through ``rjieba``) made to split exactly as jieba does.

jieba-rs uses jieba's dictionary, DAG and HMM, and differs from jieba 0.42.1 in three places;
this module closes each gap so the output is identical:

* Its blocks also take CJK extension and compatibility ideographs, which jieba leaves to
  itself as single characters: the text is cut at those characters (and at lone surrogates,
  which cannot cross into Rust) and they are emitted one by one, as jieba does.
* Its HMM keeps a run of ASCII letters, digits and ``+#&._%-`` whole (``6-1``,
  ``www.people.com.cn``) where jieba's ``finalseg`` splits it at the punctuation: such words,
  when not in the dictionary, are split again with ``finalseg``'s own expression.
* Its search mode and word total differ: grams are added here as ``cut_for_search`` adds
  them, and the total is made equal to jieba's with a weight on a word that no text can
  contain.

Full mode, and words deleted with frequency 0 (which jieba-rs cannot express), stay with jieba.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from nlp import _jieba

# Ideographs jieba-rs joins into blocks but jieba does not, and lone surrogates.
_FOREIGN = re.compile(
    "[\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0002a6df\U0002a700-\U0002ebef"
    "\U0002f800-\U0002fa1f\ud800-\udfff]"
)
_FOREIGN_SPLIT = re.compile(f"({_FOREIGN.pattern})")
# Runs of ASCII block characters with punctuation, where the HMMs may disagree. Written to
# start with a character class, which lets the engine skip Han text fast: a character that
# no block character precedes, then letters and digits up to punctuation, then the rest.
_ASCII_PUNCT_RUN = re.compile(
    r"[A-Za-z0-9+#&._%\-](?<![A-Za-z0-9+#&._%\-].)(?:(?<=[+#&._%\-])|[A-Za-z0-9]*[+#&._%\-])"
    r"[A-Za-z0-9+#&._%\-]*"
)
# The words of a text are joined with a lone surrogate (no text handed to jieba-rs holds one:
# ``_FOREIGN`` cuts at them) to find, in one pass, each whole word of ASCII block characters
# with punctuation in it.
_SEPARATOR = "\udfff"
_FINALSEG_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # jieba/finalseg/__init__.py
_ASCII_PUNCT_WORD = re.compile(
    r"[A-Za-z0-9+#&._%\-](?<![^\udfff].)"
    # not a word finalseg keeps in one piece (3.14, 50%)
    r"(?!(?<=[A-Za-z0-9])[A-Za-z0-9]*(?:\.\d+)?%?(?![^\udfff]))"
    r"[A-Za-z0-9]*[+#&._%\-][A-Za-z0-9+#&._%\-]*(?![^\udfff])"
)
# Carries the weight that makes jieba-rs's total equal jieba's; it holds a space, and no
# block of text handed to the segmenter ever does.
BALLAST = " yuliao total "

_lock = threading.Lock()


@functools.cache  # asked on every call to segment
def available() -> bool:
    """Whether rjieba is installed (it is a dependency, but may lack a wheel somewhere)."""
    return importlib.util.find_spec("rjieba") is not None


@functools.cache
def version() -> str:
    from importlib.metadata import version  # 20 ms to import: only when asked

    return f"rjieba-{version('rjieba')}"


@functools.cache
def tokenizer() -> Any:
    """Return the shared jieba-rs tokenizer with jieba's word total (~0.3 s on first use)."""
    import rjieba

    tok = rjieba.Jieba()
    tok.add_word(BALLAST, _jieba.duplicate_weight(), None)
    return tok


def replay(words: Iterable[tuple[str, int, str | None]], extra_total: int) -> None:
    """Apply user words, already given their frequencies, and jieba's total on top of them."""
    with _lock:  # jieba-rs refuses to change while another thread reads it
        tok = tokenizer()
        for word, freq, tag in words:
            tok.add_word(word, freq, tag)
        tok.add_word(BALLAST, _jieba.duplicate_weight() + extra_total, None)


def cut(text: str, mode: _jieba.Mode, hmm: bool) -> list[str]:
    """Split as jieba does in ``"accurate"`` and ``"search"`` modes."""
    words = _cut_accurate(text, hmm)
    return words if mode == "accurate" else list(_with_grams(words))


def _cut_accurate(text: str, hmm: bool) -> list[str]:
    if not _FOREIGN.search(text):
        return _cut_block_text(text, hmm)
    words: list[str] = []
    for i, piece in enumerate(_FOREIGN_SPLIT.split(text)):
        if i % 2:
            words.append(piece)
        elif piece:
            words.extend(_cut_block_text(piece, hmm))
    return words


def _cut_block_text(text: str, hmm: bool) -> list[str]:
    words: list[str] = tokenizer().cut(text, hmm)
    return _resplit_ascii(text, words) if hmm else words


def _resplit_ascii(text: str, words: list[str]) -> list[str]:
    """Split ASCII words of jieba-rs's HMM that jieba's HMM splits at punctuation.

    Such a word holds punctuation and lies inside a run of ASCII block characters with
    punctuation in the text; the runs are few, so the words are looked for only when there
    is one, all at once in the joined words, and counted by the separators before them.
    """
    if not _ASCII_PUNCT_RUN.search(text):
        return words
    joined = _SEPARATOR.join(words)
    fixed: list[str] = []
    done = index = at = 0  # ``index``: the word at ``at`` in ``joined``; ``done``: words fixed
    for match in _ASCII_PUNCT_WORD.finditer(joined):
        word = match.group()
        if is_word(word):
            continue
        index += joined.count(_SEPARATOR, at, match.start())
        at = match.start()
        fixed += words[done:index]
        fixed += _finalseg_pieces(word)
        done = index + 1
    if not done:
        return words
    fixed += words[done:]
    return fixed


def is_word(word: str) -> bool:
    return bool(tokenizer().has_word(word))


@functools.lru_cache(maxsize=4096)  # the same codes and versions recur throughout a corpus
def _finalseg_pieces(word: str) -> tuple[str, ...]:
    """``word`` split as jieba's ``finalseg`` splits a stretch of non-Han characters."""
    return tuple(piece for piece in _FINALSEG_SKIP.split(word) if piece)


def _with_grams(words: list[str]) -> Iterator[str]:
    """``jieba.Tokenizer.cut_for_search``: dictionary 2- and 3-grams before each long word."""
    for word in words:
        if len(word) > 2:
            yield from (gram for _, gram in _jieba.grams(word, is_word))
        yield word
