"""One call that turns a page's text into everything the corpus stores."""

from __future__ import annotations

import hashlib
from collections import Counter

from nlp.detect import detect_language
from nlp.fingerprint import fingerprint
from nlp.normalize import normalize
from nlp.sentences import split_sentences
from nlp.tokenize import tokenize, tokenizer_version
from nlp.types import Analysis, Sentence

_CONTENT_KINDS = ("word", "number")  # what near-duplicate detection compares


def analyze(text: str, *, lang: str | None = None) -> Analysis:
    """Normalize ``text`` and describe it: languages, sentences, tokens, fingerprints.

    Each paragraph (line of the normalized text) gets its own language; the document's is
    ``lang`` when given, else the language covering most characters (``"und"`` if none).
    Sentences follow each paragraph's language, falling back to ``lang`` where unsure.
    """
    normalized = normalize(text)
    paragraphs = normalized.split("\n") if normalized else []
    paragraph_langs = tuple(detect_language(p) for p in paragraphs)
    tokens = tokenize(normalized)
    words = [t.text.lower() for t in tokens if t.kind in _CONTENT_KINDS]
    return Analysis(
        text=normalized,
        lang=lang or _dominant(paragraphs, paragraph_langs),
        paragraph_langs=paragraph_langs,
        sentences=tuple(_sentences(paragraphs, paragraph_langs, lang)),
        tokens=tuple(tokens),
        fingerprint=fingerprint(words),
        content_hash=hashlib.sha256(normalized.encode("utf-8")).hexdigest(),
        tokenizer=tokenizer_version(),
    )


def _dominant(paragraphs: list[str], langs: tuple[str, ...]) -> str:
    """The language of the most characters, ignoring paragraphs whose language is unknown."""
    share: Counter[str] = Counter()
    for paragraph, lang in zip(paragraphs, langs, strict=True):
        if lang != "und":
            share[lang] += len(paragraph)
    return share.most_common(1)[0][0] if share else "und"


def _sentences(
    paragraphs: list[str], langs: tuple[str, ...], fallback: str | None
) -> list[Sentence]:
    found, offset = [], 0
    for paragraph, lang in zip(paragraphs, langs, strict=True):
        rule = fallback if lang == "und" and fallback else lang
        for s in split_sentences(paragraph, lang=rule):
            found.append(Sentence(s.text, s.start + offset, s.end + offset))
        offset += len(paragraph) + 1  # the newline
    return found
