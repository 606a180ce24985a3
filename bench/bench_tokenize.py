"""Segmentation and tokenization speed against ``jieba.lcut``, on the same Chinese-dominant text.

The text is generated deterministically (``tests/nlp_fixtures.py``: news-style sentences from
jieba's dictionary, with numbers, Latin words, some English, URLs, emoji, Traditional
characters). Each function
runs ``--repeats`` times; the table gives the median, MB/s of UTF-8 input and the ratio to
``jieba.lcut``, and the run fails if ``nlp.segment`` does not return jieba's exact words.

    .venv/bin/python bench/bench_tokenize.py [--mb 5] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.nlp_fixtures

import nlp
from nlp import _jieba, _rjieba, dictionary
from tests.nlp_fixtures import mixed_text


def timed(func: Callable[[str], Any], text: str, repeats: int) -> tuple[float, float, Any]:
    """Median wall-clock and CPU seconds of ``repeats`` calls, and the last result.

    CPU time is shown too because on a shared machine wall-clock time also counts the time
    other processes held the core.
    """
    wall, cpu, result = [], [], None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = func(text)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def _rjieba_alone(text: str) -> Any:
    """jieba-rs's own cut, without the fixes that make it split as jieba does.

    Lone surrogates cannot cross into Rust: they are replaced by spaces first, as part of the
    timed work.
    """
    return _rjieba.tokenizer().cut(_rjieba._FOREIGN.sub(" ", text), True)


def import_seconds(repeats: int) -> float:
    """Median seconds ``import nlp`` takes in a fresh interpreter."""
    code = "import time; t = time.perf_counter(); import nlp; print(time.perf_counter() - t)"
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(repeats)
    ]
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0, help="MB of UTF-8 text (default 5)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs each (default 5)")
    args = parser.parse_args()
    # News-style: 2% of sentences English, numbers, Latin words and URLs at 30% of the rate
    # the differential test uses; about 2.7 bytes a character.
    text = mixed_text(int(args.mb * 1e6 / 2.7), seed=5, english=0.02, other=0.3)
    size = len(text.encode("utf-8", "surrogatepass")) / 1e6
    letters = sum(map(str.isascii, text)) / len(text)
    reference = _jieba.tokenizer()
    nlp.tokenize("预热 warm-up, isn't it?")  # load dictionaries and NLTK outside the timing
    runs = {
        "`jieba.lcut`": reference.lcut,
        f"`nlp.segment` ({dictionary.backend()})": nlp.segment,
        "`nlp.tokenize`": nlp.tokenize,
    }
    if dictionary.backend() == "rjieba":  # the fast backend by itself: how much the fixes cost
        runs["jieba-rs alone (not identical)"] = _rjieba_alone
    results = {name: timed(func, text, args.repeats) for name, func in runs.items()}
    base, base_cpu, expected = results["`jieba.lcut`"]
    [words] = [v[2] for k, v in results.items() if k.startswith("`nlp.segment")]
    identical = words == expected
    print(
        f"{size:.2f} MB, {len(text):,} characters ({letters:.0%} ASCII), median of {args.repeats}\n"
    )
    print("| function | median s | MB/s | × jieba.lcut | CPU s | × jieba.lcut (CPU) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (wall, cpu, _) in results.items():
        row = (
            f"{wall:.2f} | {size / wall:.1f} | {base / wall:.1f} | {cpu:.2f} | {base_cpu / cpu:.1f}"
        )
        print(f"| {name} | {row} |")
    print(f"\n`nlp.segment` identical to `jieba.lcut`: {identical} ({len(expected):,} words)")
    print(f"`import nlp`: {import_seconds(args.repeats):.3f} s (median of {args.repeats})")
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()
