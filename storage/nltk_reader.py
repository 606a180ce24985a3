"""NLTK's corpus-reader interface over a :class:`~storage.Corpus`.

``fileids()`` are document URLs (duplicates left out); ``words()`` reads the stored token
streams, lazily; ``sents()`` splits the stored text with :func:`nlp.split_sentences` and
tokenizes each sentence with :func:`nlp.tokenize`. Nothing is downloaded::

    reader = CorpusReader(corpus)
    text = nltk.Text(reader.words())
    text.concordance("language")
    text.collocation_list()

``nltk.Text.collocation_list`` reads NLTK's English stopword list; when NLTK's data is not
installed, the reader provides that list from :func:`nlp.stopwords` in a private directory.
"""

from __future__ import annotations

import functools
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nlp

if TYPE_CHECKING:
    from .corpus import Corpus

logger = logging.getLogger(__name__)


class CorpusReader:
    """Read a corpus the way NLTK's corpus readers read files.

    Args:
        corpus: an open corpus; it must stay open while the reader is used.
        lang: only documents in this language.
    """

    def __init__(self, corpus: Corpus, *, lang: str | None = None) -> None:
        self._corpus = corpus
        self._lang = lang
        _provide_nltk_stopwords()

    def fileids(self) -> list[str]:
        """The URLs of the documents, in id order."""
        return [doc.url for doc in self._corpus.documents(lang=self._lang)]

    def raw(self, fileids: str | Sequence[str] | None = None) -> str:
        """The documents' text, separated by blank lines."""
        return "\n\n".join(text for _, text, _ in self._docs(fileids))

    def words(self, fileids: str | Sequence[str] | None = None) -> Sequence[str]:
        """The stored tokens, punctuation included, read lazily document by document."""
        from nltk.collections import LazyConcatenation, LazyMap

        ids = self._ids(fileids)
        return LazyConcatenation(LazyMap(self._tokens, ids))  # type: ignore[no-any-return]

    def sents(self, fileids: str | Sequence[str] | None = None) -> list[list[str]]:
        """Sentences as lists of tokens (whitespace is never a token)."""
        return [
            [token.text for token in nlp.tokenize(sentence.text)]
            for _, text, lang in self._docs(fileids)
            for sentence in nlp.split_sentences(text, lang=_sentence_lang(lang))
        ]

    def _ids(self, fileids: str | Sequence[str] | None) -> list[int]:
        if fileids is None:
            return [doc.id for doc in self._corpus.documents(lang=self._lang)]
        names = [fileids] if isinstance(fileids, str) else list(fileids)
        return [self._corpus.get(name).id for name in names]

    def _docs(self, fileids: str | Sequence[str] | None) -> list[tuple[int, str, str]]:
        docs = (self._corpus.get(doc_id) for doc_id in self._ids(fileids))
        return [(doc.id, doc.text, doc.lang) for doc in docs]

    def _tokens(self, doc_id: int) -> list[str]:
        return self._corpus.get(doc_id).tokens.split()


def _sentence_lang(lang: str) -> str | None:
    return lang if lang in ("zh", "en") else None


@functools.cache
def _provide_nltk_stopwords() -> None:
    """Make ``nltk.corpus.stopwords.words("english")`` work without NLTK's data package."""
    import nltk

    try:
        nltk.data.find("corpora/stopwords")
        return
    except LookupError:
        pass
    root = Path(tempfile.mkdtemp(prefix="yuliao-nltk-"))  # private: mode 0700
    folder = root / "corpora" / "stopwords"
    folder.mkdir(parents=True)
    words: Any = sorted(nlp.stopwords("en"))
    (folder / "english").write_text("\n".join(words) + "\n", encoding="utf-8")
    nltk.data.path.append(os.fspath(root))
    logger.debug("NLTK stopwords provided from nlp.stopwords in %s", root)
