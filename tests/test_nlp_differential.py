"""segment() against jieba itself, token for token, on over a megabyte of varied text.

Every backend, every mode, HMM on and off, with and without user words. User words change the
process's dictionary, so those runs happen in a fresh interpreter each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nlp import segment, tokenize
from tests.conftest import ROOT
from tests.nlp_fixtures import mixed_text

MODES = [
    ("accurate", True),
    ("accurate", False),
    ("search", True),
    ("search", False),
    ("full", True),
]
BACKENDS = ["jieba", "rjieba"]
MEGABYTE = 1_000_000
USER_WORDS: list[tuple[str, int | None, str | None]] = [
    ("杭研大厦", None, None),  # unknown: jieba suggests a frequency
    ("自然语言处理技术", 50, "n"),
    ("王小明", 20000, "nr"),
    ("北京", 100, None),  # already known, with a new frequency: jieba's total grows
    ("的确", 3, None),
    ("iPhone手机", None, "n"),  # ASCII inside a word
    ("C++编程", 10, None),
    ("3D打印机", None, None),
    ("新冠肺炎疫情", 999, "n"),
    ("A股市场", 500, None),
]
USERDICT = "\ufeff云计算平台 5 n\n大数据\n区块链技术 20\n中华人民共和国 1\n"


def big_text() -> str:
    text = mixed_text(480_000, seed=11)
    assert len(text.encode("utf-8", "surrogatepass")) >= MEGABYTE
    return text


def differences(text: str, reference: Any) -> list[str]:
    """Each (backend, mode, hmm) whose words differ from jieba's, with the first difference."""
    expected = {mode_hmm: _reference_cut(reference, text, *mode_hmm) for mode_hmm in MODES}
    found = []
    for backend in BACKENDS:
        os.environ["YULIAO_ZH_BACKEND"] = backend
        for (mode, hmm), words in expected.items():
            got = segment(text, mode=mode, hmm=hmm)  # type: ignore[arg-type]
            if got != words:
                found.append(f"{backend} {mode} hmm={hmm}: {_first_difference(got, words)}")
    return found


def _reference_cut(reference: Any, text: str, mode: str, hmm: bool) -> list[str]:
    if mode == "accurate":
        return reference.lcut(text, HMM=hmm)  # type: ignore[no-any-return]
    if mode == "search":
        return reference.lcut_for_search(text, HMM=hmm)  # type: ignore[no-any-return]
    return reference.lcut(text, cut_all=True)  # type: ignore[no-any-return]


def _first_difference(got: list[str], expected: list[str]) -> str:
    pairs = enumerate(zip(got, expected, strict=False))
    at = next((i for i, (mine, theirs) in pairs if mine != theirs), None)
    at = min(len(got), len(expected)) if at is None else at
    near = slice(max(at - 3, 0), at + 5)
    return f"at word {at}: got {got[near]!r}, jieba {expected[near]!r}"


@pytest.fixture(scope="module")
def with_user_words(tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.Popen[str]]:
    """The comparison with user words, started at once in a fresh interpreter.

    It runs on the second core while this process compares without user words.
    """
    tmp_path = tmp_path_factory.mktemp("userdict")
    userdict = tmp_path / "userdict.txt"
    userdict.write_text(USERDICT, encoding="utf-8")
    code = (
        "import json, pathlib, sys\n"
        "from tests.test_nlp_differential import run_with_user_words\n"
        "print(json.dumps(run_with_user_words(pathlib.Path(sys.argv[1]))))\n"
    )
    env = {**os.environ, "YULIAO_CACHE_DIR": str(tmp_path / "cache")}
    with subprocess.Popen(
        [sys.executable, "-c", code, str(userdict)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    ) as proc:
        yield proc
        proc.kill()


def test_identical_to_jieba(
    reference: Any, monkeypatch: pytest.MonkeyPatch, with_user_words: subprocess.Popen[str]
) -> None:
    monkeypatch.setenv("YULIAO_ZH_BACKEND", "auto")  # restored after ``differences`` sets it
    assert with_user_words.returncode is None  # started, running alongside
    assert differences(big_text(), reference) == []


def run_with_user_words(userdict: Path) -> list[str]:
    """In this (fresh) process: add the user words everywhere, then compare."""
    import nlp
    from nlp import _jieba

    reference = _jieba.import_jieba().Tokenizer()
    reference.tmp_dir = str(_jieba.cache_dir())
    for word, freq, tag in USER_WORDS:
        reference.add_word(word, freq, tag)
        nlp.add_word(word, freq, tag)
    reference.load_userdict(str(userdict))
    nlp.load_userdict(userdict)
    return differences(big_text(), reference)


def test_identical_to_jieba_with_user_words(with_user_words: subprocess.Popen[str]) -> None:
    stdout, stderr = with_user_words.communicate(timeout=300)
    assert with_user_words.returncode == 0, stderr
    assert json.loads(stdout) == []


def test_user_words_change_segmentation_on_every_backend(tmp_path: Path) -> None:
    """The control for the test above: the words it adds do change jieba's output."""
    code = (
        "import os, nlp\n"
        "text = '我在杭研大厦用iPhone手机学习C++编程'\n"
        "before = nlp.segment(text)\n"
        "nlp.add_word('杭研大厦'); nlp.add_word('iPhone手机'); nlp.add_word('C++编程', 10)\n"
        "for backend in ('jieba', 'rjieba'):\n"
        "    os.environ['YULIAO_ZH_BACKEND'] = backend\n"
        "    print(backend, before != nlp.segment(text), '|'.join(nlp.segment(text)))\n"
    )
    env = {**os.environ, "YULIAO_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=True
    )
    assert proc.stdout.splitlines() == [
        f"{backend} True 我|在|杭研大厦|用|iPhone手机|学习|C++编程" for backend in BACKENDS
    ]


@pytest.mark.parametrize("mode", ["accurate", "search", "full"])
def test_tokenize_is_the_same_on_every_backend(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = mixed_text(100_000, seed=9)
    found = []
    for backend in BACKENDS:
        monkeypatch.setenv("YULIAO_ZH_BACKEND", backend)
        found.append(tokenize(text, mode=mode))  # type: ignore[arg-type]
    assert found[0] == found[1]
    assert all(text[t.start : t.end] == t.text for t in found[0])
