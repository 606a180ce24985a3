"""The ``yuliao`` command: crawl the web into a corpus, then query it.

Data goes to stdout, logs and progress to stderr. Exit codes: 0 success, 1 a one-line
``Error: ...``, 2 bad usage.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from typing import IO, Any
from urllib.parse import urlsplit

import click

from crawler.output import as_dict, output_options, write_json, write_rows
from crawler.seeds import InvalidSeed, check_seed
from crawler.summary import CrawlSummary

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(version("yuliao"), prog_name="yuliao")
@click.option(
    "--db",
    envvar="YULIAO_DB",
    default="sqlite:///corpus.db",
    show_default=True,
    help="Database URL (also from YULIAO_DB).",
)
@click.pass_context
def cli(ctx: click.Context, db: str) -> None:
    """Build clean Chinese/English text corpora from the web, and query them."""
    ctx.obj = db


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


def _seeds(ctx: click.Context, param: click.Parameter, urls: tuple[str, ...]) -> list[str]:
    try:
        return [check_seed(url) for url in urls]
    except InvalidSeed as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc


@cli.command()
@click.argument("urls", nargs=-1, required=True, callback=_seeds)
@click.option("--spider", type=click.Choice(["site"]), default="site", show_default=True)
@click.option("--name", help="Crawl name (default: the first URL's host).")
@click.option("--max-pages", type=click.IntRange(min=0), default=0, help="Stop after N responses.")
@click.option("--depth", type=click.IntRange(min=0), help="Follow links at most N levels deep.")
@click.option("--concurrency", type=click.IntRange(min=1), help="Requests per site at a time.")
@click.option("--delay", type=click.FloatRange(min=0), help="Least seconds between requests.")
@click.option("--contact", help="URL or mailto: added to the User-Agent for site owners.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.pass_obj
def crawl(
    db: str,
    urls: list[str],
    spider: str,
    name: str | None,
    max_pages: int,
    depth: int | None,
    concurrency: int | None,
    delay: float | None,
    contact: str | None,
    quiet: bool,
) -> None:
    """Crawl URLS into the corpus.

    \b
    Example:
        yuliao crawl http://127.0.0.1:8000/ --max-pages 200 --depth 3
    """
    from crawler.runner import CrawlOptions, run_crawl  # Scrapy loads only here

    with open_corpus(db, create=True):
        pass  # a bad --db fails here, in one line, before Scrapy starts
    name = name or urlsplit(urls[0]).netloc
    options = CrawlOptions(
        db=db,
        name=name,
        spider=spider,
        max_pages=max_pages,
        depth=depth,
        concurrency=concurrency,
        delay=delay,
        contact=contact,
        log_level="ERROR" if quiet else "INFO",
    )
    started = time.monotonic()
    summary = CrawlSummary.from_stats(run_crawl(urls, options), time.monotonic() - started)
    click.echo(summary.render(name), err=True)
    if not summary.seeds_fetched:
        raise click.ClickException(f"no start URL could be fetched: {summary.seed_errors(urls)}")


@cli.command()
@click.argument("query")
@click.option("--lang", help="Only documents in this language (zh, en, ...).")
@click.option("--domain", help="Only documents from this host.")
@click.option("--limit", type=click.IntRange(min=1, max=1000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip the first N hits.")
@output_options
@click.pass_obj
def search(
    db: str, query: str, lang: str | None, domain: str | None, limit: int, offset: int, fmt: str
) -> None:
    """Search stored documents for QUERY (a word or phrase, Chinese or not).

    \b
    Example:
        yuliao search 自然语言 --limit 5 --format jsonl
    """
    from storage import InvalidQuery

    with open_corpus(db) as corpus:
        try:
            hits = corpus.search(query, lang=lang, domain=domain, limit=limit, offset=offset)
        except InvalidQuery as exc:
            raise click.UsageError(f"invalid query: {exc}") from exc
    write_rows(hits, fmt, ("id", "score", "title", "url", "snippet"))


@cli.command()
@click.argument("document")
@click.option("--tokens", is_flag=True, help="Also print the token stream.")
@click.option("--sentences", is_flag=True, help="Print the text one sentence per line.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
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
    for label in ("id", "url", "title", "lang", "domain", "fetched_at", "n_tokens", "encoding"):
        click.echo(f"{label + ':':12} {getattr(doc, label)}")
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


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def stats(db: str, fmt: str) -> None:
    """Overview of the corpus: documents, tokens and characters by language and domain."""
    with open_corpus(db) as corpus:
        overview = corpus.stats()
    if fmt == "json":
        write_json(overview)
        return
    totals = ("documents", "tokens", "chars", "duplicates", "crawls")
    write_rows([{key: getattr(overview, key) for key in totals}], fmt, totals)
    for title, groups in (("language", overview.by_lang), ("domain", overview.by_domain)):
        click.echo()
        click.echo(f"by {title}:")
        write_rows(groups, fmt, ("key", "documents", "tokens", "chars"))


@cli.command()
@click.argument("text", required=False, default="-")
@click.option(
    "--mode",
    type=click.Choice(["accurate", "search", "full"]),
    default="accurate",
    show_default=True,
)
@click.option("--lang", help="Language of the text (default: detected).")
@click.option("--sentences", is_flag=True, help="One sentence per line instead of one input line.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "jsonl"]),
    default="text",
    show_default=True,
)
def tokenize(text: str, mode: str, lang: str | None, sentences: bool, fmt: str) -> None:
    """Tokenize TEXT, or standard input when TEXT is - (the default), line by line.

    \b
    Example:
        echo "我爱自然语言处理 and NLP." | yuliao tokenize -
    """
    import nlp

    def tokenized() -> Iterator[list[dict[str, Any]]]:
        for line in _lines(text, sys.stdin):
            pieces = [s.text for s in nlp.split_sentences(line, lang=lang)] if sentences else [line]
            for piece in pieces:
                yield [as_dict(token) for token in nlp.tokenize(piece, lang=lang, mode=mode)]

    if fmt == "json":
        write_json(list(tokenized()))
        return
    for tokens in tokenized():
        if fmt == "jsonl":
            click.echo(json.dumps(tokens, ensure_ascii=False))
        else:
            click.echo(" ".join(token["text"] for token in tokens))


def _lines(text: str, stdin: IO[str]) -> Iterator[str]:
    """The input one line at a time, so large input streams in constant memory."""
    if text != "-":
        yield from text.splitlines()
        return
    for line in stdin:
        yield line.rstrip("\n")


def main(argv: list[str] | None = None) -> None:
    """Run the command line; every error is one line on stderr, never a traceback."""
    try:
        code = cli.main(args=argv, prog_name="yuliao", standalone_mode=False)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "yuliao"
        click.echo(f"Error: {exc.format_message()} (see '{command} --help')", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Error: aborted", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
