"""Text normalization: one canonical form for storage, hashing and search."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from nlp.errors import NlpError, require_str

# Chinese punctuation that NFKC would turn into ASCII (，→ , …→ ...): kept as written.
_KEEP_WIDE = re.compile("([，！？：；（）…]+)")
# Controls except tab and newline; invisible format characters (zero-width, bidi, soft
# hyphen, BOM); lone surrogates, which cannot be encoded.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
_LINE_BREAK = re.compile("\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_SPACES = re.compile(r"[^\S\n]+")


def normalize(
    text: str, *, width: bool = True, to_simplified: bool = False, strip_controls: bool = True
) -> str:
    """Return ``text`` in the canonical form the corpus stores: paragraphs as lines.

    Line breaks become ``\\n``; within a line whitespace runs become one space; lines are
    stripped and empty lines dropped.

    Args:
        width: apply NFKC (full-width letters and digits become ASCII, ligatures split) but keep
            Chinese punctuation such as ，。！？（）… as written; otherwise only NFC.
        to_simplified: convert Traditional to Simplified Chinese with OpenCC.
        strip_controls: remove control characters (a tab becomes a space), zero-width and
            bidirectional formatting characters, the BOM and lone surrogates.

    Raises:
        NlpError: ``to_simplified`` without the ``opencc`` package.
    """
    require_str(text)
    text = _LINE_BREAK.sub("\n", text)
    if strip_controls:
        text = _INVISIBLE.sub("", text)
    text = _nfkc_keeping_punctuation(text) if width else unicodedata.normalize("NFC", text)
    if to_simplified:
        text = _t2s().convert(text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _nfkc_keeping_punctuation(text: str) -> str:
    parts = _KEEP_WIDE.split(text)  # odd indexes hold the kept punctuation
    return "".join(
        part if i % 2 else unicodedata.normalize("NFKC", part) for i, part in enumerate(parts)
    )


@functools.cache
def _t2s() -> Any:
    try:
        import opencc
    except ImportError as exc:
        raise NlpError("to_simplified needs OpenCC: pip install 'opencc>=1.1'") from exc
    return opencc.OpenCC("t2s")
