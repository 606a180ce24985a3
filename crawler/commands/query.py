"""Commands that read the corpus: ``search``, ``show``, ``stats``, ``freq``, ``kwic``, ``export``."""

from __future__ import annotations

import os
import secrets
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from crawler.commands.common import open_corpus, query_userdict_option
from crawler.output import format_option, output_options, write_json, write_rows

EXPORT_FORMATS = ("jsonl", "csv", "parquet", "txt")


class InvalidQueryError(click.ClickException):
    """A query the corpus rejects: bad usage, so exit 2, in one line."""

    exit_code = 2

    def __init__(self, detail: str) -> None:
        super().__init__(f"invalid query: {detail}")


def _utc(ctx: click.Context, param: click.Parameter, value: datetime | None) -> datetime | None:
    """A ``--since`` date without a zone is taken as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


def _output_file(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A path an export can be written to (checked before the corpus is opened), or ``-``."""
    if "\x00" in value:
        raise click.BadParameter("a path cannot contain NUL", ctx=ctx, param=param)
    if value != "-" and os.path.isdir(value):
        raise click.BadParameter(f"{value} is a directory", ctx=ctx, param=param)
    return value


lang_option = click.option("--lang", help="Only documents in this language (zh, en, ...).")
since_option = click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]),
    callback=_utc,
    help="Only documents new or changed since this date (UTC).",
)
duplicates_option = click.option(
    "--include-duplicates", is_flag=True, help="Also documents marked as duplicates."
)


