"""keywords(), stem(), the user dictionary, backend choice and odd or large input."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

import nlp
from nlp import Keyword, NlpError, UnsupportedLanguage, keywords, segment, stem, tokenize
from nlp.dictionary import backend
from tests.conftest import ROOT

NEWS = (
    "今天纽约的天气真好啊，京华大酒店的张尧经理吃了一只北京烤鸭。后天纽约的天气不好，"
    "昨天纽约的天气也不好，北京烤鸭真好吃。此外，公司拟对全资子公司吉林欧亚置业有限公司增资"
    "4.3亿元，增资后，吉林欧亚置业注册资本由7000万元增加到5亿元。"
)
ENGLISH = (
    "Natural language processing studies how computers understand human language. "
    "Computers learn language from large corpora, and corpora of web pages help computers "
    "learn language that people really write."
)


def jieba_analyse(reference: Any, method: str) -> list[tuple[str, float]]:
    """What ``jieba.analyse`` returns when its extractor is wired to a plain jieba tokenizer."""
    with warnings.catch_warnings():  # jieba.analyse leaves idf.txt open
        warnings.simplefilter("ignore", ResourceWarning)
        import jieba.analyse
        import jieba.posseg

        if method == "tfidf":
            extractor = jieba.analyse.TFIDF()
            extractor.tokenizer = reference
            return extractor.extract_tags(NEWS, topK=8, withWeight=True)  # type: ignore[no-any-return]
    extractor = jieba.analyse.TextRank()
    extractor.tokenizer = extractor.postokenizer = jieba.posseg.POSTokenizer(reference)
    return extractor.textrank(NEWS, topK=8, withWeight=True)  # type: ignore[no-any-return]


@pytest.mark.parametrize("method", ["tfidf", "textrank"])
def test_chinese_keywords_are_jieba_analyse(reference: Any, method: str) -> None:
    found = keywords(NEWS, top=8, method=method)  # type: ignore[arg-type]
    assert [(k.word, k.weight) for k in found] == jieba_analyse(reference, method)
    assert all(isinstance(k, Keyword) for k in found)
    assert "纽约" in [k.word for k in found]


@pytest.mark.parametrize("method", ["tfidf", "textrank"])
def test_english_keywords(method: str) -> None:
    found = keywords(ENGLISH, top=4, method=method)  # type: ignore[arg-type]
    words = [k.word for k in found]
    assert words[:2] == ["language", "computers"] or words[:2] == ["computers", "language"]
    assert not {"the", "and", "how", "that", "of"} & set(words)
    assert [k.weight for k in found] == sorted((k.weight for k in found), reverse=True)


def test_keywords_language_and_arguments() -> None:
    assert keywords(ENGLISH, lang="en", top=1) == keywords(ENGLISH, top=1)
    assert keywords("", top=5) == []
    with pytest.raises(UnsupportedLanguage, match="unsupported language: 'fr'"):
        keywords("Bonjour tout le monde", lang="fr")
    with pytest.raises(ValueError, match="unknown method 'lda'"):
        keywords(NEWS, method="lda")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="top must be positive"):
        keywords(NEWS, top=0)
    with pytest.raises(TypeError):
        keywords(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("word", "lang", "expected"),
    [
        ("running", "en", "run"),
        ("studies", "en", "studi"),
        ("computers", "en", "comput"),
        ("generously", "en", "generous"),
        ("北京烤鸭", "zh", "北京烤鸭"),
        ("東京", "ja", "東京"),
        ("maisons", "fr", "maison"),
        ("Häuser", "de", "haus"),
    ],
)
def test_stem(word: str, lang: str, expected: str) -> None:
    assert stem(word, lang=lang) == expected


def test_stem_unknown_language() -> None:
    with pytest.raises(UnsupportedLanguage, match="no Snowball stemmer"):
        stem("word", lang="xx")


@pytest.mark.parametrize(
    ("word", "freq", "error"),
    [
        ("", None, "non-empty"),
        ("  ", None, "non-empty"),
        ("词", -1, "non-negative"),
        ("词", 1.5, "integer"),
    ],
)
def test_add_word_rejects_bad_arguments(word: str, freq: Any, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        nlp.add_word(word, freq)


def test_load_userdict_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NlpError, match="cannot read user dictionary"):
        nlp.load_userdict(tmp_path / "missing.txt")


def test_backend_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YULIAO_ZH_BACKEND", "auto")
    assert backend() == "rjieba"
    monkeypatch.setenv("YULIAO_ZH_BACKEND", "jieba")
    assert backend() == "jieba"
    monkeypatch.setenv("YULIAO_ZH_BACKEND", "hanlp")
    with pytest.raises(NlpError, match="must be auto, jieba or rjieba, got 'hanlp'"):
        segment("你好")


def run(code: str, tmp_path: Path) -> list[str]:
    env = {**os.environ, "YULIAO_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("YULIAO_ZH_BACKEND", None)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout.splitlines()


def test_user_words_are_in_the_tokenizer_version(tmp_path: Path) -> None:
    code = (
        "import nlp\n"
        "from nlp.tokenize import tokenizer_version\n"
        "print(tokenizer_version())\n"
        "nlp.add_word('杭研大厦')\n"
        "print(tokenizer_version())\n"
        "print(nlp.segment('他来到了网易杭研大厦'))\n"
    )
    before, after, words = run(code, tmp_path)
    assert before.endswith(";user=none")
    assert after.partition(";user=")[0] == before.partition(";user=")[0]
    assert len(after.partition(";user=")[2]) == 8
    assert words == "['他', '来到', '了', '网易', '杭研大厦']"


def test_deleting_a_word_switches_auto_to_jieba(tmp_path: Path) -> None:
    code = (
        "import nlp\n"
        "from nlp.dictionary import backend\n"
        "print(backend(), nlp.segment('我们中出了一个叛徒'))\n"
        "nlp.add_word('中出', 0)\n"
        "print(backend(), nlp.segment('我们中出了一个叛徒'))\n"
    )
    assert run(code, tmp_path) == [
        "rjieba ['我们', '中出', '了', '一个', '叛徒']",
        "jieba ['我们', '中', '出', '了', '一个', '叛徒']",
    ]


@pytest.mark.parametrize(
    "text",
    ["", " ", "\n\t\u3000", "\x00", "\ud800", "中\ud800国", "a\x00b", "😀", "㐀㑇𠮷", "\r\n"],
)
@pytest.mark.parametrize("mode", ["accurate", "search", "full"])
def test_segment_odd_input_is_jieba(reference: Any, text: str, mode: str) -> None:
    expected = {
        "accurate": reference.lcut(text),
        "search": reference.lcut_for_search(text),
        "full": reference.lcut(text, cut_all=True),
    }[mode]
    assert segment(text, mode=mode) == expected  # type: ignore[arg-type]


def test_large_input_uses_memory_in_proportion(tmp_path: Path) -> None:
    """Two megabytes through segment and tokenize: peak memory grows with the input, no more."""
    code = (
        "import resource, nlp\n"
        "def peak(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
        "nlp.tokenize('预热 warm-up')\n"
        "text = '北京是中华人民共和国的首都，Beijing is the capital. 2024年5月1日\\n' * 25_000\n"
        "base = peak()\n"
        "words, tokens = len(nlp.segment(text)), len(nlp.tokenize(text))\n"
        "print(len(text.encode()), words, tokens, peak() - base)\n"
    )
    size, words, tokens, grown = map(int, run(code, tmp_path)[0].split())
    assert size > 2_000_000
    assert (words, tokens) == (550_000, 425_000)
    assert grown < 150 * size  # tokens are small tuples: about 100 bytes each


def test_tokenize_keeps_only_emoji_as_symbols() -> None:
    assert [(t.text, t.kind) for t in tokenize("😀👍🏽")] == [("😀", "symbol"), ("👍🏽", "symbol")]
    assert tokenize("😀👍🏽", drop_punct=True) == []
