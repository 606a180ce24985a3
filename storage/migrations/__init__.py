"""Alembic revisions of the corpus schema, applied by ``yuliao db upgrade`` (see :mod:`storage.schema`)."""
