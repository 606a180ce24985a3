"""Bylines: the short lines near a title that name the author, date and source.

Read from the lines around the page's heading and the first lines of the main
text: labelled fields (``作者：``, ``文/``, ``记者 ``, ``来源：``, ``By``, ``发布时间：``,
``Published``) and dates written alone on a short line. ``责任编辑``/``编辑`` names
the editor who checked the page, not who wrote it, so it is never read as the
author; dates labelled as updates (``更新时间``, ``Updated``) are skipped too.
A byline is a line without sentence punctuation: in prose, a date or ``记者``
is part of the story (``记者了解到``, ``1949年10月1日，``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from nlp._boilerplate import units
from nlp._dates import DateMatch, find_dates

BylineKind = Literal["labelled", "dated"]
Label = Literal["published", "updated"] | None

_HAN = "\u4e00-\u9fff"
_LABELS = "来源|出处|稿源|作者|记者|通讯员|编辑|责任|摄影|发布|发表|时间|日期|更新|点击|浏览|阅读|评论|字号"
_END = rf"(?=$|[\s,，、;；|｜/)）\]】]|{_LABELS})"
_ZH_NAME = rf"(?!{_LABELS})[{_HAN}·]{{2,8}}?{_END}"
_ZH_NAMES = rf"{_ZH_NAME}(?:、{_ZH_NAME})*"
_ANY_NAME = rf"(?!{_LABELS})[^\s|｜,，、;；()（）\[\]【】<>=\"'“”]{{1,24}}?{_END}"
_CAP = "A-ZÀ-ÖØ-Þ"
_CALENDAR = (  # words that follow "By" in a byline but are no name
    r"(?i:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
    r"|Mon(?:day)?|Tue(?:s|sday)?|Wed(?:nesday)?|Thu(?:rs|rsday)?|Fri(?:day)?|Sat(?:urday)?"
    r"|Sun(?:day)?|Published|Updated|Posted|Last)\b"
)
_LOW = "a-zß-öø-ÿ"
# "Doe", "McDonald", "O'Neil", "Smith-Jones", "DOE", "J.": a word ends where a capital follows
# lower case, since element texts run together ("By Jane DoeOpinion Columnist").
_EN_WORD = (
    rf"(?!{_CALENDAR})(?:(?:Mc|Mac|De|Di|Da|La|Le|Du|O['’])?"
    rf"[{_CAP}][{_LOW}]+(?:[-'’][{_CAP}]?[{_LOW}]+)*\.?"
    rf"|[{_CAP}]{{2,}}(?:[-'’][{_CAP}]+)*|[{_CAP}]\.)(?![{_LOW}\d_])"
)
_EN_NAME = (
    rf"{_EN_WORD}(?:\s+(?:(?:van|von|de|der|da|del|di|la|le|du|bin|al)\s+)*{_EN_WORD}){{0,3}}"
    rf"(?:,?\s+(?:and|&)\s+{_EN_WORD}(?:\s+{_EN_WORD}){{0,3}})*"
)
_AUTHOR_RE = re.compile(
    rf"(?:作者|撰文|撰稿)\s*[:：]\s*(?P<any>{_ANY_NAME}(?:、{_ANY_NAME})*)"
    rf"|(?<![{_HAN}])(?:作者|撰文|撰稿)\s+(?P<spaced>{_ZH_NAMES})"  # not 联系作者 登录
    rf"|(?<![{_HAN}])文\s*[/|｜:：]\s*(?P<wen>{_ZH_NAMES})"
    rf"|记者\s*(?:[:：]\s*|\s+|(?=[{_HAN}·]{{2,8}}[)）]))(?P<zh>{_ZH_NAMES})"
    rf"|(?:^|[|｜•·/]\s*)(?:[Ww]ritten\s+|[Pp]osted\s+)?(?:[Bb][Yy]|[Aa]uthor\s*:)\s+(?P<en>{_EN_NAME})"
)
_CREDIT_RE = re.compile(
    rf"(?:责任编辑|编辑|校对|审核|摄影|图片)\s*[:：]\s*{_ANY_NAME}"
)  # no authors
_DATELINE_RE = re.compile(  # 本报讯（记者 张三）, not （据记者了解，…）
    rf"[（(][^（()）]{{0,8}}?记者\s*(?P<zh>(?!{_LABELS})[{_HAN}·]{{2,8}}?)(?=[\s)）、])"
)
_DATELINE_SPAN = 60
_SOURCE_RE = re.compile(rf"(?:信息|新闻|稿件)?(?:来源|出处|稿源)\s*[:：]\s*(?P<source>{_ANY_NAME})")
_PUBLISHED_RE = re.compile(
    r"(?:(?:发布|发表|发稿|刊发|出版|上传|录入)(?:时间|日期|于)?|(?<!更新)(?<!修改)(?:时间|日期)"
    r"|\b(?:first\s+)?(?:published|posted|released)(?:\s+(?:on|at))?|\bdate)\W*$",
    re.IGNORECASE,
)
_UPDATED_RE = re.compile(
    r"(?:(?:更新|修改)(?:时间|日期|于)?|\b(?:last\s+)?(?:updated|modified)(?:\s+(?:on|at))?)\W*$",
    re.IGNORECASE,
)
_GAP_RE = re.compile(
    r"[\s:：,，|/·•–-]*(?:(?:星期|周)[一二三四五六日天]|\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?)?"
    r"[\s:：,，|/·•–-]*$",
    re.IGNORECASE,
)
_LABEL_RE = re.compile(  # labels whose value is missing or read elsewhere on the line
    r"(?:发布|发表|更新|修改)(?:时间|日期|于)?|时间|日期|(?:first\s+|last\s+)?"
    r"\b(?:published|posted|updated|modified|date)\b(?:\s+(?:on|at)\b)?",
    re.IGNORECASE,
)
_NOISE_RE = re.compile(  # what else a byline holds: weekdays, time zones, relative times
    r"(?:星期|周)[一二三四五六日天]|\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b"
    r"|(?-i:\b[A-Z]{2,4}\b)|\d+\s*(?:minutes?|mins?|hours?|hrs?|days?)\s+ago\b|\d+\s*(?:分钟|小时|天)前",
    re.IGNORECASE,
)
_HINT_RE = re.compile(
    r"\d{4}|作者|撰|文|记者|来源|出处|稿源|编辑|\b[Bb][Yy]\b|[Aa]uthor"
)  # quick test
_SENTENCE_RE = re.compile(r"[。！？；]|(?<![ap]\.m)(?<!Jr)[.!?][\"”’)]*$")  # not "5 p.m."
_MAX_BYLINE = 100  # characters
_MAX_RESIDUE = 2  # units a byline may hold besides its fields (a place, "GMT")
_TOP_LINES = 3  # a date alone on a line is a byline only at the top of the text
HEAD_LINES = 12  # main-text lines where bylines are looked for
_TAIL_LINES = 3  # "（作者：张三）", "来源：新华网" after the last paragraph


@dataclass(frozen=True, slots=True)
class Byline:
    """Fields read from bylines; ``dated`` is a date written without a label."""

    author: str | None = None
    published: str | None = None
    dated: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class _Fields:
    """What one byline-like line holds, with its dates and their labels."""

    byline: Byline
    dates: tuple[tuple[DateMatch, Label], ...]


def read_bylines(near: list[str], text: list[str]) -> Byline:
    """The first author, labelled date, unlabelled date and source of the lines.

    ``near`` are lines beside the title; ``text`` the first lines of the main text,
    where a bare date counts only at the top (further down it may sign a notice).
    """
    author = published = dated = source = None
    tops = [True] * len(near) + [i < _TOP_LINES for i in range(len(text))]
    for line, top in zip(near + text, tops, strict=True):
        fields = _fields(line)
        if fields is None:
            match = _DATELINE_RE.search(line, 0, _DATELINE_SPAN) if "记者" in line else None
            author = author or (match["zh"] if match else None)
            continue
        found = fields.byline
        author = author or found.author
        published = published or found.published
        dated = dated or (found.dated if top else None)
        source = source or found.source
    return Byline(author, published, dated, source)


def drop_bylines(text: str) -> str:
    """The text without its byline lines, which sit below the title or at the very end.

    Labelled bylines go from the first lines and the last ones, bare dates only from
    the top: in the middle of a text such lines are its content (a list of sources).
    Only those lines are split off: a long text is not split line by line.
    """
    head = text.split("\n", HEAD_LINES)
    rest = head.pop() if len(head) > HEAD_LINES else ""
    tail = rest.rsplit("\n", _TAIL_LINES) if rest else []
    middle = tail[:1] if len(tail) > _TAIL_LINES else []
    tail = tail[len(middle) :]
    kept_head = [line for i, line in enumerate(head) if not _droppable(line, i)]
    kept_tail = [line for line in tail if not _droppable(line, HEAD_LINES)]
    if len(kept_head) + len(kept_tail) == len(head) + len(tail):
        return text
    return "\n".join([*kept_head, *middle, *kept_tail])


def _droppable(line: str, at: int) -> bool:
    fields = _fields(line)
    kind = _kind(line, fields.dates) if fields is not None else None
    return kind == "labelled" or (kind == "dated" and at < _TOP_LINES)


@functools.lru_cache(maxsize=64)  # a page's first lines are read for metadata, then dropped
def _fields(line: str) -> _Fields | None:
    """The byline fields of a short line without sentence punctuation, else None."""
    if len(line) > _MAX_BYLINE or _SENTENCE_RE.search(line) or not _HINT_RE.search(line):
        return None
    author = _AUTHOR_RE.search(line)
    source = _SOURCE_RE.search(line)
    dates = tuple(_dates(line))
    byline = Byline(
        author=_name(author) if author else None,
        published=next((found.iso for found, label in dates if label == "published"), None),
        dated=next((found.iso for found, label in dates if label is None), None),
        source=source["source"] if source else None,
    )
    return _Fields(byline, dates)


def _kind(line: str, dates: tuple[tuple[DateMatch, Label], ...]) -> BylineKind | None:
    """Whether a line holds nothing but byline fields, and whether any of them is labelled."""
    regexes = (_AUTHOR_RE, _SOURCE_RE, _CREDIT_RE)
    fields = [m.span() for regex in regexes for m in regex.finditer(line)]
    if not fields and not dates:
        return None
    spans = fields + [(found.start, found.end) for found, _ in dates]
    spans += [m.span() for m in _LABEL_RE.finditer(line)]
    residue = "".join(
        ch for i, ch in enumerate(line) if not any(start <= i < end for start, end in spans)
    )
    if units(_NOISE_RE.sub(" ", residue)) > _MAX_RESIDUE:
        return None
    return "labelled" if fields or any(label for _, label in dates) else "dated"


def _name(match: re.Match[str]) -> str | None:
    name = next(group for group in match.groups() if group)
    return name.rstrip(".,") or None


def _dates(line: str) -> Iterator[tuple[DateMatch, Label]]:
    """Each date of a line with the label written before it, if any."""
    for found in find_dates(line):
        before = line[: found.start]
        gap = _GAP_RE.search(before)
        before = before[: gap.start()] if gap else before
        if _UPDATED_RE.search(before):
            yield found, "updated"
        elif _PUBLISHED_RE.search(before):
            yield found, "published"
        else:
            yield found, None
