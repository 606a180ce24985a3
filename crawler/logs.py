"""Logging for the terminal: one line per problem, never a traceback, never a whole item."""

from __future__ import annotations

import logging
import sys
from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


class OneLineErrors(logging.Filter):
    """Drop tracebacks from records; the message already says what failed and where."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now: the live progress display redirects it."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def log_to_terminal(level: str) -> None:
    """Send log records at ``level`` and above to stderr, one line each."""
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
    handler.addFilter(OneLineErrors())
    handler.setLevel(level)  # on the handler: Scrapy resets the root logger's level
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level, logging.getLevelName(level)))  # else ours stop at WARNING


class PageLogFormatter(LogFormatter):
    """Scrapy's messages without the item itself (a page item holds the whole body)."""

    def dropped(
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        return {**result, "msg": "Dropped: %(exception)s", "args": {"exception": exception}}

    def scraped(self, item: Any, response: Any, spider: Any) -> LogFormatterResult:
        return {
            "level": logging.DEBUG,
            "msg": "Processed %(url)s",
            "args": {"url": getattr(item, "url", "")},
        }

    def item_error(
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> LogFormatterResult:
        return {
            "level": logging.ERROR,
            "msg": "Error processing %(url)s: %(exception)s",
            "args": {"url": getattr(item, "url", ""), "exception": exception},
        }
