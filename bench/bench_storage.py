"""Corpus storage at 100,000 documents: upsert rate, search latency, freq, export, size.

Documents are Chinese and English (half each, about 2 KB of UTF-8), built from generated
paragraphs: Chinese words drawn from jieba's dictionary by frequency, English from a generated
vocabulary with Zipf-like weights. Every paragraph goes through ``nlp.analyze`` once; a
document joins 3-6 analyzed paragraphs (text, tokens, counts) and gets the SimHash of its words
from ``nlp.fingerprint``, so no document is analyzed twice and generation stays off the clock.

Measured: upsert rate (documents per second, median over batches of 500), search latency
(p50/p95/p99 over queries mixing 1-, 2- and 4-character Chinese words and English words),
``frequencies()`` and ``export(fmt="txt")`` times, database size per document. With
``--postgres URL`` the same corpus is written to and searched on PostgreSQL too.

    .venv/bin/python bench/bench_storage.py [--docs 100000] [--queries 240] [--postgres URL]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import jieba

import nlp
from storage import Corpus, NewDocument

BATCH = 500
PARAGRAPHS = 1500  # analyzed paragraphs per language
SEED = 20240501


@dataclass(frozen=True)
class Paragraph:
    text: str
    tokens: list[str]
    words: list[str]  # lower-cased words and numbers: what the fingerprint sees
    n_sentences: int


def chinese_vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Dictionary words of 1-4 Han characters, weighted by their jieba frequency."""
    path = Path(jieba.__file__).parent / "dict.txt"
    words, weights = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        word, freq, *_ = line.split(" ")
        if 1 <= len(word) <= 4 and _han(word) and int(freq) > 20:
            words.append(word)
            weights.append(float(freq))
    return words, weights


