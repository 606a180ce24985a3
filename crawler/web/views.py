"""Presentation helpers: highlighted snippets, annotated text, sorted concordances, CSV.

Everything here works on values the corpus returned; nothing touches the database.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlsplit

from markupsafe import Markup, escape

import nlp

_MARK = re.compile(r"\[([^\[\]]*)\]")
KWIC_COLUMNS = ("document_id", "url", "left", "word", "right")
KEYWORDS = 15


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of document text: a token (``kind`` is its kind) or the text between (``""``)."""

    text: str
    kind: str = ""


@dataclass(frozen=True, slots=True)
class Chunk:
    """A sentence split into pieces, or (``sentence`` false) the text between two sentences."""

    pieces: list[Piece]
    sentence: bool


def highlight(snippet: str) -> Markup:
    """The snippet escaped, then its ``[match]`` markers turned into ``<mark>`` elements.

    Escaping first means no text from a document can ever become markup; only the markers,
    which escaping leaves alone, turn into tags.
    """
    return Markup(_MARK.sub(r"<mark>\1</mark>", str(escape(snippet))))


def when(moment: datetime | None) -> str | None:
    """A stored time to the minute, in UTC: ``2024-03-12 08:30 UTC``."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def size(n_bytes: int) -> str:
    """A byte count for people: ``540 KiB``, ``1.2 GiB``."""
    value = float(n_bytes)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            break
        value /= 1024
    return f"{value:,.0f} {unit}" if unit == "bytes" or value >= 10 else f"{value:.1f} {unit}"


def web_url(url: str | None) -> str | None:
    """``url`` when it is http(s) and so safe as a link target, else ``None``."""
    if url and urlsplit(url).scheme.lower() in ("http", "https"):
        return url
    return None


def read(text: str) -> tuple[list[Chunk], list[nlp.Keyword]]:
    """What the document page shows besides metadata: annotated text and keywords."""
    return annotate(text), nlp.keywords(text, top=KEYWORDS)


def annotate(text: str) -> list[Chunk]:
    """The text as sentences of tokens, with the text between kept, for boundary display.

    Concatenating every piece gives ``text`` back unchanged.
    """
    chunks, pos = [], 0
    for sentence in nlp.split_sentences(text):
        if sentence.start > pos:
            chunks.append(Chunk([Piece(text[pos : sentence.start])], sentence=False))
        chunks.append(Chunk(_tokens(text[sentence.start : sentence.end]), sentence=True))
        pos = sentence.end
    if pos < len(text):
        chunks.append(Chunk([Piece(text[pos:])], sentence=False))
    return chunks


def _tokens(text: str) -> list[Piece]:
    pieces, pos = [], 0
    for token in nlp.tokenize(text):
        if token.start > pos:
            pieces.append(Piece(text[pos : token.start]))
        pieces.append(Piece(token.text, token.kind))
        pos = token.end
    if pos < len(text):
        pieces.append(Piece(text[pos:]))
    return pieces


def sort_lines(lines: Sequence[Any], by: str) -> list[Any]:
    """Concordance lines sorted by the words nearest the keyword on the ``left`` or ``right``.

    Contexts are compared word by word (Chinese segmented), case-folded, from the keyword
    outwards: the left context's last word first, as concordancers do. The sort is stable,
    so ties keep the corpus order.
    """
    if by == "left":
        return sorted(lines, key=lambda line: _words(line.left)[::-1])
    if by == "right":
        return sorted(lines, key=lambda line: _words(line.right))
    return list(lines)


def _words(context: str) -> list[str]:
    return [token.text for token in nlp.tokenize(context, lower=True, drop_punct=True)]


def attachment(filename: str) -> str:
    """A Content-Disposition header value that downloads as ``filename``, any script."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def to_csv(rows: Iterable[Any], columns: Sequence[str]) -> str:
    """Rows (objects with these attributes) as CSV text with a header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([getattr(row, column) for column in columns] for row in rows)
    return out.getvalue()
