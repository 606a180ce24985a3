"""Errors raised by :mod:`nlp`.

Error tree::

    NlpError                  base of everything the library raises on purpose
    └── UnsupportedLanguage   a language without shipped data (also a ValueError)
"""

from __future__ import annotations


class NlpError(Exception):
    """Raised when text processing cannot proceed: missing optional backend, unusable cache."""


class UnsupportedLanguage(NlpError, ValueError):
    """Raised when a function is asked for a language it ships no data for."""


def require_str(text: object) -> str:
    """Reject ``None`` and ``bytes`` early: decoding is :func:`nlp.decode_html`'s job."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    return text
