"""normalize(), detect_language(), split_sentences() and stopwords()."""

from __future__ import annotations

import pytest

from nlp import (
    NlpError,
    Sentence,
    UnsupportedLanguage,
    detect_language,
    normalize,
    split_sentences,
    stopwords,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("你好，世界！（测试）：是；吗？", "你好，世界！（测试）：是；吗？"),
        (
            "“引号”‘单’「直角」『双』《书名》【注】、……——",
            "“引号”‘单’「直角」『双』《书名》【注】、……——",
        ),
        ("ｈｔｔｐ：／／ｘ．ｃｏｍ", "http：//x.com"),
        ("ﬁne ½", "fine 1⁄2"),
        ("a\u3000\u00a0 \t b", "a b"),
        ("zero\u200bwidth\u200d joiner\ufeff", "zerowidth joiner"),
        ("bidi\u202eevil\u202c", "bidievil"),
        ("soft\u00adhyphen", "softhyphen"),
        ("nul\x00 bell\x07 lone\ud800 surrogate", "nul bell lone surrogate"),
        ("line one\r\nline two\rthree\n\n\n  four  ", "line one\nline two\nthree\nfour"),
        ("  \n \t\n", ""),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected
    assert normalize(expected) == expected  # idempotent


def test_normalize_options() -> None:
    assert normalize("ＡＢＣ，") == "ABC，"
    assert normalize("ＡＢＣ，", width=False) == "ＡＢＣ，"
    assert normalize("e\u0301", width=False) == "\u00e9"  # still NFC
    assert normalize("a\x07b", strip_controls=False) == "a\x07b"
    assert normalize("這是一個測試頁面，憂鬱的臺灣烏龜", to_simplified=True) == (
        "这是一个测试页面，忧郁的台湾乌龟"
    )
    assert normalize("這是", to_simplified=False) == "這是"


LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
INVISIBLE = [
    *"\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e",
    *"\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff\ufff9\ufffa\ufffb",
    *"\ud800\udbff\udc00\udfff",
    *(c for c in map(chr, [*range(0x20), *range(0x7F, 0xA0)]) if c not in LINE_BREAKS + "\t\n"),
]


@pytest.mark.parametrize("char", INVISIBLE)
def test_normalize_removes_invisible_characters(char: str) -> None:
    assert normalize(f"a{char}b{char}") == "ab"


@pytest.mark.parametrize("char", LINE_BREAKS)
def test_normalize_unifies_line_breaks(char: str) -> None:
    assert normalize(f"a{char}b{char}") == "a\nb"


def test_normalize_rejects_bytes() -> None:
    with pytest.raises(TypeError):
        normalize(b"bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("我爱自然语言处理", "zh"),
        ("你好", "zh"),
        ("這是一個測試頁面", "zh"),
        ("我爱自然语言处理 and NLP.", "zh"),
        ("これは日本語の文章です", "ja"),
        ("東京都の天気", "ja"),
        ("한국어 문장입니다", "ko"),
        ("The quick brown fox jumps over the lazy dog.", "en"),
        ("hello world", "en"),
        ("iPhone 15 Pro Max", "en"),
        ("A long English sentence that mentions 北京 once is still English.", "en"),
        (
            (
                "Le gouvernement a annoncé mardi une nouvelle réforme des retraites qui sera "
                "présentée au parlement la semaine prochaine."
            ),
            "fr",
        ),
        ("Привет, как дела у тебя сегодня?", "ru"),
        ("Der schnelle braune Fuchs springt über den faulen Hund.", "de"),
        ("El gobierno anunció el martes una nueva reforma.", "es"),
        ("Xin chào, hôm nay bạn thế nào?", "vi"),
        ("สวัสดีครับ วันนี้อากาศดี", "th"),
        ("日本の首都は東京です。", "ja"),
        ("漢字だけ", "ja"),
        ("東京大学", "zh"),  # kanji alone cannot be told from Chinese
        ("naïve café", "und"),  # too short for the model, not English enough
        ("", "und"),
        ("   ", "und"),
        ("ok", "und"),
        ("中", "und"),
        ("12345 67890", "und"),
        ("😀😀😀!!!", "und"),
        ("\x00\ud800", "und"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_detect_language_rejects_none() -> None:
    with pytest.raises(TypeError):
        detect_language(None)  # type: ignore[arg-type]


def texts(sentences: list[Sentence]) -> list[str]:
    return [s.text for s in sentences]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("他说：“好。”然后走了。", ["他说：“好。”", "然后走了。"]),
        (
            "真的吗？？是的!好吧……再见；明天见",
            ["真的吗？？", "是的!", "好吧……", "再见；", "明天见"],
        ),
        ("《红楼梦》很好看。（我觉得。）你呢", ["《红楼梦》很好看。", "（我觉得。）", "你呢"]),
        ("Dr. Smith went to Washington.", ["Dr. Smith went to Washington."]),
        (
            "Mr. Brown met Mrs. Jones at 3 p.m. yesterday. They talked, e.g. about the U.S. economy.",
            [
                "Mr. Brown met Mrs. Jones at 3 p.m. yesterday.",
                "They talked, e.g. about the U.S. economy.",
            ],
        ),
        ('He said "Stop." Then he left!  Why?', ['He said "Stop."', "Then he left!", "Why?"]),
        (
            "第一段。第二句。\nSecond paragraph. Two.",
            ["第一段。", "第二句。", "Second paragraph.", "Two."],
        ),
        (
            "no end punctuation\nstill splits at lines",
            ["no end punctuation", "still splits at lines"],
        ),
        ("", []),
        (" \n\t\n", []),
        ("\x00。", ["\x00。"]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    sentences = split_sentences(text)
    assert texts(sentences) == expected
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_split_sentences_with_given_language() -> None:
    text = "I love it! 真的!"
    assert texts(split_sentences(text, lang="zh")) == ["I love it! 真的!"]
    assert texts(split_sentences("我爱你。你呢？", lang="en")) == ["我爱你。你呢？"]
    assert texts(split_sentences("我爱你。你呢？", lang="zh-TW")) == ["我爱你。", "你呢？"]


@pytest.mark.parametrize(
    ("lang", "words"), [("zh", {"的", "了", "我们", "因为"}), ("en", {"the", "of", "and", "n't"})]
)
def test_stopwords(lang: str, words: set[str]) -> None:
    listed = stopwords(lang)
    assert isinstance(listed, frozenset)
    assert words <= listed
    assert len(listed) >= 250
    assert not any(w.startswith("#") or w != w.strip() or w != w.lower() for w in listed)


def test_stopwords_unsupported_language() -> None:
    with pytest.raises(UnsupportedLanguage, match="unsupported language: 'fr'") as info:
        stopwords("fr")
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, NlpError)
