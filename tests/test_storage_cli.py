"""The query commands through ``crawler.cli.main``: output, one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crawler.cli import main
from storage import Corpus
from tests.conftest import ROOT
from tests.db_fixtures import doc

ENGLISH = "Natural language processing is fun. The language model predicts language."


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """``yuliao ARGS`` in this process, through ``main()`` and its exit."""

    def invoke(*args: str) -> Result:
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        captured = capsys.readouterr()
        return Result(int(exited.value.code or 0), captured.out, captured.err)

    return invoke


@pytest.fixture
def db(corpus_url: str) -> str:
    with Corpus(corpus_url) as corpus:
        corpus.upsert_many(
            [
                doc("https://a.cn/1", "自然语言处理是人工智能的一个分支。我们研究自然语言。"),
                doc("https://a.cn/2", "自然语言处理是人工智能的一个分支。我们研究自然语言。"),
                doc("https://c.org/1", ENGLISH, lang="en"),
            ]
        )
    return corpus_url


def test_freq(run: Run, db: str) -> None:
    result = run("--db", db, "freq", "--top", "2", "--format", "csv")
    assert (result.code, result.err) == (0, "")
    assert result.out.splitlines() == ["rank,word,count", "1,language,3", "2,自然语言,2"]
    result = run("--db", db, "freq", "--lang", "en", "--keep-stopwords", "--format", "jsonl")
    assert {"rank": 2, "word": "the", "count": 1} not in map(json.loads, result.out.splitlines())
    assert json.loads(result.out.splitlines()[0]) == {"rank": 1, "word": "language", "count": 3}
    result = run("--db", db, "freq", "--min-len", "5", "--include-duplicates")
    assert "processing" in result.out
    assert "自然语言" not in result.out  # four characters


def test_kwic_aligns_the_key_word(run: Run, db: str) -> None:
    result = run("--db", db, "kwic", "language", "--width", "10")
    assert result.code == 0
    lines = result.out.splitlines()
    assert len(lines) == 3
    assert len({line.index("  language  ") for line in lines}) == 1
    assert lines[0].strip().startswith("Natural  language  processin")
    result = run("--db", db, "kwic", "自然语言", "--limit", "1", "--format", "json")
    [line] = json.loads(result.out)
    assert (line["word"], line["left"], line["url"]) == ("自然语言", "", "https://a.cn/1")


def test_export_to_files_and_stdout(run: Run, db: str, tmp_path: Path) -> None:
    for fmt in ("jsonl", "csv", "parquet", "txt"):
        target = tmp_path / f"out.{fmt}"
        result = run("--db", db, "export", str(target), "--format", fmt)
        assert (result.code, result.err) == (0, "exported 2 documents\n")
        assert not list(tmp_path.glob(".*.part"))
    assert pq.read_table(tmp_path / "out.parquet").num_rows == 2
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 2
    txt = (tmp_path / "out.txt").read_text(encoding="utf-8").splitlines()
    assert txt[0].startswith("自然语言 处理 是")
    result = run("--db", db, "export", "-", "--format", "txt", "--lang", "en")
    assert result.out.startswith("Natural language processing is fun .")
    result = run("--db", db, "export", "-", "--include-duplicates", "--since", "2000-01-01")
    assert len(result.out.splitlines()) == 3


def test_search_flags(run: Run, db: str) -> None:
    result = run("--db", db, "search", "语言", "--format", "jsonl")
    assert [json.loads(line)["url"] for line in result.out.splitlines()] == ["https://a.cn/1"]
    result = run("--db", db, "search", "语言", "--include-duplicates", "--format", "jsonl")
    assert len(result.out.splitlines()) == 2
    result = run("--db", db, "search", "语言", "--since", "2999-01-01", "--format", "jsonl")
    assert (result.code, result.out) == (0, "")
    result = run("--db", db, "search", "model OR 分支", "--raw", "--format", "jsonl")
    assert len(result.out.splitlines()) == 2


def test_stats_shows_size_and_duplicate_rate(run: Run, db: str) -> None:
    result = run("--db", db, "stats", "--format", "json")
    stats = json.loads(result.out)
    assert (stats["documents"], stats["duplicates"]) == (3, 1)
    assert stats["duplicate_rate"] == pytest.approx(1 / 3)
    assert stats["db_bytes"] > 0
    table = run("--db", db, "stats").out
    assert "duplicate_rate" in table
    assert "db_size" in table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("search", '"natural', "--raw"), "Error: invalid query: unterminated string\n"),
        (("search", "！？"), "Error: invalid query: empty query\n"),
        (("kwic", "。"), "Error: invalid query: empty query\n"),
    ],
)
def test_invalid_queries_exit_2(
    run: Run, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    Corpus(db).close()
    result = run("--db", db, *args)
    assert (result.code, result.out, result.err) == (2, "", message)


def test_hostile_queries_through_the_command(run: Run, db: str) -> None:
    for query in ("x'); DROP TABLE documents;--", "(" * 10_000, "NEAR(", '"'):
        result = run("--db", db, "search", query)
        assert result.code in (0, 2), result.err
        assert result.err in ("", "Error: invalid query: empty query\n")
    assert "documents" in run("--db", db, "stats").out


def test_db_upgrade(run: Run, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'new.db'}"
    result = run("--db", db, "db", "upgrade")
    assert (result.code, result.err) == (0, "created the corpus at schema revision 0001\n")
    result = run("--db", db, "db", "upgrade")
    assert (result.code, result.err) == (0, "schema is up to date (revision 0001)\n")


def test_case44_foreign_and_newer_databases_give_one_line(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    content = path.read_bytes()
    for args in (("db", "upgrade"), ("stats",), ("freq",), ("export", "-")):
        result = run("--db", f"sqlite:///{path}", *args)
        assert result.code == 1
        assert result.err == (
            f"Error: {path} is not a yuliao corpus (it holds other tables); "
            "choose another database\n"
        )
    assert path.read_bytes() == content


def test_case44_postgres_down(run: Run, closed_port: int) -> None:
    db = f"postgresql+psycopg://postgres:secret@127.0.0.1:{closed_port}/corpus"
    result = run("--db", db, "stats")
    assert result.code == 1
    assert result.err == (
        f"Error: cannot connect to postgresql+psycopg://postgres:***@127.0.0.1:{closed_port}"
        "/corpus: connection refused (is the server running?)\n"
    )


def test_parquet_without_pyarrow_is_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    Corpus(db).close()
    blocker = tmp_path / "pyarrow.py"
    blocker.write_text("raise ImportError('blocked for this test')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}  # shadows the installed pyarrow
    cmd = [sys.executable, "-m", "crawler.cli", "--db", db, "export", str(tmp_path / "x.parquet")]
    proc = subprocess.run(
        [*cmd, "--format", "parquet"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr == "Error: Parquet export needs pyarrow: pip install 'yuliao[parquet]'\n"
    assert not (tmp_path / "x.parquet").exists()
