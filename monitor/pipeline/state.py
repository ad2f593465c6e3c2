"""The pass's view of the database: state read ahead in one query, and unchanged checks written in batches.

An unchanged page costs no database round trip of its own: its state (validators, body hash, latest text
hash, extraction fingerprint, health) comes from :func:`read_ahead`, and its "checked, unchanged" record
joins a :class:`Touch` batch that :func:`write_touches` writes with a few statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from monitor.pipeline.values import PolicyState
from storage.engine import session_scope
from storage.models import Policy

_COLUMNS = (
    col(Policy.id), col(Policy.name), col(Policy.etag), col(Policy.last_modified),
    col(Policy.last_body_sha256), col(Policy.latest_text_sha256), col(Policy.extract_fingerprint),
    col(Policy.consecutive_failures),
)


def read_ahead(engine: Engine, names: Sequence[str]) -> dict[str, PolicyState]:
    """The state of many policies in one query (policies not in the database are left out)."""
    found: dict[str, PolicyState] = {}
    with session_scope(engine) as session:
        for chunk_start in range(0, len(names), 500):
            chunk = list(names[chunk_start : chunk_start + 500])
            rows = session.execute(sa.select(*_COLUMNS).where(col(Policy.name).in_(chunk))).all()
            for policy_id, name, etag, modified, body_sha, text_sha, mark, failures in rows:
                found[name] = PolicyState(policy_id, etag, modified, body_sha, text_sha, mark, failures > 0)
    return found


@dataclass(frozen=True)
class Touch:
    """A healthy check that stored nothing; a body hash or fingerprint that moved is remembered too."""

    policy_id: int
    at: datetime
    outcome: str  # unchanged | not_modified
    body_sha256: str | None = None
    fingerprint: str | None = None


def write_touches(session: Session, batch: Sequence[Touch]) -> None:
    """Write touches inside the caller's transaction: one UPDATE per outcome, one for moved hashes."""
    if not batch:
        return
    latest = max(touch.at for touch in batch)
    by_outcome: dict[str, list[int]] = {}
    for touch in batch:
        by_outcome.setdefault(touch.outcome, []).append(touch.policy_id)
    for outcome, ids in by_outcome.items():
        session.execute(
            sa.update(Policy)
            .where(col(Policy.id).in_(ids))
            .values(last_check_at=latest, last_outcome=outcome, last_error=None)
        )
    moved = [touch for touch in batch if touch.body_sha256 is not None or touch.fingerprint is not None]
    if moved:
        table = sa.table("policies", sa.column("id"), sa.column("last_body_sha256"),
                         sa.column("extract_fingerprint"))
        statement = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("pid"))
            .values(
                last_body_sha256=sa.func.coalesce(sa.bindparam("body"), table.c.last_body_sha256),
                extract_fingerprint=sa.func.coalesce(sa.bindparam("mark"), table.c.extract_fingerprint),
            )
        )
        session.connection().execute(
            statement,
            [{"pid": t.policy_id, "body": t.body_sha256, "mark": t.fingerprint} for t in moved],
        )


def flush_touches(engine: Engine, batch: Sequence[Touch]) -> None:
    """Write a batch of touches in one transaction of its own."""
    if batch:
        with session_scope(engine) as session:
            write_touches(session, batch)
