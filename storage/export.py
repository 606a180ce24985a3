"""Export writers: documents streamed to JSON lines, CSV, Parquet or plain token text.

Each writer takes documents one at a time (Parquet: a row group per :data:`ROW_GROUP`), so
memory stays constant whatever the corpus size.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, fields
from datetime import datetime
from typing import IO, Any

from .errors import StorageError
from .types import Document

FORMATS = ("jsonl", "csv", "parquet", "txt")
COLUMNS = tuple(f.name for f in fields(Document))
ROW_GROUP = 1000


def write(docs: Iterable[Document], fp: IO[bytes], fmt: str) -> int:
    """Write ``docs`` to the binary file ``fp`` in ``fmt``; return how many were written.

    Raises:
        StorageError: an unknown format, or Parquet without pyarrow installed.
    """
    check_format(fmt)
    return _WRITERS[fmt](docs, fp)


def check_format(fmt: str) -> None:
    """Fail early, before any file is opened, on a format that cannot be written here."""
    if fmt not in FORMATS:
        raise StorageError(f"unknown export format {fmt!r}: expected {', '.join(FORMATS)}")
    if fmt == "parquet":
        _pyarrow()


Writer = Callable[[Iterable[Document], IO[bytes]], int]
LineWriter = Callable[[Document], object]


def _text_writer(start: Callable[[io.TextIOWrapper], LineWriter]) -> Writer:
    """A writer of UTF-8 text onto ``fp``; ``start`` writes any header and returns the line writer."""

    def writer(docs: Iterable[Document], fp: IO[bytes]) -> int:
        out = io.TextIOWrapper(fp, encoding="utf-8", newline="")
        n = 0
        try:
            line = start(out)
            for doc in docs:
                line(doc)
                n += 1
            out.flush()
        finally:
            out.detach()  # the caller owns fp
        return n

    return writer


def _jsonl(out: io.TextIOWrapper) -> LineWriter:
    return lambda doc: out.write(json.dumps(asdict(doc), ensure_ascii=False, default=_iso) + "\n")


def _csv(out: io.TextIOWrapper) -> LineWriter:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    return lambda doc: writer.writerow([_cell(getattr(doc, name)) for name in COLUMNS])


def _txt(out: io.TextIOWrapper) -> LineWriter:
    return lambda doc: out.write(doc.tokens + "\n")  # tokens hold no whitespace: a line each


def _parquet(docs: Iterable[Document], fp: IO[bytes]) -> int:
    pa, pq = _pyarrow()
    schema = pa.schema(
        [
            (name, pa.uint64() if name == "simhash" else _arrow_type(pa, field.type))
            for name, field in zip(COLUMNS, fields(Document), strict=True)
        ]
    )
    n = 0
    with pq.ParquetWriter(fp, schema) as writer:
        batch: list[Document] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) == ROW_GROUP:
                n += _write_group(pa, writer, schema, batch)
        n += _write_group(pa, writer, schema, batch)
    return n


def _write_group(pa: Any, writer: Any, schema: Any, batch: list[Document]) -> int:
    if not batch:
        return 0
    columns = {name: [getattr(doc, name) for doc in batch] for name in COLUMNS}
    writer.write_table(pa.Table.from_pydict(columns, schema=schema))
    written = len(batch)
    batch.clear()
    return written


def _arrow_type(pa: Any, annotation: object) -> Any:
    text = str(annotation)
    if text.startswith("int"):
        return pa.int64()
    if text.startswith("datetime"):
        return pa.timestamp("us", tz="UTC")
    return pa.string()


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as error:
        raise StorageError("Parquet export needs pyarrow: pip install 'yuliao[parquet]'") from error
    return pa, pq


def _cell(value: object) -> object:
    return "" if value is None else _iso(value) if isinstance(value, datetime) else value


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


_WRITERS: dict[str, Writer] = {
    "jsonl": _text_writer(_jsonl),
    "csv": _text_writer(_csv),
    "parquet": _parquet,
    "txt": _text_writer(_txt),
}
