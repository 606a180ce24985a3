"""Imports point one way: nlp <- storage <- crawler, and Scrapy loads only to crawl."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


def loaded_modules(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert proc.stderr == ""
    return set(proc.stdout.split())


@pytest.mark.parametrize(
    ("statement", "forbidden"),
    [
        ("import nlp", {"scrapy", "sqlalchemy", "twisted", "jieba"}),
        ("import storage", {"scrapy", "twisted"}),
        ("import crawler.cli", {"scrapy", "twisted", "sqlalchemy", "jieba"}),
    ],
)
def test_import_does_not_load(statement: str, forbidden: set[str]) -> None:
    assert loaded_modules(statement) & forbidden == set()
