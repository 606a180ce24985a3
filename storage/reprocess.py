"""Which documents a newer tokenizer or extractor should analyze again, and marking them current.

A document is stale when its ``tokenizer`` or ``extractor`` version differs from the one given.
Reprocessing walks the stale documents in id order and stamps each one current once its new
analysis is stored, so a run that is stopped resumes where it left off.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, func, or_, select, update

from .models import documents_table, pages_table
from .types import Page

_documents = documents_table
_pages = pages_table


def stale(tokenizer: str, extractor: str) -> ColumnElement[bool]:
    """Documents analyzed by another tokenizer or extractor version (or an unknown one)."""
    tok, ext = _documents.c.tokenizer, _documents.c.extractor
    return or_(tok.is_(None), tok != tokenizer, ext.is_(None), ext != extractor)


def count(conn: Connection, conditions: Sequence[ColumnElement[bool]]) -> int:
    statement = select(func.count()).select_from(_documents).where(*conditions)
    return int(conn.execute(statement).scalar_one())


def batch(
    conn: Connection, conditions: Sequence[ColumnElement[bool]], *, after: int, size: int
) -> list[Row[Any]]:
    """The next ``size`` documents matching ``conditions`` after id ``after``, in id order."""
    statement = select(_documents).where(_documents.c.id > after, *conditions)
    return list(conn.execute(statement.order_by(_documents.c.id).limit(size)))


def pages(conn: Connection, ids: Sequence[int]) -> dict[int, Page]:
    """The raw pages kept for documents ``ids``, by document id."""
    statement = select(_pages).where(_pages.c.document_id.in_(ids))
    return {
        row.document_id: Page(
            row.document_id, zlib.decompress(row.body), dict(row.headers), row.fetched_at
        )
        for row in conn.execute(statement)
    }


def mark_current(conn: Connection, ids: Sequence[int], tokenizer: str, extractor: str) -> None:
    """Record that documents ``ids`` are what these versions make of their pages."""
    if ids:
        statement = update(_documents).where(_documents.c.id.in_(ids))
        conn.execute(statement.values(tokenizer=tokenizer, extractor=extractor))
