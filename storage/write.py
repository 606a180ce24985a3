"""Writing one batch of documents: rows, full-text index, SimHash bands, raw pages, duplicates.

Everything happens in the caller's transaction, so a batch is stored whole or not at all.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, Insert, Row, case, func, select

from . import dedup
from . import search as fts
from .engine import insert
from .models import crawls_table, documents_table, now, pages_table, to_signed64
from .types import NewDocument

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: no backend takes them
_IN_CHUNK = 500
_PAGE_FIELDS = ("body", "headers")
_documents = documents_table
_crawls = crawls_table
_pages = pages_table


@dataclass(slots=True)
class _Pending:
    """One document of the batch: its column values, its crawl and its raw page."""

    values: dict[str, Any]
    crawl_name: str | None
    body: bytes | None
    headers: Mapping[str, str]


def clean(text: str) -> str:
    """``text`` without NUL and lone surrogates."""
    return _UNSTORABLE.sub("", text)


def prepare(docs: Iterable[NewDocument]) -> list[_Pending]:
    """Validated, storable rows, one per URL (the last one wins), in first-seen order."""
    pending = {}
    for doc in docs:
        values = {
            f.name: getattr(doc, f.name)
            for f in fields(doc)
            if f.name != "crawl_name" and f.name not in _PAGE_FIELDS
        }
        for name, value in values.items():
            if isinstance(value, str):
                values[name] = clean(value)
        values["simhash"] = to_signed64(doc.simhash)
        values["updated_at"] = now()
        headers = {clean(k): clean(v) for k, v in (doc.headers or {}).items()}
        pending[values["url"]] = _Pending(values, doc.crawl_name, doc.body, headers)
    return list(pending.values())


def store(conn: Connection, batch: Sequence[_Pending]) -> None:
    """Upsert ``batch`` and everything that hangs off each document."""
    crawl_ids = {p.crawl_name: crawl_id(conn, p.crawl_name) for p in batch if p.crawl_name}
    for p in batch:
        p.values["crawl_id"] = crawl_ids.get(p.crawl_name or "")
    urls = [p.values["url"] for p in batch]
    old = {row.url: row for row in _rows(conn, urls, _documents.c.tokens)}
    conn.execute(_upsert_statement(conn.dialect.name), [p.values for p in batch])
    ids = {row.url: row.id for row in _rows(conn, urls)}
    new = [p.values for p in batch if p.values["url"] not in old]
    changed = [
        p.values
        for p in batch
        if (before := old.get(p.values["url"])) is not None
        and (before.tokens, before.simhash, before.content_hash)
        != (p.values["tokens"], p.values["simhash"], p.values["content_hash"])
    ]
    fts.write_index(conn, ((ids[v["url"]], v["tokens"]) for v in new), replace=False)
    fts.write_index(conn, ((ids[v["url"]], v["tokens"]) for v in changed), replace=True)
    dedup.write_bands(conn, [(ids[v["url"]], v["simhash"]) for v in new], replace=False)
    dedup.write_bands(conn, [(ids[v["url"]], v["simhash"]) for v in changed], replace=True)
    _store_pages(conn, batch, ids)
    old_hashes = {old[v["url"]].content_hash for v in changed}
    dedup.resolve(conn, [ids[v["url"]] for v in new + changed], old_hashes)


def crawl_values(name: str, *, seeds: list[str], settings: dict[str, Any]) -> dict[str, Any]:
    """Column values of a crawl that starts (or resumes) now."""
    return {
        "name": clean(name),
        "seeds": seeds,
        "settings": settings,
        "started_at": now(),
        "status": "running",
    }


def crawl_id(conn: Connection, name: str) -> int:
    """The id of crawl ``name``, recorded as running if it was not known."""
    values = crawl_values(name, seeds=[], settings={})
    conn.execute(insert(conn.dialect.name, _crawls).values(values).on_conflict_do_nothing())
    statement = select(_crawls.c.id).where(_crawls.c.name == values["name"])
    return int(conn.execute(statement).scalar_one())


def _rows(conn: Connection, urls: Sequence[str], *extra: Any) -> list[Row[Any]]:
    columns = (_documents.c.id, _documents.c.url, _documents.c.content_hash, _documents.c.simhash)
    found: list[Row[Any]] = []
    for start in range(0, len(urls), _IN_CHUNK):
        chunk = urls[start : start + _IN_CHUNK]
        found += conn.execute(select(*columns, *extra).where(_documents.c.url.in_(chunk))).all()
    return found


def _store_pages(conn: Connection, batch: Sequence[_Pending], ids: Mapping[str, int]) -> None:
    rows = [
        {
            "document_id": ids[p.values["url"]],
            "body": zlib.compress(p.body),
            "headers": dict(p.headers),
            "fetched_at": p.values["fetched_at"],
        }
        for p in batch
        if p.body is not None
    ]
    if rows:
        statement = insert(conn.dialect.name, _pages)
        new = statement.excluded
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[_pages.c.document_id],
                set_={"body": new.body, "headers": new.headers, "fetched_at": new.fetched_at},
            ),
            rows,
        )


@functools.cache
def _upsert_statement(dialect: str) -> Insert:
    """INSERT … ON CONFLICT(url) DO UPDATE, keeping ``updated_at`` when the content is unchanged.

    In an upsert's SET clause, the table's own columns are the row's values before the update
    (on SQLite and PostgreSQL alike).
    """
    statement = insert(dialect, _documents)
    new = statement.excluded
    kept = {"id", "url", "duplicate_of", "updated_at", "crawl_id"}
    changes: dict[str, Any] = {c.name: new[c.name] for c in _documents.c if c.name not in kept}
    changes["updated_at"] = case(
        (_documents.c.content_hash == new.content_hash, _documents.c.updated_at),
        else_=new.updated_at,
    )
    changes["crawl_id"] = func.coalesce(new.crawl_id, _documents.c.crawl_id)
    return statement.on_conflict_do_update(index_elements=[_documents.c.url], set_=changes)
