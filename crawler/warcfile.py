"""The HTML pages in WARC files (``yuliao crawl --warc``'s, Common Crawl's, any that warcio reads).

Only response records with HTTP headers can become documents; requests, metadata and the
like are passed over, and responses that cannot are counted by reason, as a crawl counts its
drops: ``revisit`` (no body, only a pointer to an earlier capture), ``http_<status>``
(not a 2xx answer), ``not_html``, ``too_large`` (as received or once decompressed),
``bad_content_encoding`` (a body its ``Content-Encoding`` does not decode), ``truncated`` (a
record cut short, or the file ending inside one) and ``damaged`` (unreadable from there on;
the rest of that file is lost, the other files are read).

Bodies are decompressed as a crawl's HttpCompressionMiddleware does it (gzip, deflate, br,
zstd, with the same size bound), not by warcio, which knows neither zstd nor brotli 1.2.
"""

from __future__ import annotations

import contextlib
import io
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scrapy.utils._compression import _DecompressionMaxSizeExceeded, _inflate, _unbrotli, _unzstd
from scrapy.utils.gz import gunzip
from warcio.archiveiterator import WARCIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException
from warcio.timeutils import iso_date_to_datetime

from crawler.items import PageItem
from crawler.replay import http_charset

# What warcio raises on input that is not (or no longer) a readable WARC file.
_DAMAGE = (ArchiveLoadFailed, StatusAndHeadersParserException, EOFError, ValueError, zlib.error)


# The body kept is decoded, as a crawl keeps it: these headers no longer describe it.
_UNDONE = frozenset({"Content-Encoding", "Transfer-Encoding"})

# Scrapy's bounded decoders, those of its HttpCompressionMiddleware, by Content-Encoding token
# (a private module: should an upgrade move them, the import fails loudly).
_DECODERS: dict[str, Callable[..., bytes]] = {
    "gzip": gunzip,
    "x-gzip": gunzip,
    "deflate": _inflate,
    "br": _unbrotli,
    "zstd": _unzstd,
}


class WarcError(Exception):
    """A file that is not a WARC file at all."""


class _Records(WARCIterator):  # type: ignore[misc]
    """warcio's reader, noting whether the file ended inside a gzip member (cut off)."""

    cut_off = False

    def close(self) -> None:
        decompressor = getattr(self.reader, "decompressor", None)
        self.cut_off = decompressor is not None and not decompressor.eof
        super().close()


class WarcReader:
    """Reads WARC files into page items, counting what it passes over.

    Args:
        max_size: largest body kept, in bytes (a crawl's ``DOWNLOAD_MAXSIZE``).
    """

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self.records = 0  # WARC records read, of every type
        self.responses = 0
        self.dropped: Counter[str] = Counter()
        self.position = 0  # bytes of the current file read so far
        self.problems: list[str] = []  # one line per file that was damaged

    @staticmethod
    def check(path: Path) -> None:
        """Raise :class:`WarcError` unless ``path`` starts with a readable WARC record."""
        try:
            with path.open("rb") as fp, _quiet():
                next(iter(_Records(fp)))
        except OSError as exc:
            raise WarcError(f"cannot read {path}: {exc.strerror}") from exc
        except StopIteration:
            empty = path.stat().st_size == 0
            raise WarcError(
                f"{path} is empty" if empty else f"{path} holds no WARC record"
            ) from None
        except Exception as exc:  # warcio raises all kinds of errors on arbitrary bytes
            raise WarcError(f"{path} is not a WARC file ({_first_line(exc)})") from exc

    def pages(self, path: Path) -> Iterator[PageItem]:
        """The pages of one file that may become documents, in file order."""
        with path.open("rb") as fp:
            records, read, last, reason = _Records(fp), 0, None, None
            try:
                for last in _each(records):
                    read += 1
                    self.records += 1
                    self.position = fp.tell()
                    page, reason = self._page(last)
                    if reason:
                        self._drop(reason)
                    elif page is not None:
                        yield page
            except _DAMAGE as exc:
                self._drop("damaged")
                self.problems.append(f"{path}: damaged after {read} records: {_first_line(exc)}")
                return
            cut = records.cut_off or (last is not None and _missing(last))
            if cut and reason != "truncated":
                self._drop("truncated")  # the file ends inside a record
            self.position = fp.tell()

    def _page(self, record: Any) -> tuple[PageItem | None, str | None]:
        """The record as a page, or why a response record cannot be one."""
        if record.rec_type == "revisit":
            return None, "revisit"
        if record.rec_type != "response":
            return None, None
        self.responses += 1
        reason = _unusable(record)
        if reason:
            return None, reason
        with _quiet():
            payload = _dechunked(record).read(self.max_size + 1)
        if len(payload) > self.max_size:
            return None, "too_large"
        with _quiet():
            record.raw_stream.read()  # what de-chunking left, if anything: was it all there?
        if _missing(record):
            return None, "truncated"
        try:
            body = _decoded(payload, _encodings(record), self.max_size)
        except _DecompressionMaxSizeExceeded:
            return None, "too_large"
        except Exception:  # noqa: BLE001 - each decoder has errors of its own; all mean the same
            return None, "bad_content_encoding"
        return _item(record, body), None

    def _drop(self, reason: str) -> None:
        self.dropped[reason] += 1


