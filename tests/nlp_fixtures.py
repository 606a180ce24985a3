"""Deterministic test text for the nlp tests and benchmarks, and a reference jieba tokenizer.

``mixed_text`` composes news-style paragraphs from jieba's own dictionary (words drawn by
frequency) and a few templates: dates, prices, versions, URLs, e-mails, English, full-width
forms, emoji, rare and Traditional characters, odd whitespace. Nothing is downloaded.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import logging
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉玲建国红梅琳晨曦浩宇梓涵子轩欣怡嘉"
)
LATIN = [
    "AI", "GDP", "CEO", "NBA", "iPhone", "Android", "ChatGPT", "Python", "C++", "C#", "AT&T",
    "T恤", "A股", "B超", "卡拉OK", "U盘", "X光", "QQ", "APP", "VIP", "WiFi", "Wi-Fi", "e-mail",
    "O2O", "B2B", "3D", "USB", "x86_64", "node.js", "COVID-19", "5G", "4K", "No.1", "V2.0",
    "Python 3.12", "iPhone 15 Pro", "GPT-4o", "#话题#", "+86", "100%", "3.5%", "6-1", "1.2.3",
    "a_b_c", "R&D", "M&A", "U.S.", "Dr.", "can't", "it's", "A-B-C", "ABC-123", "2.5D",
]  # fmt: skip
URLS = [
    "http://www.people.com.cn/n1/2024/0501/c1001-40227.html",
    "https://example.com/a_b?x=1&y=2#frag",
    "www.xinhuanet.com",
    "https://zh.wikipedia.org/wiki/自然语言处理",
    "news.desk@people.cn",
    "john.doe+cn@mail.example.com",
    "ftp://files.example.org/pub/data-2024.tar.gz",
]
ENGLISH = [
    "the",
    "government",
    "said",
    "on",
    "Tuesday",
    "that",
    "growth",
    "slowed",
    "in",
    "the",
    "third",
    "quarter",
    "while",
    "exports",
    "rose",
    "faster",
    "than",
    "expected",
    "and",
    "analysts",
    "warned",
    "about",
    "rising",
    "costs",
    "for",
    "small",
    "companies",
    "Dr.",
    "Smith",
    "told",
    "reporters",
    "it's",
    "too",
    "early",
    "to",
    "say",
    "whether",
    "the",
    "U.S.",
    "economy",
    "can't",
    "recover",
]
ODD = [
    "ＡＢＣ", "１２３", "（注）", "％", "＃", "＋", "😀", "👍🏽", "👨‍👩‍👧", "🇨🇳", "❤️", "…",
    "——", "·", "㐀㑇", "豈更", "𠀀𠮷", "\u9fd6\u9fe0", "の", "한국", "é", "\x00", "\ud800",
    "\u200b", "\ufeff", "½", "①", "Ⅻ", "°C", "¥100", "$3.50", "€", "→", "★",
]  # fmt: skip
SPACES = [" ", "  ", "\t", "\u3000", "\xa0", "\r\n", "\n", "\x0b", "\x0c", "\x1c", "\u2028", "\r"]
ENDS = "。。。！？；…"
INNER = "，，，、：“”《》（）"


@functools.cache
def dictionary_words() -> tuple[list[str], list[int]]:
    """Jieba's dictionary words and their cumulative frequencies, for weighted draws."""
    spec = importlib.util.find_spec("jieba")
    assert spec is not None
    assert spec.origin is not None
    lines = (Path(spec.origin).parent / "dict.txt").read_text("utf-8").splitlines()
    entries = [line.split(" ") for line in lines]
    words = [entry[0] for entry in entries]
    return words, list(itertools.accumulate(int(entry[1]) for entry in entries))


@functools.cache
def _s2t() -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC("s2t").convert  # type: ignore[no-any-return]


def _to_traditional(text: str) -> str:
    """Traditional characters; lone surrogates, which OpenCC cannot take, pass through."""
    parts = re.split("([\ud800-\udfff])", text)
    return "".join(part if i % 2 else _s2t()(part) for i, part in enumerate(parts))


def _name(rng: random.Random) -> str:
    """A person's name: characters the dictionary rarely joins, so the HMM has work."""
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))


def _number(rng: random.Random) -> str:
    choices = [
        f"{rng.randint(1990, 2030)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
        f"{rng.uniform(0, 100):.1f}%",
        f"{rng.randint(1000, 10**7):,}",
        f"{rng.uniform(1, 999):.2f}亿元",
        f"{rng.randint(0, 99)}",
        f"{rng.randint(1, 9)}.{rng.randint(0, 99)}.{rng.randint(0, 9)}",
    ]
    return rng.choice(choices)


def _sentence(rng: random.Random, other: float) -> str:
    """Dictionary words, some names and inner punctuation; ``other`` scales the rest."""
    words, cumulative = dictionary_words()
    parts = rng.choices(words, cum_weights=cumulative, k=rng.randint(4, 24))
    for _ in range(rng.randint(0, 3)):
        extra = rng.choices(
            [_name, _number, lambda r: r.choice(LATIN), lambda r: r.choice(INNER)],
            weights=[3, 3 * other, 3 * other, 4],
        )[0](rng)
        parts.insert(rng.randint(0, len(parts)), extra)
    for choices, chance in ((URLS, 0.05), (ODD, 0.15), (SPACES, 0.1)):
        if rng.random() < chance * other:
            parts.insert(rng.randint(0, len(parts)), rng.choice(choices))
    return "".join(parts) + rng.choice(ENDS)


def _english(rng: random.Random) -> str:
    words = rng.choices(ENGLISH, k=rng.randint(5, 20))
    return " ".join(words).capitalize() + rng.choice([".", "!", "?", ","])


def _paragraph(rng: random.Random, english: float, other: float) -> str:
    sentences = []
    for _ in range(rng.randint(1, 8)):
        sentence = _english(rng) if rng.random() < english else _sentence(rng, other)
        sentences.append(sentence)
        if rng.random() < 0.1:
            sentences.append(" ")
    paragraph = "".join(sentences)
    return _to_traditional(paragraph) if rng.random() < 0.1 else paragraph


def mixed_text(size: int, *, seed: int = 2024, english: float = 0.12, other: float = 1.0) -> str:
    """About ``size`` characters of Chinese-dominant mixed text, the same for every ``seed``.

    ``english`` is the share of sentences in English; the others are Chinese, with numbers,
    Latin words, URLs, odd characters and whitespace as often as ``other`` (0 to 1) says.
    """
    rng = random.Random(seed)
    paragraphs, length = [], 0
    while length < size:
        paragraph = _paragraph(rng, english, other) + rng.choice(
            ["\n", "\n", "\r\n", "\n\n", " \n"]
        )
        paragraphs.append(paragraph)
        length += len(paragraph)
    return "".join(paragraphs)


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A jieba tokenizer of its own, built from the dictionary, to compare against."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(tmp_path_factory.mktemp("jieba"))
    tok.initialize()
    return tok
