"""Rows written the way an older schema stores them: only the columns that schema has.

The ORM models always follow the newest schema, so a test that fills a database at an old revision (to
prove a migration carries its rows forward) writes plain inserts instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from storage.codec import DeltaBase, encode_text, sha256_hex


def insert_row(session: Session, table: str, **values: Any) -> int:
    """Insert ``values`` into ``table`` and return the new row's id."""
    columns = [sa.column(name) for name in values]
    statement = sa.insert(sa.table(table, *columns, sa.column("id"))).values(**values)
    result = session.execute(statement.returning(sa.column("id")))
    return int(result.scalar_one())


def insert_versions(session: Session, policy_id: int, texts: list[tuple[datetime, str]]) -> list[int]:
    """Versions 1..n of a policy; the later ones as deltas against the first, as the store step may write."""
    ids: list[int] = []
    base: DeltaBase | None = None
    for number, (at, text) in enumerate(texts, start=1):
        codec, blob = encode_text(text, base)
        version_id = insert_row(
            session, "versions", policy_id=policy_id, number=number, text_sha256=sha256_hex(text),
            text_size=len(text.encode("utf-8")), text_codec=codec, text_blob=blob, source="live",
            observed_at=at, first_seen=at, last_seen=at, created_at=at,
        )  # fmt: skip
        ids.append(version_id)
        if base is None:
            base = DeltaBase(version_id, text, 0)
    return ids
