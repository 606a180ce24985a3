"""Segmentation and tokenization speed against ``jieba.lcut``, on the same Chinese-dominant text.

The text is generated deterministically (``tests/nlp_fixtures.py``: news-style sentences from
jieba's dictionary, with numbers, Latin, URLs, emoji, Traditional characters). Each function
runs ``--repeats`` times; the table gives the median, MB/s of UTF-8 input and the ratio to
``jieba.lcut``, and the run fails if ``nlp.segment`` does not return jieba's exact words.

    .venv/bin/python bench/bench_tokenize.py [--mb 5] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.nlp_fixtures

import nlp
from nlp import _jieba, dictionary
from tests.nlp_fixtures import mixed_text


def timed(func: Callable[[str], Any], text: str, repeats: int) -> tuple[float, Any]:
    """Median seconds of ``repeats`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0, help="MB of UTF-8 text (default 5)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs each (default 5)")
    args = parser.parse_args()
    text = mixed_text(int(args.mb * 1e6 / 2.4), seed=5, english=0.03)  # ~2.4 bytes a character
    size = len(text.encode("utf-8", "surrogatepass")) / 1e6
    letters = sum(map(str.isascii, text)) / len(text)
    reference = _jieba.tokenizer()
    nlp.tokenize("预热 warm-up, isn't it?")  # load dictionaries and NLTK outside the timing
    runs = {
        "`jieba.lcut`": reference.lcut,
        f"`nlp.segment` ({dictionary.backend()})": nlp.segment,
        "`nlp.tokenize`": nlp.tokenize,
    }
    results = {name: timed(func, text, args.repeats) for name, func in runs.items()}
    base, expected = results["`jieba.lcut`"]
    [(_, (_, words))] = [(k, v) for k, v in results.items() if k.startswith("`nlp.segment")]
    identical = words == expected
    print(f"{size:.2f} MB, {len(text):,} characters ({letters:.0%} ASCII), median of {args.repeats}\n")
    print("| function | median s | MB/s | × jieba.lcut |")
    print("|---|---:|---:|---:|")
    for name, (seconds, _) in results.items():
        print(f"| {name} | {seconds:.2f} | {size / seconds:.1f} | {base / seconds:.1f} |")
    print(f"\n`nlp.segment` identical to `jieba.lcut`: {identical} ({len(expected):,} words)")
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()
