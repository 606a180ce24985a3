"""The user dictionary and the Chinese backend: what segments, and with which words.

Words added here go to every backend, with the same frequency, so the choice of backend never
changes a token. ``YULIAO_ZH_BACKEND`` picks the backend: ``auto`` (the default) uses jieba-rs
through ``rjieba`` when it is installed and no word was deleted (added with frequency 0, which
only jieba can express), ``jieba`` and ``rjieba`` force one.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

from nlp import _jieba, _rjieba
from nlp.errors import NlpError

BACKENDS = ("auto", "jieba", "rjieba")
_USERDICT_LINE = re.compile("^(.+?)( [0-9]+)?( [a-z]+)?$")  # jieba's re_userdict

_lock = threading.Lock()
_words: list[tuple[str, int, str | None]] = []  # as added, each with the frequency it got
# Old frequencies of re-added words, words the fast backend has, and whether one was deleted.
_state = {"replaced": 0, "synced": 0, "deleted": 0}


def add_word(word: str, freq: int | None = None, tag: str | None = None) -> None:
    """Add ``word`` to the dictionary of every Chinese backend, for this process.

    Args:
        freq: how often the word occurs; by default just enough for the word to be cut out
            whole (jieba's ``suggest_freq``). ``0`` deletes a word (jieba's ``del_word``) and
            makes ``auto`` use jieba from then on.
        tag: its part-of-speech tag (``"n"``, ``"nr"``, ...), used by TextRank keywords.
    """
    if not isinstance(word, str) or not word.strip():
        raise ValueError(f"word must be a non-empty string, got {word!r}")
    if freq is not None and (isinstance(freq, bool) or not isinstance(freq, int) or freq < 0):
        raise ValueError(f"freq must be a non-negative integer, got {freq!r}")
    with _lock:
        given, old = _jieba.add_word(word, freq, tag)
        _words.append((word, given, tag))
        _state["replaced"] += old
        _state["deleted"] |= given == 0


def load_userdict(path: str | os.PathLike[str]) -> int:
    """Add the words of a jieba user dictionary file; return how many lines were read.

    Each line is ``word [freq] [tag]`` in UTF-8, as for ``jieba.load_userdict``.

    Raises:
        NlpError: the file cannot be read or is not UTF-8.
    """
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NlpError(f"cannot read user dictionary {str(path)!r}: {exc}") from exc
    count = 0
    for raw in text.splitlines():
        line = raw.strip().lstrip("\ufeff")
        match = _USERDICT_LINE.match(line)
        if match:
            word, freq, tag = match.groups()
            add_word(word, int(freq) if freq else None, tag.strip() if tag else None)
            count += 1
    return count


def backend() -> str:
    """The backend that segments now: ``"rjieba"`` or ``"jieba"``."""
    wanted = os.environ.get("YULIAO_ZH_BACKEND", "auto") or "auto"
    if wanted not in BACKENDS:
        raise NlpError(f"YULIAO_ZH_BACKEND must be auto, jieba or rjieba, got {wanted!r}")
    deleted = _state["deleted"]
    if wanted == "rjieba":
        if not _rjieba.available():
            raise NlpError("YULIAO_ZH_BACKEND=rjieba but rjieba is not installed")
        if deleted:
            raise NlpError("rjieba cannot delete words (frequency 0): use YULIAO_ZH_BACKEND=jieba")
        return "rjieba"
    if wanted == "auto" and _rjieba.available() and not deleted:
        return "rjieba"
    return "jieba"


def cut(text: str, mode: _jieba.Mode, hmm: bool) -> list[str]:
    """Split exactly as jieba does, with the backend :func:`backend` picks."""
    _jieba.check_mode(mode)
    if mode != "full" and _fast():
        return _rjieba.cut(text, mode, hmm)
    return _jieba.cut(text, mode, hmm)


def word_test() -> Callable[[str], bool]:
    """Whether a string is a dictionary word (frequency above 0), for the current backend."""
    return _rjieba.is_word if _fast() else _jieba.is_word


def _fast() -> bool:
    """Whether jieba-rs segments now; it first gets any user words it does not have yet."""
    if backend() != "rjieba":
        return False
    if _state["synced"] < len(_words):
        _sync_fast_backend()
    return True


def _sync_fast_backend() -> None:
    with _lock:
        _rjieba.replay(_words[_state["synced"] :], _state["replaced"])
        _state["synced"] = len(_words)


def user_words_id() -> str:
    """First 8 hex digits of a hash of the user words, or ``"none"``: they change tokens."""
    if not _words:
        return "none"
    listed = "\n".join(f"{word}\t{freq}\t{tag or ''}" for word, freq, tag in _words)
    return hashlib.sha256(listed.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def version() -> str:
    """The segmenter's name and versions, with the dictionary's and user words' hashes."""
    name = _jieba.version()
    if backend() == "rjieba":
        name += f"+{_rjieba.version()}"
    return f"{name};dict={_jieba.dictionary_id()};user={user_words_id()}"
