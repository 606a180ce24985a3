"""``yuliao reprocess``: the kept raw pages extracted and analyzed again, without fetching."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import click

from crawler.commands.common import (
    conclude,
    open_corpus,
    quiet_option,
    replay,
    userdict_option,
    workers_option,
)
from crawler.commands.query import lang_option, since_option

if TYPE_CHECKING:
    from crawler.items import PageItem
    from crawler.replay import Replayer
    from crawler.taskprogress import TaskProgress
    from storage import Corpus, Document, NewDocument

# What a new analysis may change; a document that differs in none is only stamped current.
_ANALYSIS_FIELDS = (
    "text",
    "tokens",
    "lang",
    "content_hash",
    "simhash",
    "n_chars",
    "n_tokens",
    "n_sentences",
    "canonical_url",
    "published_at",
    "title",
    "author",
    "encoding",
    "encoding_source",
)


@click.command()
@since_option
@lang_option
@click.option(
    "--batch",
    type=click.IntRange(min=1, max=10_000),
    default=200,
    show_default=True,
    help="Documents read, and written, per transaction.",
)
@userdict_option
@workers_option
@quiet_option
@click.pass_obj
def reprocess(
    db: str,
    since: datetime | None,
    lang: str | None,
    batch: int,
    userdict: str | None,
    workers: int,
    quiet: bool,
) -> None:
    """Extract and analyze stored pages again, after a tokenizer or dictionary change.

    Works on the raw pages kept by the crawl (not with --no-keep-html) and fetches nothing.
    Documents already made by the current tokenizer (user dictionary included) and
    extractor are skipped, so a run that was stopped continues where it was.

    \b
    Examples:
        yuliao reprocess --userdict words.txt
        yuliao reprocess --lang zh --since 2024-05-01
    """
    from crawler.replay import Replayer
    from crawler.replay_worker import ReplayOptions
    from nlp.extract import EXTRACTOR_VERSION

    replayer = Replayer(ReplayOptions(userdict=userdict), workers=workers)
    with open_corpus(db) as corpus:
        corpus.check_writable()
        job = ReprocessJob(corpus, EXTRACTOR_VERSION, lang=lang, since=since, batch=batch)
        finished = replay(replayer, job.run(replayer, quiet=quiet))
    conclude(job.summary(finished), finished=finished)


@dataclass
class ReprocessJob:
    """One pass over the stale documents: counts, and what to write next."""

    corpus: Corpus
    extractor: str
    lang: str | None
    since: datetime | None
    batch: int
    tokenizer: str = ""
    todo: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)
    _old: dict[str, Document] = field(default_factory=dict)
    _changed: list[NewDocument] = field(default_factory=list)
    _same: list[int] = field(default_factory=list)

    async def run(self, replayer: Replayer, *, quiet: bool) -> None:
        from crawler.taskprogress import TaskProgress

        self.tokenizer = await replayer.tokenizer()
        self.todo = self.corpus.count_stale(**self._selection())
        with TaskProgress("reprocess", self.todo, quiet=quiet) as progress:
            try:
                await self._each(replayer, progress)
            except asyncio.CancelledError:  # Ctrl-C: keep what is analyzed already
                await self._write()
                raise
            await self._write()

    def line(self) -> str:
        failed = sum(self.failed.values())
        return (
            f"{self.counts['changed']} changed, {self.counts['unchanged']} unchanged, "
            f"{self.counts['no_page']} skipped for no raw page, {failed} failed"
        )

    def summary(self, finished: bool) -> str:
        from crawler.taskprogress import reasons

        status = "finished" if finished else "interrupted"
        seconds = time.monotonic() - self.started
        headline = f"reprocess {status} in {seconds:.1f} s: {self.todo} to do, {self.line()}"
        return f"{headline}\n  failed: {reasons(self.failed)}" if self.failed else headline

    async def _each(self, replayer: Replayer, progress: TaskProgress) -> None:
        async for item, reason in replayer.analyze(self._items()):
            old = self._old.pop(item.url)
            if reason:  # the document stays as it was, and stale: a later run tries again
                self.failed[reason] += 1
            else:
                self._sort(old, item.document(None, keep_html=False))
            if len(self._changed) + len(self._same) >= self.batch:
                await self._write()
            progress.update(sum(self.counts.values()) + sum(self.failed.values()), self.line())

    def _items(self) -> Iterator[PageItem]:
        from crawler.items import PageItem
        from crawler.replay import http_charset

        stale = self.corpus.stale_documents(**self._selection(), batch=self.batch)
        for batch in stale:
            for doc, page in batch:
                if page is None:
                    self.counts["no_page"] += 1
                    continue
                self._old[doc.url] = doc
                yield PageItem(
                    url=doc.url,
                    body=page.body,
                    status=doc.http_status or 200,
                    headers=page.headers,
                    http_charset=http_charset(page.headers),
                    fetched_at=doc.fetched_at,
                )

    def _sort(self, old: Document, new: NewDocument) -> None:
        if any(getattr(old, name) != getattr(new, name) for name in _ANALYSIS_FIELDS):
            self.counts["changed"] += 1
            self._changed.append(new)
        else:
            self.counts["unchanged"] += 1
            self._same.append(old.id)

    async def _write(self) -> None:
        changed, same, self._changed, self._same = self._changed, self._same, [], []
        await asyncio.to_thread(self._commit, changed, same)

    def _commit(self, changed: list[NewDocument], same: list[int]) -> None:
        self.corpus.upsert_many(changed)
        self.corpus.mark_current(same, tokenizer=self.tokenizer, extractor=self.extractor)

    def _selection(self) -> dict[str, str | datetime | None]:
        return {
            "tokenizer": self.tokenizer,
            "extractor": self.extractor,
            "lang": self.lang,
            "since": self.since,
        }
