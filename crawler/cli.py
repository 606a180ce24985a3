"""The ``yuliao`` command: crawl the web into a corpus, then query it.

Data goes to stdout, logs and progress to stderr. Exit codes: 0 success, 1 a one-line
``Error: ...``, 2 bad usage. Each area's commands live in :mod:`crawler.commands`.
"""

from __future__ import annotations

import sys
from importlib.metadata import version

import click

from crawler.commands.crawl import crawl
from crawler.commands.db import db
from crawler.commands.query import export, freq, kwic, search, show, stats
from crawler.commands.reprocess import reprocess
from crawler.commands.serve import serve
from crawler.commands.text import tokenize
from crawler.commands.warc import import_warc

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


for command in (
    crawl,
    import_warc,
    reprocess,
    search,
    show,
    stats,
    tokenize,
    serve,
    freq,
    kwic,
    export,
    db,
):
    cli.add_command(command)


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
