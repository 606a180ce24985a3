"""Bad input: pages a crawl cannot use are counted by reason; every command answers malformed
flags, missing files, wrong database URLs and binary input with one line and exit 1 or 2."""

from __future__ import annotations

import hashlib
import os
import random
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import click
import pytest

from crawler.cli import cli
from storage import Corpus
from tests.conftest import yuliao
from tests.siteserver import SiteServer
from tests.test_storage_cli import Result, invoke

ARTICLE = "<p>" + "语料库是按照一定原则收集的真实文本，供语言研究使用。" * 12 + "</p>"
PAGES = {
    "index.html": (
        "<html><head><meta charset='utf-8'><title>坏页面</title></head><body><article>"
        f"<h1>坏页面测试</h1>{ARTICLE}"
        "<a href='/logo'>logo</a> <a href='/empty.html'>empty</a> "
        "<a href='/blank.html'>blank</a> <a href='/junk.html'>junk</a>"
        "</article></body></html>"
    ).encode(),
    "logo": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    "empty.html": b"",
    "blank.html": b"   \n\t  \n",
    "junk.html": bytes(range(256)) * 16,
}
BINARY = b"\xff\xfe\x00" + random.Random(8).randbytes(4096)  # not UTF-8 from the first byte
SECRET = "pw-in-the-url"


def assert_one_line(result: Result, code: int) -> None:
    """The contract for bad input: nothing on stdout, one ``Error:`` line, the exit code."""
    assert result.code == code, result
    assert result.out == "", result
    assert re.fullmatch(r"Error: [^\n]+\n", result.err), result
    assert SECRET not in result.err


# Every command: listed from `yuliao --help`, so a new command is checked too.


def listed_commands() -> list[str]:
    """The commands `yuliao --help` lists, groups expanded (``db upgrade``)."""

    def names(*args: str) -> list[str]:
        proc = yuliao(*args, "--help")
        assert proc.returncode == 0, proc.stderr
        section = proc.stdout.split("\nCommands:\n", 1)[1]
        return [line.split()[0] for line in section.splitlines() if line.startswith("  ")]

    found = []
    for name in names():
        group = cli.commands[name]
        subcommands = names(name) if isinstance(group, click.Group) else []
        found += [f"{name} {sub}" for sub in subcommands] or [name]
    return found


COMMANDS = listed_commands()
NO_DATABASE = {"tokenize"}
# Valid arguments, so that what is wrong is only the flag or the database under test.
ARGUMENTS = {
    "crawl": ["http://127.0.0.1:9/"],
    "search": ["书"],
    "show": ["1"],
    "kwic": ["书"],
    "export": ["-"],
    "tokenize": ["书"],
    "import-warc": [__file__],
}


def command_of(name: str) -> click.Command:
    command: click.Command = cli
    for part in name.split():
        assert isinstance(command, click.Group)
        command = command.commands[part]
    return command


def value_options(name: str) -> list[click.Option]:
    """Options of command ``name`` that take a value."""
    params = command_of(name).params
    return [p for p in params if isinstance(p, click.Option) and not p.is_flag and not p.count]


def malformed(option: click.Option) -> str | None:
    """A value the option's type rejects, or ``None`` for free text."""
    if isinstance(option.type, click.Path):
        return "/nonexistent/file" if option.type.exists else None
    typed = (click.Choice, click.DateTime, click.types.IntParamType, click.types.FloatParamType)
    return "nope" if isinstance(option.type, typed) else None


def usage_cases() -> Iterator[object]:
    for name in COMMANDS:
        args = ARGUMENTS.get(name.split()[0], [])
        yield pytest.param(name, [*args, "--frobnicate"], id=f"{name}-unknown-flag")
        for option in value_options(name):
            flag = option.opts[-1]
            yield pytest.param(name, [*args, flag], id=f"{name}-{flag}-without-value")
            value = malformed(option)
            if value is not None:
                yield pytest.param(name, [*args, flag, value], id=f"{name}-{flag}-{value}")


def database_urls(tmp_path: Path, closed_port: int) -> dict[str, str]:
    return {
        "unsupported": f"mysql://user:{SECRET}@127.0.0.1/corpus",
        "not-a-url": "corpus.db",
        "missing-directory": f"sqlite:///{tmp_path / 'nowhere' / 'corpus.db'}",
        "directory": f"sqlite:///{tmp_path}",
        "server-down": f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:{closed_port}/corpus",
    }


@pytest.mark.parametrize(("name", "args"), list(usage_cases()))
def test_malformed_flags_are_usage_errors(
    capsys: pytest.CaptureFixture[str], name: str, args: list[str]
) -> None:
    result = invoke(capsys, *name.split(), *args, stdin=BINARY)
    assert_one_line(result, 2)
    assert result.err.endswith(" --help')\n")


@pytest.mark.parametrize("kind", database_urls(Path("/"), 0))
@pytest.mark.parametrize("name", [name for name in COMMANDS if name not in NO_DATABASE])
def test_wrong_database_urls_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, closed_port: int, name: str, kind: str
) -> None:
    db = database_urls(tmp_path, closed_port)[kind]
    args = ARGUMENTS.get(name.split()[0], [])
    result = invoke(capsys, "--db", db, *name.split(), *args, stdin=BINARY)
    assert_one_line(result, 1)
    assert sorted(tmp_path.iterdir()) == []  # nothing created


def test_every_listed_command_is_checked() -> None:
    assert {"crawl", "search", "export", "tokenize", "db upgrade"} <= set(COMMANDS)
    assert set(ARGUMENTS) <= {name.split()[0] for name in COMMANDS}


