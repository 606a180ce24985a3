"""``yuliao import-warc``: a corpus from WARC files, through the crawl's extraction and analysis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crawler.commands.common import (
    conclude,
    open_corpus,
    quiet_option,
    replay,
    userdict_option,
    workers_option,
)

if TYPE_CHECKING:
    from crawler.replay import Replayer
    from crawler.taskprogress import TaskProgress
    from crawler.warcfile import WarcReader
    from storage import Corpus, NewDocument

_BATCH = 200  # documents per transaction


@click.command("import-warc")
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE...",
)
@click.option(
    "--name",
    default="warc",
    show_default=True,
    help="The crawl the documents are recorded under; importing again refreshes them.",
)
@click.option("--no-keep-html", is_flag=True, help="Do not keep raw pages (no reprocess).")
@userdict_option
@workers_option
@quiet_option
@click.pass_obj
def import_warc(
    db: str,
    files: tuple[Path, ...],
    name: str,
    no_keep_html: bool,
    userdict: str | None,
    workers: int,
    quiet: bool,
) -> None:
    """Add the HTML pages of WARC files to the corpus (gzipped or not).

    Files written by `yuliao crawl --warc`, by Common Crawl or by any other WARC tool: each
    HTML response becomes a document exactly as a crawl would store it. Requests, metadata
    and revisit records, non-2xx and non-HTML responses are skipped and counted.

    \b
    Examples:
        yuliao import-warc site.warc.gz
        yuliao import-warc CC-MAIN-*.warc.gz --name cc-2024-10 --workers 8
    """
    from crawler import settings
    from crawler.replay import Replayer
    from crawler.replay_worker import ReplayOptions
    from crawler.taskprogress import TaskProgress
    from crawler.warcfile import WarcError, WarcReader

    reader = WarcReader(settings.DOWNLOAD_MAXSIZE)
    try:
        for path in files:
            reader.check(path)
    except WarcError as exc:
        raise click.ClickException(str(exc)) from exc
    job = ImportJob(name, files, keep_html=not no_keep_html, reader=reader)
    replayer = Replayer(ReplayOptions(userdict=userdict), workers=workers)
    with open_corpus(db, create=True) as corpus:
        with TaskProgress(f"import {name!r}", job.size, quiet=quiet) as progress:
            finished = replay(replayer, job.run(corpus, replayer, progress))
        if job.recorded:
            corpus.finish_crawl(name, "finished" if finished else "interrupted", job.stats())
    for problem in reader.problems:
        click.echo(f"warning: {problem}", err=True)
    conclude(job.summary(finished), finished=finished)


@dataclass
class ImportJob:
    """One import: WARC files in, documents out, figures kept for the crawl record."""

    name: str
    files: Sequence[Path]
    keep_html: bool
    reader: WarcReader
    stored: int = 0
    recorded: bool = False  # whether the crawl record was made
    started: float = field(default_factory=time.monotonic)
    _done_bytes: int = 0

    @property
    def size(self) -> int:
        return sum(path.stat().st_size for path in self.files)

    async def run(self, corpus: Corpus, replayer: Replayer, progress: TaskProgress) -> None:
        await replayer.tokenizer()  # a bad user dictionary fails here, before any write
        corpus.ensure_crawl(self.name, [str(path) for path in self.files], {"source": "warc"})
        self.recorded = True
        batch: list[NewDocument] = []
        try:
            async for item, reason in replayer.analyze(self._pages()):
                if reason:
                    self.reader.dropped[reason] += 1
                else:
                    batch.append(item.document(self.name, keep_html=self.keep_html))
                if len(batch) >= _BATCH:
                    await self._store(corpus, batch)
                    batch = []
                progress.update(self._done_bytes + self.reader.position, self.line())
        except asyncio.CancelledError:  # Ctrl-C: keep what is analyzed already
            await self._store(corpus, batch)
            raise
        await self._store(corpus, batch)

    def line(self) -> str:
        dropped = sum(self.reader.dropped.values())
        return f"{self.reader.responses} responses, {self.stored} stored, {dropped} dropped"

    def summary(self, finished: bool) -> str:
        from crawler.taskprogress import reasons

        status = "finished" if finished else "interrupted"
        seconds = time.monotonic() - self.started
        files = f"{len(self.files)} file{'s' if len(self.files) > 1 else ''}"
        headline = (
            f"import {self.name!r} {status} in {seconds:.1f} s: {files}, "
            f"{self.reader.records} records, {self.line()}"
        )
        dropped = reasons(self.reader.dropped)
        return f"{headline}\n  dropped: {dropped}" if dropped else headline

    def stats(self) -> dict[str, Any]:
        """The figures stored with the crawl, under the keys a crawl's stats use."""
        stats: dict[str, Any] = {
            "response_received_count": self.reader.responses,
            "yuliao/stored": self.stored,
            "yuliao/warc_records": self.reader.records,
            "yuliao/elapsed_s": round(time.monotonic() - self.started, 3),
        }
        stats.update({f"yuliao/dropped/{k}": n for k, n in self.reader.dropped.items()})
        return stats

    def _pages(self) -> Iterator[Any]:
        for path in self.files:
            yield from self.reader.pages(path)
            self._done_bytes += path.stat().st_size

    async def _store(self, corpus: Corpus, batch: list[NewDocument]) -> None:
        """Write on a thread: the workers go on with the next pages meanwhile."""
        if batch:
            self.stored += await asyncio.to_thread(corpus.upsert_many, batch)
