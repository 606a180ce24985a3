"""The reference backend: the process's one jieba tokenizer, built quietly, cached privately.

jieba's module-level tokenizer (``jieba.dt``) logs to stderr and writes its marshal cache to the
shared system temp directory, where another user could plant a poisoned one. Everything that
touches jieba's tokenizer goes through this module, so the untyped API stays here.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import os
import re
import stat
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, cast

from nlp.errors import NlpError

Mode = Literal["accurate", "search", "full"]
MODES: tuple[Mode, ...] = ("accurate", "search", "full")

_lock = threading.RLock()
_DICT_WORD = re.compile(rb"^(\S+) ", re.MULTILINE)


def cache_dir() -> Path:
    """Return the per-user cache directory, created with mode 0700.

    ``YULIAO_CACHE_DIR`` wins, then ``$XDG_CACHE_HOME/yuliao``, then ``~/.cache/yuliao``.
    """
    configured = os.environ.get("YULIAO_CACHE_DIR")
    if configured:
        path = Path(configured).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        path = Path(base) / "yuliao"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _check_private(path)
    return path


def _check_private(path: Path) -> None:
    """Refuse a cache directory that another user could write a cache file into."""
    info = path.stat()
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise NlpError(f"cache directory {str(path)!r} belongs to another user")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise NlpError(
            f"cache directory {str(path)!r} is writable by other users: "
            "run `chmod go-w` on it or set YULIAO_CACHE_DIR"
        )


def import_jieba() -> Any:
    with warnings.catch_warnings():
        # jieba/_compat.py imports pkg_resources, which warns where setuptools still ships it.
        warnings.simplefilter("ignore")
        import jieba
    jieba.setLogLevel(logging.WARNING)  # else "Building prefix dict..." on stderr
    return jieba


def tokenizer() -> Any:
    """Return the shared ``jieba.Tokenizer``, building its dictionary (~1 s) on first use."""
    with _lock:  # two threads must not build (and later diverge on) two tokenizers
        return _build()


def is_built() -> bool:
    return _build.cache_info().currsize > 0


@functools.cache
def _build() -> Any:
    # jieba writes its cache to a temporary file in the same directory and renames it into
    # place, so processes that build at the same moment never read a half-written cache.
    tok = import_jieba().Tokenizer()
    tok.tmp_dir = str(cache_dir())
    tok.initialize()
    return tok


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: expected accurate, search or full")


def cut(text: str, mode: Mode, hmm: bool) -> list[str]:
    """Split exactly as ``jieba.lcut``, ``lcut_for_search`` or ``lcut(cut_all=True)`` do."""
    tok = tokenizer()
    if mode == "accurate":
        words = tok.lcut(text, HMM=hmm)
    elif mode == "search":
        words = tok.lcut_for_search(text, HMM=hmm)
    else:
        words = tok.lcut(text, cut_all=True)
    return cast("list[str]", words)


def add_word(word: str, freq: int | None, tag: str | None) -> tuple[int, int]:
    """Add ``word`` as jieba does; return the frequency it got and the one it had (0 if none)."""
    tok = tokenizer()
    old = int(tok.FREQ.get(word, 0))
    if freq is None:
        freq = int(tok.suggest_freq(word, False))
    tok.add_word(word, freq, tag)
    return freq, old


def is_word(word: str) -> bool:
    """Whether ``word`` is in the dictionary with a frequency above 0."""
    return bool(tokenizer().FREQ.get(word))


def grams(word: str, is_word: Callable[[str], bool]) -> Iterator[tuple[int, str]]:
    """``(offset, gram)`` for the dictionary 2-grams, then 3-grams, of ``word``.

    What ``jieba.Tokenizer.cut_for_search`` puts before a word of over two characters.
    """
    for size in (2, 3):
        if len(word) > size:
            for at in range(len(word) - size + 1):
                if is_word(word[at : at + size]):
                    yield at, word[at : at + size]


@functools.cache
def version() -> str:
    from importlib.metadata import version  # 20 ms to import: only when asked

    return f"jieba-{version('jieba')}"


def dictionary_path() -> Path:
    """Jieba's main dictionary, found without importing jieba (its import takes ~0.2 s)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise NlpError("jieba is not installed: pip install 'jieba>=0.42.1'")
    return Path(spec.origin).parent / "dict.txt"


@functools.cache
def dictionary_id() -> str:
    """First 8 hex digits of the dictionary's SHA-256: segmentation changes with it."""
    return hashlib.sha256(dictionary_path().read_bytes()).hexdigest()[:8]


@functools.cache
def duplicate_weight() -> int:
    """How much more jieba's word total is than the sum of its words' frequencies.

    jieba adds every line of its dictionary to the total, even a word listed twice, while
    jieba-rs counts each word once (the last line's frequency); the fast backend adds the
    difference back.
    """
    data = dictionary_path().read_bytes()
    words = Counter(_DICT_WORD.findall(data))
    weight = 0
    for word in (word for word, count in words.items() if count > 1):
        freqs = re.findall(rb"^" + re.escape(word) + rb" (\d+)", data, re.MULTILINE)
        weight += sum(int(freq) for freq in freqs[:-1])
    return weight