@click.command()
@click.argument("query")
@lang_option
@click.option("--domain", help="Only documents from this host.")
@since_option
@duplicates_option
@click.option(
    "--raw", is_flag=True, help="QUERY is FTS5 (SQLite) or web-search (PostgreSQL) syntax."
)
@click.option("--limit", type=click.IntRange(min=1, max=1000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip the first N hits.")
@query_userdict_option
@output_options
@click.pass_obj
def search(db: str, query: str, fmt: str, **options: Any) -> None:
    """Search stored documents for QUERY (a word or phrase, Chinese or not).

    \b
    Examples:
        yuliao search 自然语言 --limit 5 --format jsonl
        yuliao search 书 --lang zh --since 2024-05-01
        yuliao search '"natural language" OR 语言' --raw
    """
    from storage import InvalidQuery

    with open_corpus(db) as corpus:
        try:
            hits = corpus.search(query, **options)
        except InvalidQuery as exc:
            raise InvalidQueryError(str(exc)) from exc
    write_rows(hits, fmt, ("id", "score", "title", "url", "snippet"))


@click.command()
@click.argument("document")
@click.option("--tokens", is_flag=True, help="Also print the token stream.")
@click.option("--sentences", is_flag=True, help="Print the text one sentence per line.")
@format_option(["text", "json"], default="text")
@click.pass_obj
def show(db: str, document: str, tokens: bool, sentences: bool, fmt: str) -> None:
    """Show one document, by id or URL.

    \b
    Example:
        yuliao show 3 --tokens
    """
    from storage import DocumentNotFound

    key: int | str = int(document) if document.isdigit() else document
    with open_corpus(db) as corpus:
        try:
            doc = corpus.get(key)
        except DocumentNotFound as exc:
            raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        write_json(doc)
        return
    fields = ("id", "url", "title", "lang", "domain", "fetched_at", "n_tokens", "encoding")
    for label in (*fields, "duplicate_of"):
        click.echo(f"{label + ':':14} {getattr(doc, label)}")
    click.echo()
    if sentences:
        import nlp

        for sentence in nlp.split_sentences(doc.text):
            click.echo(sentence.text)
    else:
        click.echo(doc.text)
    if tokens:
        click.echo()
        click.echo(doc.tokens)


@click.command()
@format_option(["table", "json"], default="table")
@click.pass_obj
def stats(db: str, fmt: str) -> None:
    """Overview of the corpus: documents, tokens, duplicates, size, by language and domain.

    \b
    Example:
        yuliao stats --format json
    """
    with open_corpus(db) as corpus:
        overview = corpus.stats()
    if fmt == "json":
        write_json(overview)
        return
    totals = ("documents", "tokens", "chars", "duplicates", "duplicate_rate", "crawls")
    row = {key: getattr(overview, key) for key in totals}
    row["db_size"] = _size(overview.db_bytes)
    write_rows([row], fmt, (*totals, "db_size"))
    for title, groups in (("language", overview.by_lang), ("domain", overview.by_domain)):
        click.echo()
        click.echo(f"by {title}:")
        write_rows(groups, fmt, ("key", "documents", "tokens", "chars"))


@click.command()
@lang_option
@click.option("--top", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--keep-stopwords", is_flag=True, help="Count stopwords (的, the, ...) too.")
@click.option("--min-len", type=click.IntRange(min=1), default=1, show_default=True)
@duplicates_option
@output_options
@click.pass_obj
def freq(
    db: str,
    lang: str | None,
    top: int,
    keep_stopwords: bool,
    min_len: int,
    include_duplicates: bool,
    fmt: str,
) -> None:
    """The most frequent words of the corpus (punctuation never counts).

    \b
    Examples:
        yuliao freq --lang zh --top 20
        yuliao freq --lang en --min-len 3 --format csv
    """
    with open_corpus(db) as corpus:
        counts = corpus.frequencies(
            lang=lang,
            top=top,
            drop_stopwords=not keep_stopwords,
            min_len=min_len,
            include_duplicates=include_duplicates,
        )
    rows = [{"rank": i, "word": word, "count": n} for i, (word, n) in enumerate(counts, 1)]
    write_rows(rows, fmt, ("rank", "word", "count"))


@click.command()
@click.argument("word")
@click.option("--width", type=click.IntRange(min=0, max=500), default=20, show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@query_userdict_option
@output_options
@click.pass_obj
def kwic(db: str, word: str, width: int, limit: int, fmt: str) -> None:
    """Key word in context: every occurrence of WORD with the text around it.

    WORD matches whole words as the segmenter cuts them: after `reprocess --userdict`, give
    the same --userdict.

    \b
    Example:
        yuliao kwic 语言 --width 15 --limit 20
    """
    from storage import InvalidQuery

    with open_corpus(db) as corpus:
        try:
            lines = corpus.concordance(word, width=width, limit=limit)
        except InvalidQuery as exc:
            raise InvalidQueryError(str(exc)) from exc
    if fmt != "table":
        write_rows(lines, fmt, ("document_id", "url", "left", "word", "right"))
        return
    from rich.cells import cell_len  # Chinese characters take two terminal columns

    column = max((cell_len(line.left) for line in lines), default=0)
    for line in lines:
        padding = " " * (column - cell_len(line.left))
        click.echo(f"{padding}{line.left}  {line.word}  {line.right}")


@click.command()
@click.argument("file", callback=_output_file)
@format_option(
    EXPORT_FORMATS, default="jsonl", help="txt: one document per line, tokens space-separated."
)
@lang_option
@since_option
@duplicates_option
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.pass_obj
def export(db: str, file: str, fmt: str, force: bool, **options: Any) -> None:
    """Export documents to FILE, or to stdout with '-'.

    FILE is written whole or not at all, and an existing FILE is replaced only with --force.

    \b
    Examples:
        yuliao export corpus.jsonl
        yuliao export - --format txt --lang zh > zh.txt
        yuliao export corpus.parquet --format parquet --since 2024-05-01
    """
    from storage import StorageError
    from storage.export import check_format

    try:
        check_format(fmt)
    except StorageError as exc:
        raise click.ClickException(str(exc)) from exc
    path = Path(file)
    if file != "-" and not force and os.path.lexists(path):
        raise _exists(path)
    with open_corpus(db) as corpus:
        if file == "-":
            count = corpus.export(sys.stdout.buffer, fmt=fmt, **options)
        else:
            count = _export_file(corpus, path, fmt, options, force=force)
    click.echo(f"exported {count} documents", err=True)


def _export_file(corpus: Any, path: Path, fmt: str, options: dict[str, Any], *, force: bool) -> int:
    """Write to a new temporary file beside ``path``, then move it there: no half export.

    The temporary name is unpredictable and created exclusively, so a symlink planted in the
    directory is never written through; a symlink at ``path`` is replaced, not followed.
    """
    partial = path.with_name(f".{path.name}.{secrets.token_hex(8)}.part")
    try:
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb") as fp:
            count: int = corpus.export(fp, fmt=fmt, **options)
        _publish(partial, path, force=force)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return count


def _publish(partial: Path, path: Path, *, force: bool) -> None:
    """Move the finished export to ``path``; without ``force``, never over an existing file."""
    if force:
        os.replace(partial, path)
        return
    try:
        os.link(partial, path)  # atomic: fails if something appeared at path meanwhile
    except FileExistsError:
        raise _exists(path) from None
    except PermissionError:  # a file system without hard links (FAT): path was free just now
        os.rename(partial, path)


def _exists(path: Path) -> click.ClickException:
    return click.ClickException(f"{path} exists: pass --force to replace it")


def _size(n: float) -> str:
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    unit = 0
    while n >= 1024 and unit < len(units) - 1:
        n /= 1024
        unit += 1
    return f"{n:.1f} {units[unit]}" if unit else f"{int(n)} B"
