"""A page's ``href`` values, also when lxml gave up on deep nesting.

libxml2 stops building the tree at 256 levels of nesting (2,048 with the ``huge_tree`` option
parsel sets) and silently drops the rest of the page; a page of unclosed inline tags gets
there. When the tree's last element lies that deep, the ``href`` values are read from the
whole text with an expression instead, which knows no nesting (it may also find links written
inside comments or scripts: the frontier's rules still apply to them).
"""

from __future__ import annotations

import html
import re

from scrapy.http import TextResponse

# A tree whose last element has this many ancestors was most likely cut off: libxml2 stops at
# 256 levels, or 2,048 with huge_tree. A page really nested this deep loses little to the scan.
_CUT_OFF_DEPTH = 255
_HREF = re.compile(
    r"<(?:a|area)\s[^>]*?\bhref\s*=\s*"
    r"""(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<bare>[^\s"'>]+))""",
    re.IGNORECASE,
)


def page_hrefs(response: TextResponse) -> list[str]:
    """The ``href`` of every ``<a>`` and ``<area>`` of the page, in order."""
    if response.selector.root.xpath("count((//*)[last()]/ancestor::*)") < _CUT_OFF_DEPTH:
        return response.xpath("//a/@href | //area/@href").getall()
    return [html.unescape(match[match.lastgroup]) for match in _HREF.finditer(response.text)]
