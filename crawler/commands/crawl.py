"""``yuliao crawl``: run a spider into the corpus, with live progress and a summary."""

from __future__ import annotations

import re
import sys
import time
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from crawler.addresses import AddressPolicy
from crawler.commands.common import open_corpus, storage_errors
from crawler.seeds import InvalidSeed, check_seed, check_url_file, read_url_file
from crawler.summary import CrawlSummary
from crawler.urls import UnusableUrl, canonicalize

if TYPE_CHECKING:
    from crawler.runner import CrawlOptions

SPIDERS = ("site", "sitemap", "feed", "urls")
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmg]?)i?b?", re.IGNORECASE)
_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?", re.IGNORECASE)
INTERRUPTED = 130  # the shell's code for "stopped by Ctrl-C"


def _seeds(ctx: click.Context, param: click.Parameter, urls: tuple[str, ...]) -> list[str]:
    """The start URLs, checked and in canonical form (as the frontier records them)."""
    try:
        return [canonicalize(check_seed(url)) for url in urls]
    except (InvalidSeed, UnusableUrl) as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc


def _urls_file(ctx: click.Context, param: click.Parameter, path: str | None) -> str | None:
    if path is not None:
        try:
            check_url_file(path)
        except InvalidSeed as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc
    return path


def _size(ctx: click.Context, param: click.Parameter, text: str | None) -> int | None:
    """Bytes from ``500K``, ``16M``, ``1G`` or a plain number."""
    if text is None:
        return None
    match = _SIZE.fullmatch(text.strip())
    if not match or float(match[1]) <= 0:
        raise click.BadParameter(f"not a size: {text!r} (e.g. 500K, 16M)", ctx=ctx, param=param)
    return int(float(match[1]) * 1024 ** " kmg".index(match[2].lower() or " "))


