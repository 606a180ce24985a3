"""Logging for the terminal: one line per problem, never a traceback."""

from __future__ import annotations

import logging
import sys


class OneLineErrors(logging.Filter):
    """Drop tracebacks from records; the message already says what failed and where."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


def log_to_terminal(level: str) -> None:
    """Send log records at ``level`` and above to stderr, one line each."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
    handler.addFilter(OneLineErrors())
    handler.setLevel(level)  # on the handler: Scrapy resets the root logger's level
    logging.getLogger().addHandler(handler)
