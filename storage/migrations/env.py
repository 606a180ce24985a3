"""Alembic environment: migrate the connection that :mod:`storage.schema` hands over.

There is no ``alembic.ini``: the caller passes an open connection (inside its transaction) in
``config.attributes["connection"]``, so migrations run under the caller's locks.
"""

from __future__ import annotations

from alembic import context

from storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
