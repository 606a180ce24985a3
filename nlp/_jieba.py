"""The process's one jieba tokenizer, built quietly, with its cache in a private directory.

jieba's module-level tokenizer (``jieba.dt``) logs to stderr and writes its marshal cache to the
shared system temp directory, where another user could plant a poisoned one. Everything that
touches jieba goes through this module, so the untyped API stays here.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import stat
import threading
import warnings
from pathlib import Path
from typing import Any, Literal, cast

from nlp.errors import NlpError

Mode = Literal["accurate", "search", "full"]
MODES: tuple[Mode, ...] = ("accurate", "search", "full")

_lock = threading.Lock()


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


def _import_jieba() -> Any:
    with warnings.catch_warnings():
        # jieba/_compat.py imports pkg_resources, which warns where setuptools still ships it.
        warnings.simplefilter("ignore")
        import jieba
    return jieba


def tokenizer() -> Any:
    """Return the shared ``jieba.Tokenizer``, building its dictionary (~1 s) on first use."""
    with _lock:  # two threads must not build (and later diverge on) two tokenizers
        return _build()


@functools.cache
def _build() -> Any:
    jieba = _import_jieba()
    jieba.setLogLevel(logging.WARNING)  # else "Building prefix dict..." on stderr
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(cache_dir())
    tok.initialize()
    return tok


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: expected accurate, search or full")


def cut(text: str, mode: Mode, hmm: bool) -> list[str]:
    """Split exactly as ``jieba.lcut``, ``lcut_for_search`` or ``lcut(cut_all=True)`` do."""
    check_mode(mode)
    tok = tokenizer()
    if mode == "accurate":
        words = tok.lcut(text, HMM=hmm)
    elif mode == "search":
        words = tok.lcut_for_search(text, HMM=hmm)
    else:
        words = tok.lcut(text, cut_all=True)
    return cast("list[str]", words)


def spans(text: str, mode: Mode, hmm: bool) -> list[tuple[str, int, int]]:
    """``(word, start, end)`` for the words :func:`cut` returns, in the same order."""
    if mode == "full":  # jieba has no offsets for it; words come in order of their start
        found, start = [], 0
        for word in cut(text, mode, hmm):
            start = text.find(word, start)
            found.append((word, start, start + len(word)))
        return found
    check_mode(mode)
    jieba_mode = "default" if mode == "accurate" else mode
    return list(tokenizer().tokenize(text, jieba_mode, hmm))


def version() -> str:
    return f"jieba-{_import_jieba().__version__}"


@functools.cache
def dictionary_id() -> str:
    """First 8 hex digits of the dictionary's SHA-256: segmentation changes with it."""
    with tokenizer().get_dict_file() as dictionary:
        return hashlib.sha256(dictionary.read()).hexdigest()[:8]
