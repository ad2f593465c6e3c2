"""The schedule in the database: claim due policies under a lease, release them, spread a backlog.

A worker claims policies whose ``next_check_at`` has passed and that nobody holds (or whose holder's
lease expired, e.g. after ``kill -9``), checks them, then :func:`finish` releases the lease and sets the
next check time. Claiming is one short transaction on both dialects and the code is the same: the
select carries ``FOR UPDATE SKIP LOCKED``, which PostgreSQL honours (concurrent claimers skip each
other's rows) and SQLAlchemy's SQLite compiler leaves out — there the engine's ``BEGIN IMMEDIATE``
already serialises claimers (see ``storage/engine.py``).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage.engine import session_scope
from storage.models import Policy


def _rowcount(result: sa.Result[Any]) -> int:
    return cast("sa.CursorResult[Any]", result).rowcount


def _due(now: datetime) -> sa.ColumnElement[bool]:
    lease_free = sa.or_(
        col(Policy.lease_owner).is_(None),
        col(Policy.lease_expires_at).is_(None),
        col(Policy.lease_expires_at) <= now,
    )
    return sa.and_(
        col(Policy.enabled).is_(True),
        col(Policy.next_check_at).is_not(None),
        col(Policy.next_check_at) <= now,
        lease_free,
    )


def claim_due(engine: Engine, *, worker: str, now: datetime, limit: int, lease: timedelta) -> list[str]:
    """Lease up to ``limit`` due policies to ``worker`` (most overdue first); return their names."""
    if limit <= 0:
        return []
    query = (
        select(Policy.id, Policy.name)
        .where(_due(now))
        .order_by(col(Policy.next_check_at), col(Policy.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with session_scope(engine) as session:
        rows = list(session.exec(query).all())
        if not rows:
            return []
        ids = [policy_id for policy_id, _ in rows]
        session.execute(
            sa.update(Policy)
            .where(col(Policy.id).in_(ids))
            .values(lease_owner=worker, lease_expires_at=now + lease)
        )
    return [name for _, name in rows]


@dataclass(frozen=True)
class Finished:
    """A check that is over: release ``name``'s lease and check it again at ``next_check_at``."""

    name: str
    next_check_at: datetime


def finish_many(engine: Engine, finished: Sequence[Finished], *, worker: str) -> int:
    """Release leases still held by ``worker`` and schedule the next checks, in one transaction.

    A lease that expired and was claimed by another worker in the meantime is left alone: that worker
    now owns the schedule of the policy. Returns how many leases were released.
    """
    if not finished:
        return 0
    with session_scope(engine) as session:
        return finish_in(session, finished, worker=worker)


def finish_in(session: Session, finished: Sequence[Finished], *, worker: str) -> int:
    """:func:`finish_many` inside the caller's transaction (the daemon adds its batched touches)."""
    released = 0
    for item in finished:
        released += _rowcount(
            session.execute(
                sa.update(Policy)
                .where(col(Policy.name) == item.name, col(Policy.lease_owner) == worker)
                .values(lease_owner=None, lease_expires_at=None, next_check_at=item.next_check_at)
            )
        )
    return released


def finish(engine: Engine, name: str, *, worker: str, next_check_at: datetime) -> bool:
    """Release one lease (only if still ours) and schedule the next check; True if it was ours."""
    return finish_many(engine, [Finished(name, next_check_at)], worker=worker) == 1


def renew(engine: Engine, names: Sequence[str], *, worker: str, until: datetime) -> int:
    """Extend ``worker``'s leases on ``names`` (checks still running), so only a dead worker's expire."""
    if not names:
        return 0
    with session_scope(engine) as session:
        return _rowcount(
            session.execute(
                sa.update(Policy)
                .where(col(Policy.name).in_(list(names)), col(Policy.lease_owner) == worker)
                .values(lease_expires_at=until)
            )
        )


def release_all(engine: Engine, worker: str) -> int:
    """Give up every lease ``worker`` holds, leaving ``next_check_at`` as it is (so they stay due)."""
    with session_scope(engine) as session:
        return _rowcount(
            session.execute(
                sa.update(Policy)
                .where(col(Policy.lease_owner) == worker)
                .values(lease_owner=None, lease_expires_at=None)
            )
        )


def spread_offset(name: str, window: timedelta) -> timedelta:
    """A stable offset in ``[0, window)`` for a policy: the same after every restart, different per policy."""
    if window <= timedelta(0):
        return timedelta(0)
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return window * fraction


def spread_overdue(engine: Engine, *, now: datetime, window: timedelta) -> int:
    """Move the overdue, already-checked policies to ``now + offset`` so a restart does not fire them at once.

    Policies never checked yet stay due now: a new policy should get its first version right away.
    Leased rows are left to their holders. Returns how many policies were moved.
    """
    if window <= timedelta(0):
        return 0
    query = select(Policy).where(
        _due(now), col(Policy.last_check_at).is_not(None)
    ).with_for_update(skip_locked=True)
    with session_scope(engine) as session:
        rows = list(session.exec(query).all())
        for policy in rows:
            policy.next_check_at = now + spread_offset(policy.name, window)
            session.add(policy)
        return len(rows)


def next_check_time(
    now: datetime, interval: timedelta, jitter: timedelta, *, rng: random.Random | None = None
) -> datetime:
    """``now + interval ± jitter`` (uniform), never earlier than ``now``.

    Jitter keeps policies that were added together from staying in lock-step forever.
    """
    if jitter <= timedelta(0):
        return now + interval
    spread = jitter.total_seconds()
    offset = (rng or random).uniform(-spread, spread)
    return max(now, now + interval + timedelta(seconds=offset))
