"""Duplicate marking: exact (same content hash) and near (SimHash at most 3 bits apart).

A document is a duplicate of the oldest (lowest id) document with the same content hash;
failing that, of the oldest original (non-duplicate) document stored before it whose SimHash
is within :data:`MAX_DISTANCE` bits. Near candidates come from ``simhash_bands``: 64 bits cut
into four 16-bit bands, so two fingerprints 3 bits apart share at least one band exactly and
one indexed lookup per band finds them all.

Marks are resolved for the documents a batch adds or changes, for the documents that pointed
at a changed document, and for every document sharing a content hash with one of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

import nlp

from .models import bands_table, documents_table, to_unsigned64

MAX_DISTANCE = 3
BANDS = 4
_BAND_BITS = 64 // BANDS
_IN_CHUNK = 500  # values per IN (...) list, well under SQLite's variable limit
_documents = documents_table
_bands = bands_table
_T = TypeVar("_T", int, str)


@dataclass(slots=True)
class _Doc:
    id: int
    content_hash: str
    simhash: int  # signed, as stored
    duplicate_of: int | None


def bands(simhash: int) -> list[int]:
    """The four 16-bit bands of a fingerprint (signed or unsigned)."""
    unsigned = to_unsigned64(simhash)
    return [(unsigned >> (_BAND_BITS * i)) & 0xFFFF for i in range(BANDS)]


def write_bands(conn: Connection, docs: Collection[tuple[int, int]], *, replace: bool) -> None:
    """Index ``(document id, simhash)`` pairs; an all-zero fingerprint (no words) is left out."""
    if replace:
        for chunk in _chunks([doc_id for doc_id, _ in docs]):
            conn.execute(delete(_bands).where(_bands.c.document_id.in_(chunk)))
    rows = [
        {"band": band, "value": value, "document_id": doc_id}
        for doc_id, simhash in docs
        if simhash != 0
        for band, value in enumerate(bands(simhash))
    ]
    if rows:
        conn.execute(insert(_bands), rows)


def resolve(conn: Connection, touched: Collection[int], old_hashes: Collection[str]) -> int:
    """Recompute ``duplicate_of`` around the ``touched`` documents; return how many changed."""
    docs = _affected(conn, touched, old_hashes)
    lowest = _lowest_by_hash(conn, {doc.content_hash for doc in docs})
    candidates = _near_candidates(conn, docs)
    state = {doc.id: doc.duplicate_of for doc in docs}
    changes = []
    for doc in sorted(docs, key=lambda d: d.id):
        target = lowest.get(doc.content_hash)
        if target is None or target >= doc.id:
            target = _nearest_original(doc, candidates, state)
        if target != doc.duplicate_of:
            changes.append({"doc_id": doc.id, "target": target})
        state[doc.id] = target
    if changes:
        statement = (
            update(_documents)
            .where(_documents.c.id == bindparam("doc_id"))
            .values(duplicate_of=bindparam("target"))
        )
        conn.execute(statement, changes)
    return len(changes)


def _affected(
    conn: Connection, touched: Collection[int], old_hashes: Collection[str]
) -> list[_Doc]:
    columns = (
        _documents.c.id,
        _documents.c.content_hash,
        _documents.c.simhash,
        _documents.c.duplicate_of,
    )
    found: dict[int, _Doc] = {}
    for ids in _chunks(touched):
        for row in conn.execute(
            select(*columns).where(_documents.c.id.in_(ids) | _documents.c.duplicate_of.in_(ids))
        ):
            found[row.id] = _Doc(*row)
    hashes = {doc.content_hash for doc in found.values()} | set(old_hashes)
    for chunk in _chunks(hashes):
        for row in conn.execute(select(*columns).where(_documents.c.content_hash.in_(chunk))):
            found[row.id] = _Doc(*row)
    return list(found.values())


def _lowest_by_hash(conn: Connection, hashes: Collection[str]) -> dict[str, int]:
    lowest: dict[str, int] = {}
    for chunk in _chunks(hashes):
        rows = conn.execute(
            select(_documents.c.content_hash, func.min(_documents.c.id))
            .where(_documents.c.content_hash.in_(chunk))
            .group_by(_documents.c.content_hash)
        )
        lowest.update({content_hash: int(doc_id) for content_hash, doc_id in rows})
    return lowest


def _near_candidates(conn: Connection, docs: Collection[_Doc]) -> dict[tuple[int, int], list[_Doc]]:
    """Original documents sharing a band with any of ``docs``, by ``(band, value)``."""
    wanted: dict[int, set[int]] = defaultdict(set)
    for doc in docs:
        if doc.simhash != 0:
            for band, value in enumerate(bands(doc.simhash)):
                wanted[band].add(value)
    found: dict[tuple[int, int], list[_Doc]] = defaultdict(list)
    for band, values in wanted.items():
        for chunk in _chunks(values):
            rows = conn.execute(
                select(
                    _bands.c.value,
                    _documents.c.id,
                    _documents.c.content_hash,
                    _documents.c.simhash,
                    _documents.c.duplicate_of,
                )
                .join(_documents, _documents.c.id == _bands.c.document_id)
                .where(
                    _bands.c.band == band,
                    _bands.c.value.in_(chunk),
                    _documents.c.duplicate_of.is_(None),
                )
            )
            for value, *columns in rows:
                found[band, value].append(_Doc(*columns))
    for doc in docs:  # their marks may change in this round; resolve() tracks them in state
        for band, value in enumerate(bands(doc.simhash) if doc.simhash else ()):
            found[band, value].append(doc)
    return found


def _nearest_original(
    doc: _Doc, candidates: dict[tuple[int, int], list[_Doc]], state: dict[int, int | None]
) -> int | None:
    """The oldest original before ``doc`` within :data:`MAX_DISTANCE` bits, if any."""
    if doc.simhash == 0:
        return None
    best: int | None = None
    for band, value in enumerate(bands(doc.simhash)):
        for other in candidates.get((band, value), ()):
            if (
                other.id < doc.id
                and (best is None or other.id < best)
                and state.get(other.id, other.duplicate_of) is None
                and nlp.near_duplicate(doc.simhash, other.simhash, bits=MAX_DISTANCE)
            ):
                best = other.id
    return best


def _chunks(values: Iterable[_T]) -> Iterator[list[_T]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _IN_CHUNK):
        yield ordered[start : start + _IN_CHUNK]
