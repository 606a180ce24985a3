"""Seed URL parsing shared by the spiders and the command line."""

from __future__ import annotations

import re
from urllib.parse import urlsplit


class InvalidSeed(ValueError):
    """A start URL that is not an absolute http(s) URL."""


def parse_seeds(text: str) -> list[str]:
    """Split a space- or comma-separated list of start URLs and check each one."""
    seeds = [part for part in re.split(r"[\s,]+", text) if part]
    if not seeds:
        raise InvalidSeed("no start URL given")
    for seed in seeds:
        check_seed(seed)
    return seeds


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
