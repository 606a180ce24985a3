"""Main-text extraction quality and speed: yuliao against trafilatura and resiliparse.

Every engine reads the same raw page bytes of the evaluation sets in
``shared/data/extraction`` (en, zh). Each engine's predictions are scored with the
sets' own ``score.py``; speed is pages per CPU second of this process, the median of
``--repeats`` timed passes (CPU time, so that other work on a shared machine does not
count), and the ratio to trafilatura's default ``extract()`` in the same run.

    .venv/bin/python bench/bench_extract.py [--data DIR] [--repeats 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nlp.extract

Engine = Callable[[bytes], str]
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction"
SETS = ("en", "zh")


def yuliao(body: bytes) -> str:
    extracted = nlp.extract.extract_html(nlp.extract.decode_html(body).text)
    return extracted.text if extracted else ""


def engines() -> dict[str, Engine]:
    """Yuliao and each anchor whose library imports."""
    found: dict[str, Engine] = {"yuliao": yuliao}
    try:
        import trafilatura
    except ImportError:
        print("trafilatura not installed: its anchors are skipped", file=sys.stderr)
    else:
        logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
        found["trafilatura default (bytes)"] = lambda body: trafilatura.extract(body) or ""
        found["trafilatura recall (decoded)"] = lambda body: (
            trafilatura.extract(nlp.extract.decode_html(body).text, favor_recall=True) or ""
        )
        found["trafilatura fast (bytes)"] = lambda body: trafilatura.extract(body, fast=True) or ""
    try:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.encoding import bytes_to_str, detect_encoding
    except ImportError:
        print("resiliparse not installed: its anchor is skipped", file=sys.stderr)
    else:
        found["resiliparse main_content"] = lambda body: extract_plain_text(
            bytes_to_str(body, detect_encoding(body)), main_content=True
        )
    return found


def load_pages(data: Path, name: str) -> dict[str, bytes]:
    return {
        path.name.removesuffix(".html.gz"): gzip.decompress(path.read_bytes())
        for path in sorted((data / name / "html").glob("*.html.gz"))
    }


def timed_pass(engine: Engine, pages: dict[str, bytes]) -> tuple[dict[str, str], float]:
    start = time.process_time()
    out = {page_id: engine(body) for page_id, body in pages.items()}
    return out, time.process_time() - start


def score(data: Path, name: str, predictions: dict[str, str], tmp: Path) -> dict[str, float]:
    pred_file = tmp / f"{name}-{len(list(tmp.iterdir()))}.jsonl"
    with pred_file.open("w", encoding="utf-8") as f:
        for page_id, body in predictions.items():
            f.write(json.dumps({"id": page_id, "body": body}, ensure_ascii=False) + "\n")
    cmd = [sys.executable, str(data / "score.py"), str(pred_file), str(data / name / "gold.jsonl")]
    result: dict[str, float] = json.loads(subprocess.check_output([*cmd, "--json"]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="evaluation sets")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per engine")
    args = parser.parse_args()
    sets = {name: load_pages(args.data, name) for name in SETS}
    found = engines()
    for engine in found.values():  # imports and caches before any timing
        engine(next(iter(sets["en"].values())))
    # Passes interleave engines so that a change in machine load hits all of them alike.
    seconds: dict[tuple[str, str], list[float]] = {}
    predictions: dict[tuple[str, str], dict[str, str]] = {}
    for _ in range(args.repeats):
        for label, engine in found.items():
            for name, pages in sets.items():
                out, elapsed = timed_pass(engine, pages)
                predictions.setdefault((label, name), out)
                seconds.setdefault((label, name), []).append(elapsed)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for (label, name), out in predictions.items():
            rate = len(sets[name]) / statistics.median(seconds[label, name])
            rows.append((label, name, score(args.data, name, out, Path(tmp)), rate))
    print_table(rows)


def print_table(rows: list[tuple[str, str, dict[str, float], float]]) -> None:
    base = {name: rate for label, name, _, rate in rows if label == "trafilatura default (bytes)"}
    print(f"{'engine':<30} {'set':<4} {'P':>6} {'R':>6} {'F1':>6} {'pages/s':>8} {'vs traf':>8}")
    for label, name, result, rate in rows:
        ratio = f"{rate / base[name]:.1f}x" if name in base else "-"
        print(
            f"{label:<30} {name:<4} {result['precision']:6.3f} {result['recall']:6.3f} "
            f"{result['f1']:6.3f} {rate:8.1f} {ratio:>8}"
        )


if __name__ == "__main__":
    main()