def _unusable(record: Any) -> str | None:
    """Why a response record cannot be a page, judged by its headers alone."""
    http = record.http_headers
    code = http.get_statuscode() if http is not None else None
    if not (code and code.isdigit() and _url(record).startswith(("http://", "https://"))):
        return "not_http"
    if not 200 <= int(code) < 300:
        return f"http_{code}"
    if "html" not in _content_type(record).lower():  # text/html, application/xhtml+xml
        return "not_html"
    return None


def _dechunked(record: Any) -> Any:
    """The payload with chunked transfer encoding undone, still content-encoded."""
    if (record.http_headers.get_header("Transfer-Encoding") or "").lower() == "chunked":
        return ChunkedDataReader(record.raw_stream)
    return record.raw_stream


def _encodings(record: Any) -> list[str]:
    """The Content-Encoding tokens, in the order they were applied."""
    return [
        token.strip().lower()
        for name, value in record.http_headers.headers
        if name.lower() == "content-encoding"
        for token in value.split(",")
        if token.strip()
    ]


def _decoded(body: bytes, encodings: list[str], max_size: int) -> bytes:
    """``body`` decompressed, the last encoding first; an unknown one raises ``KeyError``."""
    for encoding in reversed(encodings):
        if encoding != "identity":
            body = _DECODERS[encoding](body, max_size=max_size)
    return body


def _each(records: _Records) -> Iterator[Any]:
    """The records, with warcio's own warnings kept off the terminal."""
    while True:
        with _quiet():
            record = next(records, None)
        if record is None:
            return
        yield record


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence warcio, which writes warnings about damaged input straight to stderr."""
    with contextlib.redirect_stderr(io.StringIO()):
        yield


def _missing(record: Any) -> int:
    """How many bytes of a record, read to its end, the file did not have."""
    return int(getattr(record.raw_stream, "limit", 0))


def _item(record: Any, body: bytes) -> PageItem:
    headers: dict[str, str] = {}
    for name, value in record.http_headers.headers:
        key = name.title()  # as Scrapy spells header names
        if key in _UNDONE:
            continue
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return PageItem(
        url=_url(record),
        body=body,
        status=int(record.http_headers.get_statuscode()),
        headers=headers,
        http_charset=http_charset(headers),
        fetched_at=_date(record.rec_headers.get_header("WARC-Date")),
    )


def _url(record: Any) -> str:
    return str(record.rec_headers.get_header("WARC-Target-URI") or "").strip("<>")


def _content_type(record: Any) -> str:
    """The response's Content-Type; a crawl takes a page without one for HTML, too."""
    return str(record.http_headers.get_header("Content-Type") or "text/html")


def _date(value: str | None) -> datetime | None:
    try:
        return iso_date_to_datetime(value).replace(tzinfo=timezone.utc) if value else None
    except ValueError:
        return None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
