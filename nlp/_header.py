"""The header area of a page: the lines around its title, where bylines are written.

The main-text pass often drops bylines as boilerplate, so they are looked for in the
page itself: next to the heading that shows the title (and next to that heading's
container), and in the last lines of markup before the main text begins, which
covers pages whose title is not a heading (old table layouts).
"""

from __future__ import annotations

import functools
import html as htmllib
import re
from collections.abc import Iterable, Iterator
from itertools import islice

from resiliparse.parse.html import DOMNode, ElementNode, HTMLTree, NodeType

from nlp._byline import HEAD_LINES, Byline, read_bylines

_HEADINGS = 5  # the title's heading comes first; some pages have dozens
_SIBLINGS_BEFORE = 2  # a date or kicker above the heading
_SIBLINGS_AFTER = 4  # byline, summary, first paragraphs
_LINE_CHARS = 200  # longer nodes are prose or containers: look at their first children
_RAW_CHARS = 4 * _LINE_CHARS  # before collapsing whitespace (markup indentation)
_CHILDREN = 6
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
_LEAD_CHARS = 4000  # markup read back from where the main text begins
_LEAD_LINES = 6
_PROBE_RE = re.compile(r"[\w\u3400-\u9fff]{8,}")  # no markup or entities inside
_SCRIPT_RE = re.compile(r"<(script|style|SCRIPT|STYLE)\b.*?</\1\s*>", re.DOTALL)
_BLOCKS = (
    "address|article|aside|blockquote|br|center|dd|div|dl|dt|footer|form|h[1-6]|header|hr|li"
    "|main|nav|ol|p|section|table|td|th|tr|ul"
)
_BLOCK_RE = re.compile(  # lower or upper case: twice as fast as IGNORECASE
    rf"<!--.*?-->|</?(?:{_BLOCKS}|{_BLOCKS.upper()})\b[^>]*>", re.DOTALL
)
_TAG_RE = re.compile(r"<[^>]*>")
_NOT_SHOWN = ("<title", "<meta", "<script", "<TITLE", "<META", "<SCRIPT")

NodeText = tuple[DOMNode, str]


def headings(tree: HTMLTree) -> list[NodeText]:
    """``<h1>`` elements with their text, in document order.

    Not ``<h2>``: pages have many, and an unclosed one holds the rest of the page,
    whose text costs milliseconds to build.
    """
    if tree.document is None:
        return []
    nodes = islice(tree.document.get_elements_by_tag_name("h1"), _HEADINGS)
    found = ((node, clean(node.text)) for node in nodes)
    return [(node, text) for node, text in found if text]


class Header:
    """The header area of a parsed page, read only when a field needs it."""

    def __init__(self, html: str, text: str, found: list[NodeText], title: str | None) -> None:
        self._html, self._text, self._found, self._title = html, text, found, title

    @functools.cached_property
    def nodes(self) -> list[NodeText]:
        """Short nodes next to the title's heading and next to its container, nearest first."""
        anchor = _anchor(self._found, self._title)
        nodes: list[NodeText] = []
        for node in (anchor, anchor.parent if anchor is not None else None):
            if node is None or node.tag in ("body", "html"):
                break
            for sibling in [*_siblings(node, forward=True), *_siblings(node, forward=False)]:
                nodes.extend(_short_nodes(*sibling, depth=1))
        return nodes

    @functools.cached_property
    def byline(self) -> Byline:
        """Bylines next to the heading, before the main text and in its first lines."""
        near = (text for _, text in self.nodes)
        headings = {self._title, *(text for _, text in self._found)}
        lead = _lead_lines(self._html, self._text, headings)
        return read_bylines([*near, *lead], self._text.split("\n", HEAD_LINES)[:HEAD_LINES])

    def times(self) -> Iterator[str | None]:
        """``datetime`` of the ``<time>`` elements next to the heading."""
        for node, _ in self.nodes:
            if isinstance(node, ElementNode):
                found = node if node.tag == "time" else node.query_selector("time[datetime]")
                yield found.getattr("datetime") if found is not None else None


def _lead_lines(html: str, text: str, headings: set[str | None]) -> list[str]:
    """The last lines of markup before the first line of the main text that is no heading."""
    first = next((line for line in text.split("\n", 5)[:5] if line not in headings), "")
    probe = _PROBE_RE.search(first)
    at = _locate(html, probe.group()[:12]) if probe else -1
    if at < 0:
        return []
    markup = _SCRIPT_RE.sub("", html[max(0, at - _LEAD_CHARS) : at])
    plain = htmllib.unescape(_TAG_RE.sub("", _BLOCK_RE.sub("\n", markup)))
    lines = filter(None, map(clean, reversed(plain.splitlines())))  # the last ones only
    return list(islice(lines, _LEAD_LINES))[::-1]


def _locate(html: str, probe: str) -> int:
    """Where a text first shows in the page: not in a ``<title>``, ``<meta>`` or script."""
    at = html.find(probe)
    while at >= 0 and html.startswith(_NOT_SHOWN, html.rfind("<", 0, at)):
        at = html.find(probe, at + len(probe))
    return at


def clean(value: str | None) -> str | None:
    """Whitespace collapsed; None for nothing."""
    return " ".join(value.split()) or None if value else None


def _anchor(found: list[NodeText], title: str | None) -> DOMNode | None:
    """The heading that shows the title, else the page's only one."""
    if title:
        for node, heading in found:
            if heading == title:
                return node
        related = [
            (len(heading), node) for node, heading in found if heading in title or title in heading
        ]
        if related:
            return max(related, key=lambda pair: pair[0])[1]
    return found[0][0] if len(found) == 1 else None


def _siblings(node: DOMNode, *, forward: bool) -> Iterator[NodeText]:
    """Element and text siblings with visible text, nearest first."""
    first = node.next if forward else node.prev
    limit = _SIBLINGS_AFTER if forward else _SIBLINGS_BEFORE
    return islice(_with_text(_walk(first, forward=forward)), limit)


def _short_nodes(node: DOMNode, text: str, depth: int) -> list[NodeText]:
    """The node if its text is short, else those of its first children that are."""
    line = clean(text) if len(text) <= _RAW_CHARS else None
    if line and len(line) <= _LINE_CHARS:
        return [(node, line)]
    if depth == 0 or not isinstance(node, ElementNode):
        return []
    children = islice(_with_text(_elements(node.first_element_child)), _CHILDREN)
    return [short for child, raw in children for short in _short_nodes(child, raw, depth - 1)]


def _with_text(nodes: Iterable[DOMNode]) -> Iterator[NodeText]:
    """Elements and text nodes with visible text, paired with it (not yet cleaned)."""
    for node in nodes:
        if node.type in (NodeType.ELEMENT, NodeType.TEXT) and node.tag not in _SKIP_TAGS:
            text = node.text
            if text and not text.isspace():
                yield node, text


def _walk(node: DOMNode | None, *, forward: bool) -> Iterator[DOMNode]:
    """A node and its siblings one by one (``child_nodes`` builds thousands in a ``<body>``)."""
    while node is not None:
        yield node
        node = node.next if forward else node.prev


def _elements(node: ElementNode | None) -> Iterator[ElementNode]:
    """An element and its element siblings (inside a container, bare text is prose)."""
    while node is not None:
        yield node
        node = node.next_element
