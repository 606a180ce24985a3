"""Schema revisions: checked on every open, applied by Alembic on create and ``db upgrade``.

Opening an up-to-date corpus reads one row (``alembic_version``); Alembic itself is imported
only when there is something to migrate. Migrations run in one write transaction, under the
write lock (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock), so two processes creating
the same corpus at once do not race.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, exc, func, inspect, select, text

from .engine import enable_wal, insert, writer
from .errors import CorpusNotFound, SchemaVersionMismatch
from .models import SCHEMA_REVISIONS, meta_table, now

logger = logging.getLogger(__name__)

HEAD = SCHEMA_REVISIONS[-1]
VERSION_TABLE = "alembic_version"
WRITE_LOCK = 0x79756C69  # "yuli": the PostgreSQL advisory lock that serializes writers


def check(engine: Engine, where: str, *, create: bool) -> None:
    """Make sure the database is a corpus at :data:`HEAD`, creating it when empty and allowed.

    Raises:
        CorpusNotFound: the database is empty and ``create`` is false.
        SchemaVersionMismatch: another application's database, or another revision.
    """
    with engine.connect() as conn:
        revision = stored_revision(conn)
        if revision == HEAD:
            return
        empty = not inspect(conn).get_table_names()
    if not empty:
        raise SchemaVersionMismatch(mismatch(where, revision))
    if not create:
        raise CorpusNotFound(f"no corpus at {where} (the database is empty)")
    upgrade(engine, where)


def upgrade(engine: Engine, where: str) -> tuple[str | None, str]:
    """Bring an empty database or an older corpus to :data:`HEAD`.

    Returns:
        The revision before and after.

    Raises:
        SchemaVersionMismatch: the database holds something other than a yuliao corpus, or a
            revision this code does not know (made by a newer yuliao).
    """
    with engine.connect() as conn:  # look before changing anything, even the journal mode
        before = stored_revision(conn)
        if before not in SCHEMA_REVISIONS and inspect(conn).get_table_names():
            raise SchemaVersionMismatch(mismatch(where, before))
    if before == HEAD:
        return before, HEAD
    if engine.dialect.name == "sqlite":
        enable_wal(engine)  # outside any transaction
    with writer(engine).begin() as conn:
        lock(conn)
        before = stored_revision(conn)  # another process may have migrated meanwhile
        if before != HEAD:
            _run_alembic(conn)
            if before is None:
                created = {"key": "created_at", "value": now().isoformat()}
                conn.execute(insert(conn.dialect.name, meta_table).values(created))
            logger.info("upgraded %s from revision %s to %s", where, before, HEAD)
    return before, HEAD


def lock(conn: Connection) -> None:
    """Serialize writers on PostgreSQL for the rest of the transaction (SQLite: already)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(WRITE_LOCK)))


def stored_revision(conn: Connection) -> str | None:
    """The Alembic revision recorded in the database; ``None`` without a version table."""
    try:
        with conn.begin_nested():  # on PostgreSQL a failed statement spoils the transaction
            return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    except exc.ProgrammingError:  # PostgreSQL: no such table
        return None
    except exc.OperationalError as error:  # SQLite: no such table; anything else is trouble
        if "no such table" in str(error.orig):
            return None
        raise


def mismatch(where: str, revision: str | None) -> str:
    """One line saying why the database is not usable, and what to do."""
    if revision is None:
        return f"{where} is not a yuliao corpus (it holds other tables); choose another database"
    if revision in SCHEMA_REVISIONS:
        return (
            f"{where} has schema revision {revision}, this yuliao needs {HEAD}: "
            "run `yuliao db upgrade`"
        )
    return (
        f"{where} has schema revision {revision}, unknown to this yuliao (needs {HEAD}): "
        "use a newer yuliao"
    )


def _run_alembic(conn: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    config.attributes["connection"] = conn
    command.upgrade(config, HEAD)
