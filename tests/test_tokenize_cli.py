"""``yuliao tokenize``: formats, sentences, keywords, and streaming from standard input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, yuliao


def test_text_format_is_one_line_per_input_line() -> None:
    proc = yuliao("tokenize", "-", input="我爱自然语言处理。\n\nI can't go.\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "我 爱 自然语言 处理 。\n\nI ca n't go .\n"
    assert proc.stderr == ""


def test_search_mode() -> None:
    proc = yuliao("tokenize", "中华人民共和国", "--mode", "search")
    assert proc.stdout == "中华 中华人民共和国 华人 人民 共和 共和国\n"


def test_sentences_and_conll() -> None:
    proc = yuliao("tokenize", "他说：“好。”然后走了。", "--sentences", "--format", "conll")
    assert proc.returncode == 0, proc.stderr
    blocks = proc.stdout.split("\n\n")
    assert blocks[-1] == ""
    first, second = (block.splitlines() for block in blocks[:2])
    assert first[0] == "1\t他\t_\t_\tword\t_\t_\t_\t_\tTokenRange=0:1"
    assert first[-1] == "7\t”\t_\t_\tpunct\t_\t_\t_\t_\tTokenRange=6:7"
    assert second[0] == "1\t然后\t_\t_\tword\t_\t_\t_\t_\tTokenRange=7:9"
    assert all(len(line.split("\t")) == 10 for line in first + second)


def test_json_is_one_array_with_offsets_into_each_line() -> None:
    proc = yuliao("tokenize", "-", "--format", "json", "--sentences", input="你好。再见！\nOK\n")
    assert proc.returncode == 0, proc.stderr
    sentences = json.loads(proc.stdout)
    assert [[t["text"] for t in s] for s in sentences] == [["你好", "。"], ["再见", "！"], ["OK"]]
    assert sentences[1][0] == {"text": "再见", "start": 3, "end": 5, "kind": "word"}


def test_lang_picks_the_sentence_rules() -> None:
    proc = yuliao("tokenize", "我爱你。你呢？", "--sentences", "--lang", "en")
    assert proc.stdout == "我爱你 。 你 呢 ？\n"  # one line: English rules do not split at 。


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", "北京烤鸭\t1.564298\n纽约\t0.84132\n"),
        (
            "jsonl",
            '{"word": "北京烤鸭", "weight": 1.564298}\n{"word": "纽约", "weight": 0.84132}\n',
        ),
    ],
)
def test_keywords_of_the_whole_input(fmt: str, expected: str) -> None:
    text = "今天纽约的天气真好啊，京华大酒店的张尧经理吃了一只北京烤鸭。\n后天纽约的天气不好，北京烤鸭真好吃\n"
    proc = yuliao("tokenize", "-", "--keywords", "2", "--format", fmt, input=text)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected


def test_bad_options_are_usage_errors() -> None:
    proc = yuliao("tokenize", "x", "--keywords", "0")
    assert proc.returncode == 2
    assert proc.stderr.startswith("Error: Invalid value for '--keywords'")
    assert yuliao("tokenize", "x", "--format", "xml").returncode == 2


def test_stdin_streams_line_by_line() -> None:
    """Each line's tokens come out before the next line is written: nothing waits for EOF."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "crawler.cli", "tokenize", "-"]
    with subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env
    ) as proc:
        assert proc.stdin is not None
        assert proc.stdout is not None
        for line, expected in [("第一行文字", "第一行 文字"), ("second line", "second line")]:
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
            assert proc.stdout.readline() == expected + "\n"
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
