"""full-text search index of versions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:00:00

Hand-written: SQLite gets a contentless FTS5 table (rowid = version id), PostgreSQL a tsvector table with a
GIN index. Existing versions are indexed here, in batches, so an upgraded database finds old texts too.
The DDL is repeated here rather than imported, so this migration stays what it was when it shipped.
"""

from __future__ import annotations

from collections import OrderedDict

import sqlalchemy as sa
from alembic import op

from storage.codec import decode_text, delta_base_id

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 200
CACHE_SIZE = 256
PG_MAX_CHARS = 500_000


def _create(dialect: str) -> None:
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE version_search USING fts5("
            "body, content='', tokenize='porter unicode61 remove_diacritics 2')"
        )
    else:
        op.execute(
            "CREATE TABLE version_search ("
            "version_id INTEGER PRIMARY KEY REFERENCES versions(id) ON DELETE CASCADE, "
            "policy_id INTEGER NOT NULL, "
            "document TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_version_search_document ON version_search USING GIN (document)")


def _insert_statement(dialect: str) -> sa.TextClause:
    if dialect == "sqlite":
        return sa.text("INSERT INTO version_search(rowid, body) VALUES (:id, :body)")
    return sa.text(
        "INSERT INTO version_search(version_id, policy_id, document) "
        "VALUES (:id, :policy_id, to_tsvector('english', :body))"
    )


def _text(connection: sa.Connection, row: tuple[int, str, bytes], cache: OrderedDict[int, str]) -> str:
    """A version's text, following ``zstd-delta:<base id>`` codecs back to a keyframe (or a cached base)."""
    chain = [row]
    base_text: str | None = None
    while (base_id := delta_base_id(chain[-1][1])) is not None:
        if base_id in cache:
            base_text = cache[base_id]
            break
        base = connection.execute(
            sa.text("SELECT id, text_codec, text_blob FROM versions WHERE id = :id"), {"id": base_id}
        ).one()
        chain.append((base[0], base[1], base[2]))
    for version_id, codec, blob in reversed(chain):
        base_text = decode_text(codec, blob, base_text)
        cache[version_id] = base_text
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    assert base_text is not None
    return base_text


def _backfill(connection: sa.Connection, dialect: str) -> None:
    insert = _insert_statement(dialect)
    limit = None if dialect == "sqlite" else PG_MAX_CHARS
    cache: OrderedDict[int, str] = OrderedDict()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT id, policy_id, text_codec, text_blob FROM versions"
                " WHERE id > :last ORDER BY id LIMIT :n"
            ),
            {"last": last_id, "n": BATCH},
        ).all()
        if not rows:
            return
        documents = []
        for version_id, policy_id, codec, blob in rows:
            # PostgreSQL text cannot hold NUL; the store step replaces it the same way.
            body = _text(connection, (version_id, codec, blob), cache)[:limit].replace("\x00", " ")
            documents.append({"id": version_id, "policy_id": policy_id, "body": body})
        connection.execute(insert, documents)
        last_id = rows[-1][0]


def upgrade() -> None:
    connection = op.get_bind()
    dialect = connection.dialect.name
    _create(dialect)
    _backfill(connection, dialect)


def downgrade() -> None:
    op.execute("DROP TABLE version_search")
