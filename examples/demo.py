"""Serve examples/site on 127.0.0.1, crawl it into a corpus, then show stats and a search.

Run by ``make demo``; ``python -m examples.demo --port 8000 --db sqlite:///corpus.db``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from tests.siteserver import SiteServer

SITE = Path(__file__).resolve().parent / "site"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--db", default="sqlite:///corpus.db")
    args = parser.parse_args()
    with SiteServer(SITE, port=args.port) as server:
        steps = [
            ["crawl", server.url("/"), "--max-pages", "200"],
            ["stats"],
            ["search", "语言", "--limit", "5"],
            ["search", "natural language", "--limit", "5"],
        ]
        for step in steps:
            print("$ yuliao", *step, flush=True)
            cmd = [sys.executable, "-m", "crawler.cli", "--db", args.db, *step]
            if subprocess.run(cmd, check=False).returncode != 0:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
