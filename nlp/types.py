"""Immutable result types returned by the :mod:`nlp` functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

TokenKind = Literal["word", "number", "punct", "symbol", "url", "email"]


class Token(NamedTuple):
    """One token; ``text == source[start:end]`` for the string it came from.

    A named tuple rather than a frozen dataclass: a page has thousands of tokens, and a tuple
    is built in C, several times faster. ``token._asdict()`` gives a plain dict.
    """

    text: str
    start: int
    end: int
    kind: TokenKind = "word"


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence with its character offsets in the source text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Keyword:
    """A keyword and its weight (higher is more characteristic)."""

    word: str
    weight: float


@dataclass(frozen=True, slots=True)
class Decoded:
    """HTML bytes turned into text, and how the encoding was decided.

    ``source`` is one of ``bom``, ``http``, ``meta``, ``detected`` or ``fallback`` (no encoding
    read the bytes as text: likely mojibake).
    """

    text: str
    encoding: str
    source: str


@dataclass(frozen=True, slots=True)
class Extracted:
    """The main text of a page (paragraphs as lines) and its metadata."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    sitename: str | None = None
    lang_hint: str | None = None
    canonical_url: str | None = None


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the corpus stores about a text, from one :func:`nlp.analyze` call."""

    text: str  # normalized
    lang: str
    paragraph_langs: tuple[str, ...]
    sentences: tuple[Sentence, ...]
    tokens: tuple[Token, ...]
    fingerprint: int  # 64-bit SimHash, unsigned
    content_hash: str  # sha256 hex of the normalized text
    tokenizer: str  # backend, versions and options that produced ``tokens``

    @property
    def n_chars(self) -> int:
        return len(self.text)

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    @property
    def n_sentences(self) -> int:
        return len(self.sentences)
