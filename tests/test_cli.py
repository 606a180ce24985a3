"""The command line's contract: exit codes and exact one-line errors."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import yuliao


def test_missing_database_is_one_line_error_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    proc = yuliao("--db", f"sqlite:///{path}", "stats")
    assert proc.returncode == 1
    assert proc.stderr == f"Error: no corpus at {path} (crawl first, or pass --db)\n"
    assert not path.exists()


def test_case21_database_in_a_missing_directory_or_on_a_directory(tmp_path: Path) -> None:
    """A database that cannot be used is an error of the store (exit 1), as a read-only one."""
    path = tmp_path / "nowhere" / "corpus.db"
    proc = yuliao("--db", f"sqlite:///{path}", "crawl", "http://127.0.0.1:9/")
    assert proc.returncode == 1
    assert proc.stderr == f"Error: cannot create {path}: directory {path.parent} does not exist\n"
    proc = yuliao("--db", f"sqlite:///{tmp_path}", "crawl", "http://127.0.0.1:9/")
    assert proc.returncode == 1
    assert proc.stderr == f"Error: {tmp_path} is a directory, not a corpus file\n"
    assert list(tmp_path.iterdir()) == []


def test_case21_malformed_url_is_usage_error(tmp_path: Path) -> None:
    proc = yuliao("--db", f"sqlite:///{tmp_path / 'c.db'}", "crawl", "not-a-url")
    assert proc.returncode == 2
    assert proc.stderr == (
        "Error: Invalid value for 'URLS...': not an http(s) URL: 'not-a-url'"
        " (see 'yuliao crawl --help')\n"
    )
    assert not (tmp_path / "c.db").exists()


def test_case21_unknown_option_is_usage_error() -> None:
    proc = yuliao("crawl", "--zzz", "http://127.0.0.1:9/")
    assert proc.returncode == 2
    assert proc.stderr == "Error: No such option '--zzz'. (see 'yuliao crawl --help')\n"


def test_unreachable_start_url(tmp_path: Path, closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/"
    proc = yuliao("--db", f"sqlite:///{tmp_path / 'c.db'}", "crawl", url, "-q")
    assert proc.returncode == 1
    last = proc.stderr.splitlines()[-1]
    assert last == f"Error: no start URL could be fetched: {url} (connection refused)"
    assert "0 stored" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_tokenize_stdin() -> None:
    proc = yuliao("tokenize", "-", input="我爱自然语言处理 and NLP.\nI don't know.\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "我 爱 自然语言 处理 and NLP .\nI do n't know .\n"
    assert proc.stderr == ""


def test_tokenize_jsonl_offsets() -> None:
    proc = yuliao("tokenize", "自然语言 NLP", "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (
        '[{"text": "自然语言", "start": 0, "end": 4, "kind": "word"}, '
        '{"text": "NLP", "start": 5, "end": 8, "kind": "word"}]'
    )


def test_version_and_help() -> None:
    assert yuliao("--version").stdout.startswith("yuliao, version ")
    proc = yuliao("-h")
    assert proc.returncode == 0
    for command in ("crawl", "search", "show", "stats", "tokenize"):
        assert command in proc.stdout
