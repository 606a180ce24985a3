"""Start URLs given by the user: on the command line, as spider arguments, or in a file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit


class InvalidSeed(ValueError):
    """A start URL that is not an absolute http(s) URL, or a URL file that cannot be read."""


def parse_seeds(text: str) -> list[str]:
    """Split a space- or comma-separated list of start URLs and check each one."""
    return [check_seed(part) for part in re.split(r"[\s,]+", text) if part]


def check_seed(url: str) -> str:
    """Return ``url`` if it is an absolute http(s) URL with a valid host and port."""
    try:
        parts = urlsplit(url)
        if parts.port == 0:  # .port itself raises ValueError on "99999" or "x"
            raise ValueError("port 0")
    except ValueError as exc:
        raise InvalidSeed(f"not a valid URL: {url!r} ({exc})") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidSeed(f"not an http(s) URL: {url!r}")
    return url


def read_url_file(path: str | Path) -> Iterator[str]:
    """The URLs of a file, one per line (blank lines and ``#`` comments skipped), streamed.

    Raises:
        InvalidSeed: the file cannot be read, is not UTF-8, or a line is not an http(s) URL;
            the message names the file and the line.
    """
    try:
        with Path(path).open(encoding="utf-8-sig") as lines:
            for number, line in enumerate(lines, start=1):
                url = line.strip()
                if not url or url.startswith("#"):
                    continue
                try:
                    yield check_seed(url)
                except InvalidSeed as exc:
                    raise InvalidSeed(f"{path}, line {number}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidSeed(f"{path} is not UTF-8 text") from exc
    except OSError as exc:
        raise InvalidSeed(f"cannot read {path}: {exc.strerror or exc}") from exc


def check_url_file(path: str | Path) -> int:
    """Read the whole file once, so that a bad line fails before the crawl; count the URLs.

    A pipe (``/dev/stdin``, ``<(...)``) is refused: it could not be read a second time.
    """
    if Path(path).exists() and not Path(path).is_file():
        raise InvalidSeed(f"{path} is not a regular file (the URL file is read twice)")
    count = sum(1 for _ in read_url_file(path))
    if not count:
        raise InvalidSeed(f"{path} holds no URLs")
    return count
