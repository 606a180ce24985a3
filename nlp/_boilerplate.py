"""Main text by text density over resiliparse's main-content blocks.

Resiliparse drops navigation and other chrome by markup; what it keeps still holds
bylines, share bars, cookie notices and "related" lists. Each block (line) is
classed as content (long, punctuated prose), neutral (short lines: subheadings,
list items, table rows), link (mostly anchor text, or a boilerplate phrase) or
barrier (a heading that opens a "related articles" section). The main text is
the contiguous run of blocks with the highest score, where content adds its
length and everything else costs a little (neutral) or a lot (links).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal

from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLTree

Kind = Literal["content", "neutral", "link", "barrier"]

# Containers that hold captions and consent banners, never article text.
_SKIP = ("figure, [class*=caption], [class*=cookie], [id*=cookie], [class*=consent]",)
_CJK = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff"
# One CJK character (captured) or one word (captures ""): one pass counts both.
_UNIT_RE = re.compile(f"([{_CJK}])|[^\\W_{_CJK}]+")
_TAG_RE = re.compile(r"<[^>]*>")
_ANCHOR_RE = re.compile(r"<a\b[^>]*>(.*?)</a>", re.DOTALL)
_CJK_PUNCT_RE = re.compile(r"[，。！？；、]")
_LATIN_SENTENCE_RE = re.compile(r"[.!?]['\"”’)\]]*(?:\s|$)|[,;:] ")
_BARRIER_RE = re.compile(
    r"^\W*(?:相关(?:阅读|新闻|文章|链接|推荐|报道)|推荐阅读|延伸阅读|热门(?:推荐|文章|新闻)"
    r"|猜你喜欢|更多精彩|精彩推荐|上一篇|下一篇"
    r"|(?:related|recommended|popular|more) (?:articles?|stories|posts|news|reading)"
    r"|you (?:may|might) (?:also )?like)\b",
    re.IGNORECASE,
)
_BOILERPLATE_RE = re.compile(
    r"版权所有|责任编辑|分享到|扫一扫|扫描二维码|关注我们|返回顶部|all rights reserved|©"
    r"|^copyright\b|^\W*(?:share|tweet|email|print)(?: this)?\W*$"
    r"|^\W*(?:photo|image|credit|图片来源|图)[:：]"
    r"|\b(?:we|this (?:web)?site) uses? cookies\b|\bcookies? (?:policy|settings)\b",
    re.IGNORECASE,
)
_MIN_CJK_CONTENT = 10  # characters
_MIN_LATIN_CONTENT = 8  # words
_LINK_SHARE = 0.5
_NEUTRAL_COST = 0.1  # per unit: short lines inside an article are cheap to bridge
_LINK_COST = 1.0  # per unit
_BOILERPLATE_MAX = 40  # longer lines that mention a boilerplate phrase are prose
_DUPLICATE_WINDOW = 3  # carousels repeat a caption a few lines apart


@dataclass(frozen=True, slots=True)
class Block:
    """One line of main-content output with its text measures."""

    text: str
    units: int
    kind: Kind


@dataclass(frozen=True, slots=True)
class Selection:
    """The chosen text and how much content-like text was left out of it."""

    text: str
    content_in: int
    content_out: int


def select_main_text(tree: HTMLTree) -> Selection:
    """Pick the densest run of content blocks of a parsed page."""
    blocks = _blocks(tree)
    start, end = _best_run([_score(block) for block in blocks])
    keep = [
        block
        for i, block in enumerate(blocks)
        if start <= i < end
        and block.kind in ("content", "neutral")
        and not _repeats(block, blocks[max(0, i - _DUPLICATE_WINDOW) : i])
    ]
    content_in = sum(block.units for block in keep if block.kind == "content")
    content_all = sum(block.units for block in blocks if block.kind == "content")
    return Selection("\n".join(block.text for block in keep), content_in, content_all - content_in)


def _blocks(tree: HTMLTree) -> list[Block]:
    minimal = extract_plain_text(
        tree,
        preserve_formatting="minimal_html",
        main_content=True,
        list_bullets=False,
        alt_texts=False,
        links=True,  # keeps <a> tags in the minimal HTML: link density per line
        comments=False,
        post_meta=False,
        skip_elements=_SKIP,
    )
    blocks = []
    for line in minimal.splitlines():
        text = _plain(line)
        size, cjk = _measure(text)
        if size:
            anchors = _ANCHOR_RE.findall(line) if "<a" in line else ()
            link_units = sum(units(_plain(anchor)) for anchor in anchors)
            blocks.append(Block(text, size, _kind(text, size, cjk, link_units)))
    return blocks


def _plain(markup: str) -> str:
    text = _TAG_RE.sub("", markup) if "<" in markup else markup
    return html.unescape(text).strip() if "&" in text else text.strip()


def units(text: str) -> int:
    """Length in CJK characters plus words, comparable across scripts."""
    return len(_UNIT_RE.findall(text))


def _measure(text: str) -> tuple[int, int]:
    """Units of a text and how many of them are CJK characters."""
    found = _UNIT_RE.findall(text)
    return len(found), len(found) - found.count("")


def _kind(text: str, units: int, cjk: int, link_units: int) -> Kind:
    if units <= _MIN_LATIN_CONTENT and _BARRIER_RE.search(text):
        return "barrier"
    if link_units > _LINK_SHARE * units:
        return "link"
    if units <= _BOILERPLATE_MAX and _BOILERPLATE_RE.search(text):
        return "link"
    if cjk > units / 2:
        prose = units >= _MIN_CJK_CONTENT and _CJK_PUNCT_RE.search(text) is not None
    else:
        prose = units >= _MIN_LATIN_CONTENT and _LATIN_SENTENCE_RE.search(text) is not None
    return "content" if prose else "neutral"


def _score(block: Block) -> float:
    if block.kind == "content":
        return block.units
    if block.kind == "neutral":
        return -_NEUTRAL_COST * block.units
    if block.kind == "link":
        return -_LINK_COST * max(block.units, 2)
    return float("-inf")  # nothing after a "related" heading belongs to the article


def _best_run(scores: list[float]) -> tuple[int, int]:
    """Half-open range of the maximum-sum contiguous run (Kadane); empty when all ≤ 0."""
    best, best_range = 0.0, (0, 0)
    total, start = 0.0, 0
    for i, score in enumerate(scores):
        if total <= 0:
            total, start = score, i
        else:
            total += score
        if total > best:
            best, best_range = total, (start, i + 1)
    return best_range


def _repeats(block: Block, previous: list[Block]) -> bool:
    return any(block.text == other.text for other in previous)