NOT_UTF8 = "standard input is not UTF-8 text (line 2, byte 1)"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["tokenize"], 1, NOT_UTF8),
        (["tokenize", "-", "--keywords", "3"], 1, NOT_UTF8),
        (
            ["crawl", "--spider", "urls", "--urls-file", "/dev/stdin"],
            2,
            (
                "Invalid value for '--urls-file': /dev/stdin is not a regular file (the URL file"
                " is read twice) (see 'yuliao crawl --help')"
            ),
        ),
    ],
)
def test_binary_standard_input_is_one_line(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    text = ("语料\n".encode() + BINARY).decode("utf-8", "surrogateescape")  # bytes as they are
    db = f"sqlite:///{tmp_path / 'corpus.db'}"
    proc = yuliao("--db", db, *args, input=text, errors="surrogateescape")
    assert (proc.returncode, proc.stderr) == (code, f"Error: {message}\n")
    assert list(tmp_path.iterdir()) == []


def test_missing_files_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'corpus.db'}"
    Corpus(db).close()
    target = tmp_path / "nowhere" / "out.txt"
    result = invoke(capsys, "--db", db, "export", str(target))
    assert_one_line(result, 1)
    assert result.err == f"Error: cannot write {target}: No such file or directory\n"
    result = invoke(capsys, "--db", db, "crawl", "--urls-file", str(tmp_path / "urls.txt"))
    assert_one_line(result, 2)
    result = invoke(capsys, "--db", f"sqlite:///{tmp_path / 'missing.db'}", "search", "书")
    assert_one_line(result, 1)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["show", str(10**30)], 1),
        (["search", "书", "--offset", str(10**30)], 2),
        (["kwic", "书", "--limit", str(10**30)], 0),
        (["freq", "--top", str(10**30), "--min-len", str(10**30)], 0),
    ],
)
def test_numbers_beyond_64_bits_are_no_crash(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], code: int
) -> None:
    db = f"sqlite:///{tmp_path / 'corpus.db'}"
    Corpus(db).close()
    result = invoke(capsys, "--db", db, *args)
    if code:
        assert_one_line(result, code)
    else:
        assert (result.code, result.err) == (0, "")


# Pages a crawl cannot use


@pytest.fixture
def bad_site(tmp_path: Path) -> SiteServer:
    root = tmp_path / "site"
    root.mkdir()
    for name, body in PAGES.items():
        (root / name).write_bytes(body)
    return SiteServer(root)


def test_unusable_pages_are_dropped_by_reason(bad_site: SiteServer, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'corpus.db'}"
    with bad_site:
        proc = yuliao("--db", db, "crawl", bad_site.url("/"))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    summary = proc.stderr[proc.stderr.index("crawl '") :]
    assert re.search(r"\b1 stored, 4 dropped\b", summary), summary
    assert "empty: 2" in summary  # empty.html, blank.html
    assert "not html: 2" in summary  # logo, and junk.html: bytes labelled as HTML
    with Corpus(db) as corpus:
        assert [doc.url for doc in corpus.documents()] == [bad_site.url("/")]


# Damaged databases


@pytest.fixture
def immutable(tmp_path: Path) -> Iterator[Path]:
    """A corpus file nobody may write, root included (``chattr +i``)."""
    path = tmp_path / "corpus.db"
    with Corpus(f"sqlite:///{path}"):
        pass
    chattr = subprocess.run(["chattr", "+i", str(path)], check=False, capture_output=True)
    if chattr.returncode != 0:
        reason = f"chattr +i failed: {chattr.stderr.strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    yield path
    subprocess.run(["chattr", "-i", str(path)], check=True)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_only_database_is_one_line_error(immutable: Path) -> None:
    before = digest(immutable)
    proc = yuliao("--db", f"sqlite:///{immutable}", "crawl", "http://127.0.0.1:9/", "-q")
    assert proc.returncode == 1
    assert proc.stderr == f"Error: {immutable} is read-only\n"
    assert digest(immutable) == before


def damage(path: Path, kind: str) -> None:
    if kind == "random-bytes":
        path.write_bytes(random.Random(44).randbytes(64 * 1024))
    elif kind == "zero-length":
        path.write_bytes(b"")
    else:  # a corpus of a newer yuliao
        Corpus(f"sqlite:///{path}").close()
        with closing(sqlite3.connect(path)) as conn, conn:
            conn.execute("UPDATE alembic_version SET version_num = '9999'")


@pytest.mark.parametrize("kind", ["random-bytes", "zero-length", "newer-schema"])
@pytest.mark.parametrize("name", [name for name in COMMANDS if name not in NO_DATABASE])
def test_case44_damaged_databases_are_one_line_and_left_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, kind: str
) -> None:
    path = tmp_path / "corpus.db"
    damage(path, kind)
    before = digest(path)
    args = ARGUMENTS.get(name.split()[0], [])
    result = invoke(capsys, "--db", f"sqlite:///{path}", *name.split(), *args)
    assert_one_line(result, 1)
    assert digest(path) == before
    assert sorted(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("name", [n for n in COMMANDS if n not in NO_DATABASE | {"serve"}])
def test_case44_a_read_only_database_is_read_never_written(
    capsys: pytest.CaptureFixture[str], immutable: Path, name: str
) -> None:
    before = digest(immutable)
    args = ARGUMENTS.get(name.split()[0], [])
    result = invoke(capsys, "--db", f"sqlite:///{immutable}", *name.split(), *args)
    if result.code:  # a write refused ("is read-only"), or nothing to show
        assert_one_line(result, 1)
    assert digest(immutable) == before
