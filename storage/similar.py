"""Near duplicates of one document, found through the SimHash band index, never a table scan.

Two fingerprints at most :data:`dedup.MAX_DISTANCE` bits apart agree exactly on at least one
of the four 16-bit bands (see :mod:`storage.dedup`), so the documents sharing a band with the
given one are every candidate; documents with the same content hash are added, since text
without words has no bands. The candidates' distances are then checked in Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, Select, and_, or_, select

from .dedup import MAX_DISTANCE, bands
from .errors import InvalidQuery
from .models import bands_table, documents_table, to_unsigned64
from .types import NearDuplicate

_documents = documents_table
_bands = bands_table


def near_duplicates(
    conn: Connection, doc: Row[Any], *, bits: int, limit: int
) -> list[NearDuplicate]:
    """Documents within ``bits`` bits of ``doc`` (a documents row), closest then oldest first.

    Raises:
        InvalidQuery: ``bits`` outside 0 to :data:`MAX_DISTANCE`, or a negative ``limit``.
    """
    if not 0 <= bits <= MAX_DISTANCE:
        raise InvalidQuery(f"bits must be between 0 and {MAX_DISTANCE}, got {bits}")
    if limit < 0:
        raise InvalidQuery(f"limit must not be negative, got {limit}")
    found = [
        NearDuplicate(
            id=row.id,
            url=row.url,
            title=row.title,
            lang=row.lang,
            distance=(to_unsigned64(row.simhash) ^ to_unsigned64(doc.simhash)).bit_count(),
            duplicate_of=row.duplicate_of,
        )
        for row in conn.execute(candidates(doc.id, doc.simhash, doc.content_hash))
    ]
    near = [dup for dup in found if dup.distance <= bits]
    return sorted(near, key=lambda dup: (dup.distance, dup.id))[:limit]


def candidates(doc_id: int, simhash: int, content_hash: str) -> Select[Any]:
    """Documents other than ``doc_id`` that share a SimHash band or the content hash."""
    banded = select(_bands.c.document_id).where(
        or_(
            *(
                and_(_bands.c.band == band, _bands.c.value == value)
                for band, value in enumerate(bands(simhash))
            )
        )
    )
    same = _documents.c.content_hash == content_hash
    return select(
        _documents.c.id,
        _documents.c.url,
        _documents.c.title,
        _documents.c.lang,
        _documents.c.simhash,
        _documents.c.duplicate_of,
    ).where(
        _documents.c.id != doc_id,
        or_(_documents.c.id.in_(banded), same) if simhash else same,
    )
