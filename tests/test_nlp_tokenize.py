"""segment() and tokenize(): jieba's exact output, offsets into the source, token kinds."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from nlp import NlpError, Token, _jieba, segment, stopwords, tokenize
from nlp.tokenize import LAST_SPACE
from tests.conftest import ROOT

PARAGRAPHS = [
    "我爱自然语言处理。北京是中华人民共和国的首都，也是一座历史悠久的城市。",
    "小明硕士毕业于中国科学院计算所，后在日本京都大学深造。",
    "他来到了网易杭研大厦，结婚的和尚未结婚的人都来了。",
    "工信处女干事每月经过下属科室都要亲口交代24口交换机等技术性器件的安装工作",
    "2024年，Python 3.12 发布；iPhone 和 Android 的用户都在用 ChatGPT 写代码！",
]


@pytest.mark.parametrize("text", PARAGRAPHS)
@pytest.mark.parametrize("hmm", [True, False])
def test_segment_is_jieba(reference: Any, text: str, hmm: bool) -> None:
    assert segment(text, hmm=hmm) == reference.lcut(text, HMM=hmm)
    assert segment(text, mode="search", hmm=hmm) == reference.lcut_for_search(text, HMM=hmm)
    assert segment(text, mode="full") == reference.lcut(text, cut_all=True)


def test_segment_rejects_unknown_mode() -> None:
    with pytest.raises(ValueError, match="unknown mode 'fast'"):
        segment("我爱北京", mode="fast")  # type: ignore[arg-type]


def texts(tokens: list[Token]) -> list[str]:
    return [t.text for t in tokens]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我爱自然语言处理 and NLP.", ["我", "爱", "自然语言", "处理", "and", "NLP", "."]),
        ("I don't know.", ["I", "do", "n't", "know", "."]),
        ("I don’t know.", ["I", "do", "n’t", "know", "."]),
        (
            "He said \"hi\" and ''bye''.",
            ["He", "said", '"', "hi", '"', "and", "''", "bye", "''", "."],
        ),
        ('"a" "b"', ['"', "a", '"', '"', "b", '"']),
        (
            "他说：“好。”然后走了……",
            ["他", "说", "：", "“", "好", "。", "”", "然后", "走", "了", "……"],
        ),
        ("《红楼梦》「好」【注】", ["《", "红楼梦", "》", "「", "好", "」", "【", "注", "】"]),
        ("Dr. Smith left. He came back.", ["Dr.", "Smith", "left", ".", "He", "came", "back", "."]),
        ("2024年5月1日", ["2024", "年", "5", "月", "1", "日"]),
        ("价格$3.50 (10%)", ["价格", "$", "3.50", "(", "10", "%", ")"]),
        ("好😀👍🏽👨‍👩‍👧🇨🇳!", ["好", "😀", "👍🏽", "👨‍👩‍👧", "🇨🇳", "!"]),
        ("caf\u0065\u0301 naïve", ["cafe\u0301", "naïve"]),
    ],
)
def test_tokenize(text: str, expected: list[str]) -> None:
    assert texts(tokenize(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "plain words and 123 numbers",
        "I cannot go and gonna stay so gimme that or I wanna",
        "Cannot",
        "wanna",
        "Mr. Jones's \"quoted\" (parenthesized) text -- with dashes... and 'single' quotes?",
        "won't can't shouldn't y'all 'tis",
    ],
)
def test_english_is_nltk_word_tokenize(text: str) -> None:
    from nltk.tokenize.destructive import NLTKWordTokenizer

    words = NLTKWordTokenizer().tokenize(text)  # what word_tokenize gives for one sentence
    assert [w.replace("``", '"').replace("''", '"') for w in words] == texts(tokenize(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("见http://example.com/a?b=1&c=2。", ["见", "http://example.com/a?b=1&c=2", "。"]),
        ("See https://x.org/wiki/Foo_(bar).", ["See", "https://x.org/wiki/Foo_(bar)", "."]),
        ("(see www.example.com)", ["(", "see", "www.example.com", ")"]),
        (
            "请写信到john.doe+cn@mail.example.com，谢谢",
            ["请", "写信", "到", "john.doe+cn@mail.example.com", "，", "谢谢"],
        ),
    ],
)
def test_urls_and_emails_stay_whole(text: str, expected: list[str]) -> None:
    tokens = tokenize(text)
    assert texts(tokens) == expected
    assert {t.kind for t in tokens if "." in t.text and len(t.text) > 3} <= {"url", "email"}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("北京", "word"),
        ("NLP", "word"),
        ("n't", "word"),
        ("42", "number"),
        ("3.14", "number"),
        ("1,000,000", "number"),
        ("１００", "number"),
        ("，", "punct"),
        ("。", "punct"),
        ("！", "punct"),
        ("「", "punct"),
        ("《", "punct"),
        ("……", "punct"),
        ("?", "punct"),
        ("$", "symbol"),
        ("+", "symbol"),
        ("😀", "symbol"),
        ("https://example.com", "url"),
        ("a@example.com", "email"),
    ],
)
def test_kind(text: str, kind: str) -> None:
    [token] = tokenize(text)
    assert (token.text, token.kind) == (text, kind)


def test_offsets_point_into_the_source() -> None:
    text = '  我爱北京天安门。\n\tI love  Beijing\'s "Tiananmen"!  '
    tokens = tokenize(text)
    assert [(t.start, t.end) for t in tokens[:3]] == [(2, 3), (3, 4), (4, 6)]
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert [t.start for t in tokens] == sorted(t.start for t in tokens)


def test_no_whitespace_character_comes_after_the_last_one_the_tokenizer_knows() -> None:
    """Whitespace never becomes a token because the tokenizer knows every such character."""
    later = range(LAST_SPACE + 1, sys.maxunicode + 1)
    assert not [hex(code) for code in later if chr(code).isspace()]
    every = "".join(chr(code) for code in range(LAST_SPACE + 1) if chr(code).isspace())
    assert tokenize(f"中文{every}中文\r\n文字") == [
        Token("中文", 0, 2),
        Token("中文", 2 + len(every), 4 + len(every)),
        Token("文字", 6 + len(every), 8 + len(every)),
    ]


ALPHABET = (
    "我爱北京天安门中华人民共和国的了是在有"  # Han
    "abcXYZ019 '\"`.,;:!?()[]{}-_/\\@#$%&*+=<>~^|"  # ASCII
    "，。！？：；（）「」『』《》【】“”‘’、…—·"  # CJK punctuation
    "のアカ한국éüñ１２ＡＢ😀👍🏽\u200d\ufe0f🇨"  # other scripts and symbols
    "\t\n\r \u3000\u00a0\x00\x07\u200b\ufeff\u202e\ud800\udfff"  # spaces, controls, surrogates
)


def random_texts(count: int) -> list[str]:
    rng = random.Random(20240501)
    return ["".join(rng.choices(ALPHABET, k=rng.randint(1, 40))) for _ in range(count)]


def is_invisible(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Cs")


@pytest.mark.parametrize("text", random_texts(400))
def test_offset_invariant_on_random_text(text: str) -> None:
    tokens = tokenize(text)
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert all(t.text.strip() and not t.text.isspace() for t in tokens)
    ends = [0] + [t.end for t in tokens]
    assert all(t.start >= end for t, end in zip(tokens, ends, strict=False))  # in order, disjoint
    covered = {i for t in tokens for i in range(t.start, t.end)}
    lost = [c for i, c in enumerate(text) if i not in covered and not is_invisible(c)]
    assert lost == []


@pytest.mark.parametrize("mode", ["search", "full"])
def test_overlapping_modes_keep_offsets(mode: str) -> None:
    text = "中华人民共和国成立了，Beijing 欢迎你"
    tokens = tokenize(text, mode=mode)  # type: ignore[arg-type]
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert {"中华", "人民", "共和国", "中华人民共和国", "Beijing"} <= set(texts(tokens))


def test_lower_keeps_offsets() -> None:
    text = "Hello NLP 世界"
    tokens = tokenize(text, lower=True)
    assert texts(tokens) == ["hello", "nlp", "世界"]
    assert [text[t.start : t.end] for t in tokens] == ["Hello", "NLP", "世界"]


def test_drop_punct_and_stopwords() -> None:
    text = "我们的研究，是关于 the history of 语言的！😀"
    assert texts(tokenize(text, drop_punct=True)) == [
        "我们", "的", "研究", "是", "关于", "the", "history", "of", "语言", "的",
    ]  # fmt: skip
    assert texts(tokenize(text, drop_punct=True, drop_stopwords=True)) == [
        "研究", "history", "语言",
    ]  # fmt: skip
    only_en = texts(tokenize(text, drop_punct=True, drop_stopwords=True, lang="en"))
    assert "的" in only_en
    assert "the" not in only_en
    assert "n't" in stopwords("en")


def test_drop_stopwords_rejects_unknown_language() -> None:
    with pytest.raises(ValueError, match="unsupported language: 'xx'"):
        tokenize("hello", lang="xx", drop_stopwords=True)


@pytest.mark.parametrize("bad", [None, b"bytes", 42, ["list"]])
def test_rejects_non_text(bad: object) -> None:
    with pytest.raises(TypeError, match="text must be str"):
        tokenize(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="text must be str"):
        segment(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   \n\t\u3000 ", []),
        ("\x00", []),
        ("\ud800", []),
        ("a\x00b", ["a", "b"]),
        ("中\ud800国", ["中", "国"]),
        ("\u200b\ufeff", []),
        ("😀😀", ["😀", "😀"]),
    ],
)
def test_odd_input(text: str, expected: list[str]) -> None:
    assert texts(tokenize(text)) == expected


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_quiet_private_cache_and_no_nltk_data(tmp_path: Path, backend: str) -> None:
    """A fresh process: import loads no heavy module, first use prints nothing and writes only
    to the private cache directory, and NLTK needs no downloaded data."""
    temp, cache, nltk_data = tmp_path / "tmp", tmp_path / "cache", tmp_path / "nltk_data"
    temp.mkdir()
    nltk_data.mkdir()
    code = (
        "import sys, nlp\n"
        "heavy = {'jieba', 'rjieba', 'nltk', 'scrapy', 'sqlalchemy', 'trafilatura'}\n"
        "heavy &= set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "print(' '.join(t.text for t in nlp.tokenize('我爱自然语言处理. Dr. Smith is here.')))\n"
    )
    env = {**os.environ, "TMPDIR": str(temp), "YULIAO_CACHE_DIR": str(cache / "yuliao")}
    env.update(NLTK_DATA=str(nltk_data), YULIAO_ZH_BACKEND=backend)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert proc.stderr == ""
    assert proc.stdout == "我 爱 自然语言 处理 . Dr. Smith is here .\n"
    assert list(temp.iterdir()) == []
    if backend == "jieba":  # jieba-rs builds its dictionary in memory, from the package
        assert (cache / "yuliao" / "jieba.cache").is_file()
        assert (cache / "yuliao").stat().st_mode & 0o777 == 0o700
    else:
        assert not cache.exists()


def test_cache_dir_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YULIAO_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _jieba.cache_dir() == tmp_path / "xdg" / "yuliao"
    assert (tmp_path / "xdg" / "yuliao").stat().st_mode & 0o777 == 0o700


def test_cache_dir_writable_by_others_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("YULIAO_CACHE_DIR", str(shared))
    with pytest.raises(NlpError, match="writable by other users"):
        _jieba.cache_dir()


def test_processes_building_the_cache_at_once(tmp_path: Path) -> None:
    """Three fresh processes build jieba's cache into one directory at the same moment."""
    code = "import nlp; print('|'.join(nlp.segment('我爱自然语言处理')))"
    env = {**os.environ, "YULIAO_CACHE_DIR": str(tmp_path / "cache"), "YULIAO_ZH_BACKEND": "jieba"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        for _ in range(3)
    ]
    results = [proc.communicate(timeout=120) for proc in procs]
    assert results == [("我|爱|自然语言|处理\n", "")] * 3
    assert [path.name for path in (tmp_path / "cache").iterdir()] == ["jieba.cache"]