def english_vocabulary(rng: random.Random, size: int = 8000) -> tuple[list[str], list[float]]:
    """Stopwords and generated words, Zipf-weighted (rank r has weight 1/r)."""
    syllables = ["ka", "lo", "ren", "mi", "tor", "san", "vel", "qu", "dis", "on", "er", "ta"]
    words = sorted(nlp.stopwords("en"))
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(1, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    rng.shuffle(words)
    return words, [1 / rank for rank in range(1, len(words) + 1)]


def paragraph(rng: random.Random, vocabulary: tuple[list[str], list[float]], zh: bool) -> str:
    words, weights = vocabulary
    sentences = []
    for _ in range(rng.randint(4, 7)):
        picked = rng.choices(words, weights, k=rng.randint(8, 16))
        if zh:
            sentences.append("".join(picked) + rng.choice("。。！？"))
        else:
            sentences.append(" ".join(picked).capitalize() + rng.choice("..!?"))
    return ("" if zh else " ").join(sentences)


def analyzed_pool(rng: random.Random, zh: bool) -> list[Paragraph]:
    vocabulary = chinese_vocabulary(rng) if zh else english_vocabulary(rng)
    pool = []
    for _ in range(PARAGRAPHS):
        analysis = nlp.analyze(paragraph(rng, vocabulary, zh), lang="zh" if zh else "en")
        tokens = [t.text for t in analysis.tokens]
        words = [t.text.lower() for t in analysis.tokens if t.kind in ("word", "number")]
        pool.append(Paragraph(analysis.text, tokens, words, analysis.n_sentences))
    return pool


def documents(
    n: int, pools: dict[str, list[Paragraph]], rng: random.Random
) -> Iterator[NewDocument]:
    for i in range(n):
        lang = "zh" if i % 2 == 0 else "en"
        parts = rng.sample(pools[lang], rng.randint(3, 6) if lang == "zh" else rng.randint(3, 5))
        text = "\n".join(p.text for p in parts)
        tokens = [t for p in parts for t in p.tokens]
        yield NewDocument(
            url=f"https://site{i % 50}.test/{lang}/{i}",
            text=text,
            tokens=" ".join(tokens),
            lang=lang,
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            simhash=nlp.fingerprint([w for p in parts for w in p.words]),
            n_chars=len(text),
            n_tokens=len(tokens),
            n_sentences=sum(p.n_sentences for p in parts),
            domain=f"site{i % 50}.test",
        )


def batches(docs: Iterator[NewDocument]) -> Iterator[list[NewDocument]]:
    while batch := [doc for _, doc in zip(range(BATCH), docs, strict=False)]:
        yield batch


def queries(pools: dict[str, list[Paragraph]], count: int, rng: random.Random) -> list[str]:
    """A quarter each: 1-, 2- and 4-character Chinese words and English words, from the text."""
    zh_words = sorted({w for p in pools["zh"] for w in p.words if _han(w)})
    by_length = {k: [w for w in zh_words if len(w) == k] for k in (1, 2, 4)}
    english = sorted({w for p in pools["en"] for w in p.words} - nlp.stopwords("en"))
    quarter = count // 4
    picked = [rng.choice(by_length[k]) for k in (1, 2, 4) for _ in range(quarter)]
    return picked + [rng.choice(english) for _ in range(count - 3 * quarter)]


def _han(word: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" for c in word)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Clock:
    """Elapsed wall time and this process's CPU time: the CPU figure is what a busy machine
    does not inflate (SQLite runs in this process; PostgreSQL's server work is not in it)."""

    wall: float = 0.0
    cpu: float = 0.0


@contextmanager
def timed() -> Iterator[Clock]:
    clock = Clock()
    wall, cpu = time.perf_counter(), time.process_time()
    yield clock
    clock.wall, clock.cpu = time.perf_counter() - wall, time.process_time() - cpu


def load(url: str, n: int, pools: dict[str, list[Paragraph]]) -> list[Clock]:
    """Upsert ``n`` documents in batches of :data:`BATCH`; the time of each batch."""
    clocks = []
    with Corpus(url) as corpus:
        for batch in batches(documents(n, pools, random.Random(SEED + 1))):
            with timed() as clock:
                corpus.upsert_many(batch)
            clocks.append(clock)
    return clocks


def search_times(url: str, words: list[str]) -> list[Clock]:
    with Corpus(url) as corpus:
        corpus.search(words[0])  # warm the cache once
        clocks = []
        for word in words:
            with timed() as clock:
                corpus.search(word, limit=20)
            clocks.append(clock)
    return clocks


def report(label: str, loads: list[Clock], searches: list[Clock]) -> None:
    for kind in ("wall", "cpu"):
        rate = statistics.median(BATCH / getattr(c, kind) for c in loads)
        ms = [getattr(c, kind) * 1000 for c in searches]
        p50, p95, p99 = (percentile(ms, q) for q in (0.5, 0.95, 0.99))
        print(
            f"{label} ({kind}): upsert median {rate:,.0f} docs/s over {len(loads)} batches; "
            f"search p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms ({len(ms)} queries)"
        )


def sqlite_reads(url: str, n: int) -> None:
    with Corpus(url) as corpus:
        with timed() as clock:
            top = corpus.frequencies(top=100)
        print(
            f"sqlite: freq over {n:,} documents {clock.wall:.1f} s (cpu {clock.cpu:.1f} s), top {top[0]}"
        )
        with tempfile.TemporaryFile() as out, timed() as clock:
            exported = corpus.export(out, fmt="txt")
        print(
            f"sqlite: export txt of {exported:,} documents {clock.wall:.1f} s (cpu {clock.cpu:.1f} s)"
        )
        stats = corpus.stats()
        print(
            f"sqlite: {stats.db_bytes / stats.documents:,.0f} bytes per document "
            f"({stats.db_bytes / 2**20:,.0f} MiB, {stats.duplicates} duplicates)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--postgres", help="also run on this PostgreSQL URL (an empty database)")
    args = parser.parse_args()

    rng = random.Random(SEED)
    started = time.perf_counter()
    pools = {"zh": analyzed_pool(rng, zh=True), "en": analyzed_pool(rng, zh=False)}
    words = queries(pools, args.queries, rng)
    print(f"analyzed {2 * PARAGRAPHS} paragraphs in {time.perf_counter() - started:.1f} s")

    print(f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        report("sqlite", load(url, args.docs, pools), search_times(url, words))
        sqlite_reads(url, args.docs)
    if args.postgres:
        report(
            "postgresql", load(args.postgres, args.docs, pools), search_times(args.postgres, words)
        )
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
