"""Database fixtures: one corpus URL per backend, SQLite in a temp file, PostgreSQL in a schema.

PostgreSQL comes from ``YULIAO_TEST_POSTGRES`` (``.ci/run`` starts a server on 127.0.0.1 and
sets it). Without it the PostgreSQL cases skip, except under ``CI=true`` where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

import nlp
from storage import Corpus, NewDocument

BACKENDS = ("sqlite", "postgres")


def doc(url: str, text: str, /, *, lang: str = "zh", **fields: Any) -> NewDocument:
    """A document as the crawler's pipeline builds it from ``nlp.analyze``."""
    analysis = nlp.analyze(text, lang=lang)
    values: dict[str, Any] = {
        "url": url,
        "text": analysis.text,
        "tokens": " ".join(token.text for token in analysis.tokens),
        "lang": analysis.lang,
        "content_hash": analysis.content_hash,
        "simhash": analysis.fingerprint,
        "n_chars": analysis.n_chars,
        "n_tokens": analysis.n_tokens,
        "n_sentences": analysis.n_sentences,
        "domain": urlsplit(url).hostname or "",
        "tokenizer": analysis.tokenizer,
    }
    values.update(fields)
    return NewDocument(**values)


def postgres_base_url() -> str:
    """The test server's URL; skips (fails under ``CI=true``) when there is none."""
    url = os.environ.get("YULIAO_TEST_POSTGRES")
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail("YULIAO_TEST_POSTGRES is not set: .ci/run must start PostgreSQL")
    pytest.skip("set YULIAO_TEST_POSTGRES=postgresql+psycopg://... to run PostgreSQL tests")


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A URL whose ``search_path`` is a fresh schema, dropped afterwards: tests stay apart."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    engine = sa.create_engine(base)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {name}")
        url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={name}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def corpus_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """An empty place for a corpus, on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'corpus.db'}"
        return
    with postgres_schema(postgres_base_url()) as url:
        yield url


@pytest.fixture
def corpus(corpus_url: str) -> Iterator[Corpus]:
    """A new, empty corpus on each backend in turn."""
    with Corpus(corpus_url) as opened:
        yield opened


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty PostgreSQL schema, for the cases that only concern PostgreSQL."""
    with postgres_schema(postgres_base_url()) as url:
        yield url


def run_sql(url: str, statement: str, **params: object) -> list[Any]:
    """Run one statement on the database as any other tool would; rows if it returns any."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(statement), params)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def schema_of(url: str) -> dict[str, list[str]]:
    """Tables and their columns: equal before and after means the schema is unchanged."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            return {
                table: [str(column["name"]) for column in inspector.get_columns(table)]
                for table in sorted(inspector.get_table_names())
            }
    finally:
        engine.dispose()
