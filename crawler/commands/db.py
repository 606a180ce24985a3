"""``yuliao db``: look after the database itself."""

from __future__ import annotations

import click


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command()
@click.pass_obj
def upgrade(url: str) -> None:
    """Create the corpus, or migrate it to this version's schema.

    New corpora are created at the current schema automatically; run this after installing
    a newer yuliao when a command says the schema revision is older.

    \b
    Example:
        yuliao --db postgresql+psycopg://localhost/corpus db upgrade
    """
    from storage import StorageError
    from storage import upgrade as upgrade_schema

    try:
        before, after = upgrade_schema(url)
    except StorageError as exc:
        raise click.ClickException(str(exc)) from exc
    if before == after:
        click.echo(f"schema is up to date (revision {after})", err=True)
    elif before is None:
        click.echo(f"created the corpus at schema revision {after}", err=True)
    else:
        click.echo(f"upgraded the schema from revision {before} to {after}", err=True)
