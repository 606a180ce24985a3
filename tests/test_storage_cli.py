"""The query commands through ``crawler.cli.main``: output, one-line errors, exit codes."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crawler.cli import main
from crawler.commands.query import EXPORT_FORMATS
from storage import Corpus
from tests.conftest import ROOT
from tests.db_fixtures import doc, run_sql, schema_of
from tests.test_storage import HOSTILE_QUERIES

ENGLISH = "Natural language processing is fun. The language model predicts language."


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


def invoke(capsys: pytest.CaptureFixture[str], *args: str, stdin: bytes = b"") -> Result:
    """``yuliao ARGS`` in this process, through ``main()`` and its exit, ``stdin`` as input.

    Standard input decodes strictly, as under a UTF-8 locale: bytes that are not UTF-8 raise
    where a command reads them as text.
    """
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8", errors="strict")
    try:
        with pytest.raises(SystemExit) as exited:
            main(list(args))
    finally:
        sys.stdin = saved
    captured = capsys.readouterr()
    return Result(int(exited.value.code or 0), captured.out, captured.err)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """``yuliao ARGS`` in this process, through ``main()`` and its exit."""
    return partial(invoke, capsys)


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


HOSTILE_NAMES = ("../../escape", "/etc/passwd", "C:\\x", "a\x00b", "x" * 300, "CON", "aux.txt")


@pytest.fixture
def hostile(tmp_path: Path) -> str:
    """A corpus whose titles and URL paths look like paths that escape a directory."""
    db = f"sqlite:///{tmp_path / 'corpus.db'}"
    with Corpus(db) as corpus:
        corpus.upsert_many(
            doc(f"https://a.cn/{name}", f"第{i}篇：{name}的文章。", title=name)
            for i, name in enumerate(HOSTILE_NAMES)
        )
    return db


def files_under(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if not path.is_dir()}


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_case38_export_writes_only_its_file(
    run: Run, hostile: str, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    before = files_under(tmp_path)
    result = run("--db", hostile, "export", str(out / f"corpus.{fmt}"), "--format", fmt)
    assert (result.code, result.err) == (0, f"exported {len(HOSTILE_NAMES)} documents\n")
    assert files_under(tmp_path) == before | {out / f"corpus.{fmt}"}


def test_case38_export_follows_no_symlink_and_replaces_only_with_force(
    run: Run, hostile: str, tmp_path: Path
) -> None:
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("keep me")
    (out / "link.txt").symlink_to(victim)
    (out / ".corpus.txt.part").symlink_to(victim)  # where a temporary file used to go
    result = run("--db", hostile, "export", str(out / "link.txt"), "--format", "txt")
    assert (result.code, result.err) == (
        1,
        f"Error: {out / 'link.txt'} exists: pass --force to replace it\n",
    )
    result = run("--db", hostile, "export", str(out / "link.txt"), "--format", "txt", "--force")
    assert result.code == 0, result.err
    assert not (out / "link.txt").is_symlink()  # the link was replaced, not written through
    assert len((out / "link.txt").read_text().splitlines()) == len(HOSTILE_NAMES)
    assert run("--db", hostile, "export", str(out / "corpus.txt"), "--format", "txt").code == 0
    assert victim.read_text() == "keep me"
    assert (out / ".corpus.txt.part").is_symlink()
    assert files_under(out) == {
        out / name for name in ("link.txt", "corpus.txt", ".corpus.txt.part")
    }


def test_case38_an_existing_file_is_kept_without_force(
    run: Run, hostile: str, tmp_path: Path
) -> None:
    target = tmp_path / "corpus.jsonl"
    target.write_text("old\n")
    result = run("--db", hostile, "export", str(target))
    assert (result.code, result.out) == (1, "")
    assert result.err == f"Error: {target} exists: pass --force to replace it\n"
    assert target.read_text() == "old\n"
    assert run("--db", hostile, "export", str(target), "--force").code == 0
    assert len(target.read_text().splitlines()) == len(HOSTILE_NAMES)
    for bad, message in (
        (tmp_path, f"{tmp_path} is a directory"),
        ("a\x00b", "a path cannot contain NUL"),
    ):
        result = run("--db", hostile, "export", str(bad))
        assert (result.code, result.err) == (
            2,
            f"Error: Invalid value for 'FILE': {message} (see 'yuliao export --help')\n",
        )
    assert files_under(tmp_path) == {target, tmp_path / "corpus.db"}


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


def test_case37_hostile_queries_through_the_command(run: Run, db: str) -> None:
    schema, rows = schema_of(db), run_sql(db, "SELECT * FROM documents ORDER BY id")
    for query in HOSTILE_QUERIES:
        result = run("--db", db, "search", "--format", "jsonl", "--", query)
        assert (result.code, result.err) in ((0, ""), (2, "Error: invalid query: empty query\n"))
    assert schema_of(db) == schema
    assert run_sql(db, "SELECT * FROM documents ORDER BY id") == rows


def test_case37_hostile_queries_through_the_api(db: str) -> None:
    from starlette.testclient import TestClient

    from crawler.web import create_app

    schema, rows = schema_of(db), run_sql(db, "SELECT * FROM documents ORDER BY id")
    with Corpus(db) as corpus, TestClient(create_app(corpus, name="corpus")) as client:
        for query in HOSTILE_QUERIES:
            response = client.get("/api/search", params={"q": query})
            assert response.status_code in (200, 400), query
            if response.status_code == 400:
                assert response.json() == {"error": "invalid query: empty query"}
        assert client.get("/api/search", params={"q": "language"}).json()
    assert schema_of(db) == schema
    assert run_sql(db, "SELECT * FROM documents ORDER BY id") == rows


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
