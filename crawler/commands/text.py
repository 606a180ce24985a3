"""``yuliao tokenize``: the nlp library on text from the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

import click

from crawler.commands.common import query_userdict_option
from crawler.output import format_option

FORMATS = ("text", "json", "jsonl", "conll")


@click.command()
@click.argument("text", required=False, default="-")
@click.option(
    "--mode",
    type=click.Choice(["accurate", "search", "full"]),
    default="accurate",
    show_default=True,
    help="Chinese segmentation: jieba's accurate, search or full mode.",
)
@click.option("--lang", help="Language of the text, e.g. zh or en (default: detected).")
@click.option("--sentences", is_flag=True, help="One sentence per output line, not one input line.")
@click.option(
    "--keywords",
    "top",
    type=click.IntRange(min=1),
    help="Print the N top TF-IDF keywords of the whole input instead of tokens.",
)
@format_option(
    FORMATS,
    default="text",
    help="text: tokens separated by spaces; conll: CoNLL-U, one token a line.",
)
@query_userdict_option
def tokenize(
    text: str, mode: str, lang: str | None, sentences: bool, top: int | None, fmt: str
) -> None:
    """Tokenize TEXT, or standard input when TEXT is - (the default), line by line.

    Input streams: each line is tokenized and written before the next is read (except with
    --keywords, which reads everything). Offsets in json, jsonl and conll count characters
    from the start of the input line.

    \b
    Examples:
        echo "我爱自然语言处理 and NLP." | yuliao tokenize -
        yuliao tokenize "他说：“好。”然后走了。" --sentences --format conll
        yuliao tokenize - --keywords 10 < article.txt
    """
    import nlp

    lines = _lines(text, sys.stdin.buffer)
    if top:
        found = nlp.keywords("\n".join(lines), lang=lang, top=top)
        _write_keywords([_keyword(keyword) for keyword in found], fmt)
        return
    rows = (
        [_token(token, offset) for token in nlp.tokenize(piece, lang=lang, mode=mode)]  # type: ignore[arg-type]
        for piece, offset in _pieces(lines, lang, sentences)
    )
    _write_tokens(rows, fmt)


def _lines(text: str, stdin: IO[bytes]) -> Iterator[str]:
    """The input one line at a time, so large input streams in constant memory.

    Standard input is read as UTF-8 whatever the locale, and bytes that are not UTF-8 stop
    the command with one line, instead of a traceback or silently dropped characters.
    """
    if text != "-":
        yield from text.splitlines()
        return
    for number, line in enumerate(stdin, start=1):
        try:
            decoded = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise click.ClickException(
                f"standard input is not UTF-8 text (line {number}, byte {exc.start + 1})"
            ) from exc
        yield decoded.rstrip("\r\n")


def _pieces(lines: Iterable[str], lang: str | None, sentences: bool) -> Iterator[tuple[str, int]]:
    """Each line, or each sentence of each line, with its offset in the line."""
    import nlp

    for line in lines:
        if sentences:
            yield from ((s.text, s.start) for s in nlp.split_sentences(line, lang=lang))
        else:
            yield line, 0


def _token(token: Any, offset: int) -> dict[str, Any]:
    return {
        "text": token.text,
        "start": token.start + offset,
        "end": token.end + offset,
        "kind": token.kind,
    }


def _keyword(keyword: Any) -> dict[str, Any]:
    return {"word": keyword.word, "weight": round(keyword.weight, 6)}


def _write_tokens(rows: Iterable[list[dict[str, Any]]], fmt: str) -> None:
    if fmt == "json":
        _write_json_array(rows)
        return
    for tokens in rows:
        if fmt == "jsonl":
            click.echo(json.dumps(tokens, ensure_ascii=False))
        elif fmt == "conll":
            click.echo("".join(_conll_line(i, token) for i, token in enumerate(tokens, 1)))
        else:
            click.echo(" ".join(token["text"] for token in tokens))


def _conll_line(index: int, token: dict[str, Any]) -> str:
    """CoNLL-U: the token kind as XPOS, its character range in MISC (as UDPipe writes it)."""
    text, kind, start, end = token["text"], token["kind"], token["start"], token["end"]
    return f"{index}\t{text}\t_\t_\t{kind}\t_\t_\t_\t_\tTokenRange={start}:{end}\n"


def _write_json_array(items: Iterable[Any]) -> None:
    """One JSON array, written item by item: the input never has to fit in memory."""
    out = click.get_text_stream("stdout")
    out.write("[")
    for i, item in enumerate(items):
        out.write(("," if i else "") + "\n  " + json.dumps(item, ensure_ascii=False))
    out.write("\n]\n")


def _write_keywords(rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        _write_json_array(rows)
    elif fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
    else:
        for row in rows:
            click.echo(f"{row['word']}\t{row['weight']}")
