"""What every command shares: the corpus opened with one-line errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click


@contextmanager
def open_corpus(db: str, *, create: bool = False) -> Iterator[Any]:
    """Open the corpus, turning storage errors into one-line CLI errors."""
    from storage import Corpus, CorpusNotFound, StorageError

    try:
        with Corpus(db, create=create) as corpus:
            yield corpus
    except CorpusNotFound as exc:
        raise click.ClickException(f"{exc} (crawl first, or pass --db)") from exc
    except StorageError as exc:
        raise click.ClickException(str(exc)) from exc
