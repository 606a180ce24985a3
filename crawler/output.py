"""Writing command results to stdout as a table, JSON, JSON lines or CSV."""

from __future__ import annotations

import csv
import dataclasses
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import click

FORMATS = ("table", "json", "jsonl", "csv")
F = TypeVar("F", bound=Callable[..., Any])


def format_option(
    choices: Sequence[str], *, default: str, help: str = "Output format."
) -> Callable[[F], F]:
    """The ``--format`` option (as ``fmt``), with the formats a command can write."""
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=default, show_default=True, help=help
    )


output_options = format_option(FORMATS, default="table")
"""The ``--format`` option of every command with tabular output."""


def as_dict(row: Any) -> dict[str, Any]:
    """A dataclass or mapping as a plain dict."""
    if dataclasses.is_dataclass(row) and not isinstance(row, type):
        return {field.name: getattr(row, field.name) for field in dataclasses.fields(row)}
    return dict(row)


def write_rows(rows: Iterable[Any], fmt: str, columns: Sequence[str]) -> None:
    """Write rows (dataclasses or dicts) in ``fmt``; ``columns`` picks and orders them."""
    records = [{key: as_dict(row)[key] for key in columns} for row in rows]
    if fmt == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=2, default=_json_default))
    elif fmt == "jsonl":
        for record in records:
            click.echo(json.dumps(record, ensure_ascii=False, default=_json_default))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    else:
        _write_table(records, columns)


def write_json(value: Any) -> None:
    """Write one value as indented JSON."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=_json_default))


def _write_table(records: list[dict[str, Any]], columns: Sequence[str]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    for key in columns:
        table.add_column(key, overflow="fold")  # wrap long URLs whole rather than cut them off
    for record in records:
        table.add_row(*(Text(_cell(record[key])) for key in columns))  # Text: no markup parsing
    Console(soft_wrap=False).print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return as_dict(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")
