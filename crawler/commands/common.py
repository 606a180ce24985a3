"""What commands share: the corpus opened with one-line errors, options of several commands."""

from __future__ import annotations

from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from crawler.replay import Replayer

INTERRUPTED = 130  # the shell's code for "stopped by Ctrl-C"


@contextmanager
def open_corpus(db: str, *, create: bool = False) -> Iterator[Any]:
    """Open the corpus, turning storage errors into one-line CLI errors."""
    from storage import Corpus

    with storage_errors(), Corpus(db, create=create) as corpus:
        yield corpus


@contextmanager
def storage_errors() -> Iterator[None]:
    """Turn the storage errors raised in the block into one-line CLI errors."""
    from storage import CorpusNotFound, StorageError

    try:
        yield
    except CorpusNotFound as exc:
        raise click.ClickException(f"{exc} (crawl first, or pass --db)") from exc
    except StorageError as exc:
        raise click.ClickException(str(exc)) from exc


def replay(replayer: Replayer, main: Coroutine[Any, Any, None]) -> bool:
    """Run ``main`` on the replayer's workers; ``False`` when Ctrl-C stopped it.

    A bad user dictionary (found by the workers) is a one-line error.
    """
    from nlp import NlpError

    try:
        return replayer.run(main)
    except NlpError as exc:
        raise click.ClickException(str(exc)) from exc


def conclude(summary: str, *, finished: bool) -> None:
    """Print the summary; exit 130 when the command was interrupted (run it again)."""
    click.echo(summary, err=True)
    if not finished:
        raise click.exceptions.Exit(INTERRUPTED)


userdict_option = click.option(
    "--userdict",
    type=click.Path(exists=True, dir_okay=False),
    help="A jieba user dictionary (lines of 'word [freq] [tag]', UTF-8) to segment with.",
)


def _load_userdict(ctx: click.Context, param: click.Parameter, path: str | None) -> None:
    """Add a user dictionary's words to this process's segmenter; a bad file is bad usage."""
    if path is None:
        return
    from nlp import NlpError, load_userdict

    try:
        load_userdict(path)
    except NlpError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc


# For the commands that segment here (queries, text): the dictionary the corpus was made with.
query_userdict_option = click.option(
    "--userdict",
    type=click.Path(exists=True, dir_okay=False),
    callback=_load_userdict,
    expose_value=False,
    help="Segment with this jieba user dictionary too, as `reprocess --userdict` did.",
)
workers_option = click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    envvar="YULIAO_WORKERS",
    help="Processes that extract and analyze pages (also YULIAO_WORKERS; 0: one per CPU).",
)
quiet_option = click.option(
    "-q", "--quiet", is_flag=True, help="No progress; only errors and the summary."
)
