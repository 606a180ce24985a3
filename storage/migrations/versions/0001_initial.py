"""The corpus schema: crawls, frontier, documents, pages, SimHash bands, meta, full-text index.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create every table, then the full-text index of the dialect."""
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "crawls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("seeds", sa.JSON, nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("stats", sa.JSON),
    )
    _create_documents()
    op.create_table(
        "frontier",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("crawl_id", sa.Integer, sa.ForeignKey("crawls.id"), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("url_fingerprint", sa.String(40), nullable=False),
        sa.Column("depth", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("crawl_id", "url_fingerprint", name="uq_frontier_url"),
    )
    op.create_index("ix_frontier_status", "frontier", ["crawl_id", "status"])
    op.create_table(
        "pages",
        sa.Column(
            "document_id",
            sa.Integer,
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("fetched_at", sa.DateTime),
    )
    op.create_table(
        "simhash_bands",
        sa.Column("band", sa.SmallInteger, primary_key=True),
        sa.Column("value", sa.Integer, primary_key=True),
        sa.Column(
            "document_id",
            sa.Integer,
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_simhash_bands_document_id", "simhash_bands", ["document_id"])
    _create_full_text_index()


def downgrade() -> None:
    """Drop everything this revision created."""
    op.execute("DROP TABLE IF EXISTS documents_fts")
    for table in ("simhash_bands", "pages", "frontier", "documents", "crawls", "meta"):
        op.drop_table(table)


def _create_documents() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.Text, nullable=False, unique=True),
        sa.Column("canonical_url", sa.Text),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("crawl_id", sa.Integer, sa.ForeignKey("crawls.id")),
        sa.Column("http_status", sa.Integer),
        sa.Column("fetched_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("published_at", sa.String(64)),
        sa.Column("title", sa.Text),
        sa.Column("author", sa.Text),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("tokens", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("n_chars", sa.Integer, nullable=False),
        sa.Column("n_tokens", sa.Integer, nullable=False),
        sa.Column("n_sentences", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("simhash", sa.BigInteger, nullable=False),
        sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("documents.id")),
        sa.Column("encoding", sa.String(64)),
        sa.Column("encoding_source", sa.String(32)),
        sa.Column("tokenizer", sa.String(200)),
        sa.Column("extractor", sa.String(200)),
        sa.CheckConstraint("n_chars >= 0 AND n_tokens >= 0 AND n_sentences >= 0", name="counts"),
    )
    for column in ("domain", "lang", "content_hash", "duplicate_of"):
        op.create_index(f"ix_documents_{column}", "documents", [column])


def _create_full_text_index() -> None:
    """SQLite: an FTS5 table; PostgreSQL: a ``tsvector`` per document under a GIN index.

    Both index :func:`storage.search.index_body` of the token stream, keyed by document id.
    """
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE documents_fts USING fts5(body, tokenize='unicode61')")
        return
    op.execute(
        "CREATE TABLE documents_fts ("
        " rowid INTEGER PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,"
        " tsv TSVECTOR NOT NULL)"
    )
    op.execute("CREATE INDEX ix_documents_fts_tsv ON documents_fts USING GIN (tsv)")
