"""Full-text search over the token stream: SQLite FTS5.

The index body is the document's ``tokens`` with every Han character made a token of its own,
indexed by FTS5's ``unicode61`` tokenizer. A query goes through the same steps and is matched as
one FTS5 phrase, so a Chinese query matches any run of characters (``书``, ``人民`` inside
``中华人民共和国``) while an English query matches whole words. The query reaches FTS5 only as a
quoted phrase string in a bound parameter: no user text is ever FTS5 or SQL syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    Integer,
    Text,
    column,
    delete,
    func,
    insert,
    literal_column,
    select,
    table,
)
from sqlalchemy.sql.elements import ColumnElement

import nlp

from .errors import InvalidQuery
from .models import documents_table
from .types import Hit

FTS_TABLE = "documents_fts"
SNIPPET_WIDTH = 40  # characters of context on each side of the match

_fts = table(FTS_TABLE, column("rowid", Integer), column("body", Text))
_documents = documents_table
_HAN = re.compile("[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af]")
_SPACE = re.compile(r"\s+")
_GAP = r"[\W_]*"  # what may separate two query terms in the text: FTS5 indexes no punctuation
_NOT_SEARCHED = ("punct", "symbol")


@dataclass(frozen=True, slots=True)
class Query:
    """A user query made safe: the FTS5 phrase, and a pattern that finds it in the text."""

    match: str
    pattern: re.Pattern[str]


def index_body(tokens: str) -> str:
    """The indexed form of a space-joined token stream: each Han character its own token."""
    return " ".join(_HAN.sub(r" \g<0> ", tokens).split())


def parse_query(query: str) -> Query:
    """Segment ``query`` like the documents and quote it as one FTS5 phrase.

    Raises:
        InvalidQuery: nothing searchable is left (empty, only punctuation or symbols).
    """
    text = nlp.normalize(query.replace("\x00", ""))
    terms = tuple(tok.text for tok in nlp.tokenize(text) if tok.kind not in _NOT_SEARCHED)
    body = index_body(" ".join(terms))
    if not body:
        raise InvalidQuery("empty query")
    pattern = re.compile(_GAP.join(re.escape(term) for term in terms), re.IGNORECASE)
    return Query(match='"' + body.replace('"', '""') + '"', pattern=pattern)


def create_index(conn: Connection) -> None:
    """Create the FTS5 table; ``rowid`` is ``documents.id``."""
    conn.exec_driver_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(body, tokenize='unicode61')"
    )


def index_document(conn: Connection, doc_id: int, tokens: str, *, replace: bool) -> None:
    """Write the index row of one document, replacing its old row when ``replace``."""
    if replace:
        conn.execute(delete(_fts).where(_fts.c.rowid == doc_id))
    conn.execute(insert(_fts).values(rowid=doc_id, body=index_body(tokens)))


def filters(*, lang: str | None, domain: str | None) -> list[ColumnElement[bool]]:
    """WHERE conditions on ``documents`` for the optional language and domain filters."""
    conditions: list[ColumnElement[bool]] = []
    if lang is not None:
        conditions.append(_documents.c.lang == lang)
    if domain is not None:
        conditions.append(_documents.c.domain == domain)
    return conditions


def search(
    conn: Connection,
    query: Query,
    *,
    lang: str | None,
    domain: str | None,
    limit: int,
    offset: int,
) -> list[Hit]:
    """Non-duplicate documents matching ``query``, best first by bm25."""
    docs = _documents
    rank = func.bm25(literal_column(FTS_TABLE)).label("rank")
    statement = (
        select(docs.c.id, docs.c.url, docs.c.title, docs.c.text, rank)
        .select_from(_fts)
        .join(docs, docs.c.id == _fts.c.rowid)
        .where(
            literal_column(FTS_TABLE).op("MATCH")(query.match),
            docs.c.duplicate_of.is_(None),
            *filters(lang=lang, domain=domain),
        )
        .order_by(rank, docs.c.id)
        .limit(limit)
        .offset(offset)
    )
    rows = conn.execute(statement)
    return [
        Hit(
            id=row.id,
            url=row.url,
            title=row.title,
            score=-row.rank,  # bm25() is negative, lower is better
            snippet=snippet(row.text, query.pattern),
        )
        for row in rows
    ]


def snippet(text: str, pattern: re.Pattern[str], *, width: int = SNIPPET_WIDTH) -> str:
    """The text around the first match, the match in ``[`` ``]``, whitespace collapsed.

    Falls back to the start of the text when the pattern does not occur literally (FTS5 also
    matches across case folding and removed diacritics).
    """
    found = pattern.search(text)
    if found is None:
        end = min(len(text), 2 * width)
        return _squash(text[:end]).strip() + ("…" if end < len(text) else "")
    start, end = max(0, found.start() - width), min(len(text), found.end() + width)
    return "".join(
        (
            "…" if start > 0 else "",
            _squash(text[start : found.start()]).lstrip(),
            f"[{_squash(found.group())}]",
            _squash(text[found.end() : end]).rstrip(),
            "…" if end < len(text) else "",
        )
    )


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text)