def _split(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[str]:
    """Comma-separated and repeated values, as one list."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _domains(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[str]:
    domains = [domain.lower() for domain in _split(ctx, param, values)]
    for domain in domains:
        if not _HOST.fullmatch(domain):
            raise click.BadParameter(f"not a domain: {domain!r}", ctx=ctx, param=param)
    return domains


def _allowed_hosts(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> list[str]:
    hosts = _split(ctx, param, values)
    try:
        AddressPolicy.from_allow_list(hosts)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc
    return hosts


def _warc_file(ctx: click.Context, param: click.Parameter, path: str | None) -> str | None:
    """A file the crawl can append WARC records to (created now when new)."""
    if path is not None:
        try:
            with open(path, "ab"):
                pass
        except OSError as exc:
            message = f"cannot write {path}: {exc.strerror}"
            raise click.BadParameter(message, ctx=ctx, param=param) from exc
    return path


def _credentials(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    user, sep, _ = (value or "").partition(":")
    if value is not None and not (sep and user):
        raise click.BadParameter("expected USER:PASSWORD", ctx=ctx, param=param)
    return value


def _frontier(ctx: click.Context, param: click.Parameter, url: str | None) -> str | None:
    """A Redis URL: ``redis://[:PASSWORD@]HOST[:PORT][/DB]``, ``rediss://…`` or ``unix://…``."""
    if url is not None:
        try:
            parts = urlsplit(url)
            valid = parts.scheme in ("redis", "rediss", "unix") and (parts.port or 1) > 0
        except ValueError:
            valid = False
        if not valid or not (parts.hostname or parts.path):
            message = f"not a Redis URL: {url!r} (e.g. redis://10.0.0.2:6379/0)"
            raise click.BadParameter(message, ctx=ctx, param=param)
    return url


def _check_frontier(options: CrawlOptions) -> None:
    """Fail in one line now if the shared frontier cannot be used."""
    try:
        from crawler.distributed.shared import FrontierError, check
    except ImportError as exc:
        raise click.ClickException(
            f"--frontier needs the redis extra: pip install 'yuliao[redis]' ({exc})"
        ) from exc
    try:
        check(options.settings())
    except FrontierError as exc:
        raise click.ClickException(str(exc)) from exc


def _settings(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    settings = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", ctx=ctx, param=param)
        settings[name.strip()] = setting
    return settings


@click.command()
@click.argument("urls", nargs=-1, callback=_seeds, metavar="URLS...")
@click.option(
    "--spider",
    type=click.Choice(SPIDERS),
    default="site",
    show_default=True,
    help="site: follow links; sitemap: the site's sitemaps; feed: RSS/Atom items; urls: no following.",
)
@click.option("--urls-file", callback=_urls_file, help="More start URLs, one per line.")
@click.option("--name", help="Crawl name; the same name resumes (default: the first URL's host).")
@click.option("--max-pages", type=click.IntRange(min=0), default=0, help="Stop after N responses.")
@click.option(
    "--depth", type=click.IntRange(min=0), help="Follow links at most N levels deep (site)."
)
@click.option("--allow-domain", multiple=True, callback=_domains, help="Also follow links to D.")
@click.option(
    "--allow-host",
    multiple=True,
    callback=_allowed_hosts,
    metavar="HOST[:PORT]",
    help="Let links reach this private host or network (e.g. 10.0.0.5:8080, 192.168.0.0/16).",
)
@click.option(
    "--lang", "langs", multiple=True, callback=_split, help="Keep only these languages: zh,en."
)
@click.option("--concurrency", type=click.IntRange(min=1), help="Requests per site at a time.")
@click.option("--delay", type=click.FloatRange(min=0), help="Least seconds between requests.")
@click.option(
    "--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds per download."
)
@click.option("--max-size", callback=_size, help="Largest download, e.g. 500K, 16M.")
@click.option("--contact", help="URL or mailto: added to the User-Agent for site owners.")
@click.option(
    "--auth",
    callback=_credentials,
    envvar="YULIAO_AUTH",
    metavar="USER:PASSWORD",
    help="HTTP basic auth, sent only to the first URL's scheme, host and port.",
)
@click.option("--no-keep-html", is_flag=True, help="Do not keep raw pages (no reprocess).")
@click.option(
    "--frontier",
    callback=_frontier,
    metavar="redis://HOST:PORT/DB",
    help="Share this crawl with workers on other machines through Redis (same --db, --name).",
)
@click.option(
    "--warc",
    callback=_warc_file,
    metavar="FILE",
    help="Also archive every request and response in this WARC file (.warc.gz).",
)
@click.option(
    "-s",
    "--set",
    "extra",
    multiple=True,
    callback=_settings,
    metavar="NAME=VALUE",
    help="Any Scrapy or YULIAO_ setting.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress; only errors and the summary.")
@click.pass_obj
def crawl(
    db: str, urls: list[str], urls_file: str | None, name: str | None, **options: Any
) -> None:
    """Crawl URLS into the corpus; run it again with the same --name to resume.

    \b
    Example:
        yuliao crawl http://127.0.0.1:8000/ --max-pages 200 --depth 3
        yuliao crawl --spider urls --urls-file pages.txt --lang zh
    """
    if not urls and not urls_file:
        raise click.UsageError("give at least one URL, or --urls-file")
    from crawler.runner import CrawlOptions, run_crawl  # Scrapy loads only here

    with open_corpus(db, create=True) as corpus:
        corpus.check_writable()  # a bad or read-only --db fails here, in one line
    first = urls[0] if urls else next(read_url_file(urls_file or ""))
    name = name or urlsplit(first).netloc
    options["keep_html"] = not options.pop("no_keep_html")
    options["allow_domains"] = options.pop("allow_domain")
    auth = options.pop("auth")
    if auth:  # for crawler.middlewares.OriginAuthMiddleware
        options["extra"] = {"YULIAO_AUTH": auth, "YULIAO_AUTH_ORIGIN": first, **options["extra"]}
    options["allow_hosts"] = options.pop("allow_host")
    run_options = CrawlOptions(db=db, name=name, urls_file=urls_file, **options)
    if run_options.frontier:
        _check_frontier(run_options)
    with storage_errors(), _claimed(db, name, shared=bool(run_options.frontier)):
        started = time.monotonic()
        stats = run_crawl(urls, run_options)
    stats.setdefault("finish_reason", "shutdown")  # none: stopped at once by a second Ctrl-C
    summary = CrawlSummary.from_stats(stats, time.monotonic() - started)
    _print_summary(summary, name)
    _check(summary, stats, urls)


def _claimed(db: str, name: str, *, shared: bool) -> AbstractContextManager[None]:
    """Run the crawl in this process only; workers sharing a frontier run it together."""
    from storage import claim_crawl

    return nullcontext() if shared else claim_crawl(db, name)


def _print_summary(summary: CrawlSummary, name: str) -> None:
    if sys.stderr.isatty():
        from rich.console import Console

        Console(stderr=True).print(summary.table(name))
    else:
        click.echo(summary.render(name), err=True)


def _check(summary: CrawlSummary, stats: dict[str, Any], urls: list[str]) -> None:
    """Exit 1 on a database error or when no start URL worked; 130 when interrupted."""
    if stats.get("yuliao/error"):
        raise click.ClickException(str(stats["yuliao/error"]))
    if urls and not summary.stored and all(url in summary.seed_failures for url in urls):
        raise click.ClickException(f"no start URL could be fetched: {summary.seed_errors(urls)}")
    if summary.status == "interrupted":
        click.echo("interrupted: run the same command again to resume", err=True)
        raise click.exceptions.Exit(INTERRUPTED)
