"""fingerprint(), near_duplicate(), analyze() and the package surface."""

from __future__ import annotations

import hashlib
import random
import re
import statistics
import subprocess
import sys

import pytest

import nlp
from nlp import Analysis, Token, analyze, fingerprint, near_duplicate, tokenize
from tests.conftest import ROOT

ARTICLE = (
    "北京是中华人民共和国的首都，也是全国的政治中心和文化中心。这座城市有三千多年的建城史，"
    "八百多年的建都史，故宫、天坛和长城都是著名的名胜古迹。每年都有数以百万计的游客来到北京，"
    "参观这些历史遗迹，品尝北京烤鸭，感受这座古老而现代的城市的魅力。"
    "上海位于长江入海口，是中国最大的经济中心和国际化大都市。黄浦江穿城而过，外滩的万国建筑群"
    "与陆家嘴的摩天大楼隔江相望。上海的交通十分便利，地铁线路四通八达，浦东国际机场和虹桥机场"
    "连接着世界各地。Natural language processing studies how computers can understand and "
    "generate human language. Modern systems learn from large corpora collected from the web."
)
UNRELATED = (
    "The committee met on Tuesday to review the budget for the coming year. Several members "
    "raised concerns about rising maintenance costs, while others argued that the new library "
    "would attract more visitors and pay for itself within a decade. A final vote is expected "
    "next month after a public hearing in the town hall."
)


def naive_simhash(words: list[str]) -> int:
    """The textbook SimHash, bit by bit, to check the byte-counting implementation."""
    shingles = ["\x1f".join(words[i : i + 3]) for i in range(len(words) - 2)]
    hashes = [
        int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big") for s in shingles
    ]
    votes = [sum(1 if h >> bit & 1 else -1 for h in hashes) for bit in range(64)]
    return sum(1 << bit for bit, vote in enumerate(votes) if vote > 0)


def words_of(text: str) -> list[str]:
    return [t.text for t in tokenize(text, drop_punct=True)]


def test_fingerprint_is_simhash() -> None:
    words = words_of(ARTICLE)
    assert fingerprint(words) == naive_simhash(words)
    assert 0 <= fingerprint(words) < 2**64


def test_fingerprint_accepts_tokens_and_is_stable() -> None:
    tokens = tokenize(ARTICLE, drop_punct=True)
    assert fingerprint(tokens) == fingerprint([t.text for t in tokens])
    assert fingerprint(["a", "b", "c", "d"]) == 0x020D202826265442  # same in every process


def test_fingerprint_short_and_empty() -> None:
    assert fingerprint([]) == 0
    assert fingerprint(["one"]) != fingerprint(["two"])
    assert fingerprint(["\ud800", "x"]) >= 0  # a lone surrogate does not raise


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def test_one_edit_moves_few_bits() -> None:
    """A page of 1,000 words with one word changed stays within the default 3 bits."""
    rng = random.Random(7)
    words = rng.choices([f"w{i}" for i in range(3000)], k=1000)
    original = fingerprint(words)
    moved = []
    for at in rng.sample(range(len(words)), 20):
        edited = [*words[:at], "edit", *words[at + 1 :]]
        moved.append(distance(original, fingerprint(edited)))
    assert statistics.median(moved) <= 3
    assert max(moved) <= 6
    unrelated = fingerprint(rng.choices([f"w{i}" for i in range(3000)], k=1000))
    assert not near_duplicate(original, unrelated, bits=16)


@pytest.mark.parametrize(("old", "new"), [("三千多年", "三千余年"), ("large", "huge")])
def test_short_text_edit_is_nearer_than_another_text(old: str, new: str) -> None:
    original = fingerprint(words_of(ARTICLE))
    edited = fingerprint(words_of(ARTICLE.replace(old, new)))
    assert 0 < distance(original, edited) < distance(original, fingerprint(words_of(UNRELATED)))


def test_near_duplicate_accepts_signed_fingerprints() -> None:
    original = fingerprint(words_of(ARTICLE))
    signed = original - 2**64 if original >= 2**63 else original
    assert near_duplicate(original, signed, bits=0)  # as read back from a BIGINT column


def test_near_duplicate_bits() -> None:
    assert near_duplicate(0b1011, 0b0000, bits=3)
    assert not near_duplicate(0b1011, 0b0000, bits=2)
    with pytest.raises(ValueError, match="bits must not be negative"):
        near_duplicate(0, 0, bits=-1)


def test_analyze_mixed_page() -> None:
    text = (
        "  北京欢迎你！这是一个测试。\n\n\nNatural language processing is fun. Dr. Smith agrees.\n"
    )
    result = analyze(text)
    assert isinstance(result, Analysis)
    assert result.text == (
        "北京欢迎你！这是一个测试。\nNatural language processing is fun. Dr. Smith agrees."
    )
    assert result.paragraph_langs == ("zh", "en")
    assert result.lang == "en"  # more characters
    assert [s.text for s in result.sentences] == [
        "北京欢迎你！", "这是一个测试。", "Natural language processing is fun.", "Dr. Smith agrees.",
    ]  # fmt: skip
    assert all(result.text[s.start : s.end] == s.text for s in result.sentences)
    assert all(result.text[t.start : t.end] == t.text for t in result.tokens)
    assert result.tokens[:3] == (Token("北京", 0, 2), Token("欢迎", 2, 4), Token("你", 4, 5))
    assert (result.n_chars, result.n_sentences) == (len(result.text), 4)
    assert result.content_hash == hashlib.sha256(result.text.encode()).hexdigest()
    assert result.fingerprint == analyze(text.replace("\n\n\n", "\n")).fingerprint
    version = r"jieba-[\d.]+(\+rjieba-[\d.]+)?\+nltk-[\d.]+;hmm=1;dict=[0-9a-f]{8};user=none"
    assert re.fullmatch(version, result.tokenizer)


def test_analyze_language() -> None:
    assert analyze(ARTICLE).lang == "zh"
    assert analyze(ARTICLE, lang="zh-TW").lang == "zh-TW"
    assert analyze("ok").lang == "und"
    # A paragraph of undecided language is split by the given language's rules.
    assert analyze("A。B。").n_sentences == 1
    assert analyze("A。B。", lang="zh").n_sentences == 2


@pytest.mark.parametrize("text", ["", "  \n\t ", "\x00\ud800\u200b", "😀"])
def test_analyze_empty_and_odd(text: str) -> None:
    result = analyze(text)
    assert result.lang == "und"
    assert result.text.strip() == result.text
    assert result.n_tokens == len(tokenize(result.text))
    assert result.content_hash == hashlib.sha256(result.text.encode()).hexdigest()


def test_analyze_rejects_bytes() -> None:
    with pytest.raises(TypeError):
        analyze(b"\xe4\xbd\xa0\xe5\xa5\xbd")  # type: ignore[arg-type]


def test_all_is_sorted_and_complete() -> None:
    assert nlp.__all__ == sorted(nlp.__all__)
    assert all(getattr(nlp, name) is not None for name in nlp.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        nlp.nope  # type: ignore[attr-defined]  # noqa: B018


def test_import_loads_no_heavy_module() -> None:
    """What keeps ``import nlp`` fast (timed in bench/bench_tokenize.py, not here)."""
    code = (
        "import sys; import nlp\n"
        "heavy = {'jieba', 'rjieba', 'nltk', 'scrapy', 'sqlalchemy', 'trafilatura', 'opencc',\n"
        "    'py3langid', 'numpy'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert proc.stdout.strip() == "[]"
