"""A rate limiter shared by every worker through the database.

The Wayback Machine limits by IP address, not by process, so two workers on one host must share one
budget. Each limiter is a ``rate_limits`` row: ``next_slot_at`` (the earliest moment the next request may
start) and ``paused_until`` (set after an HTTP 429). Taking a slot is one short transaction that locks the
row — ``SELECT … FOR UPDATE`` on PostgreSQL, the ``BEGIN IMMEDIATE`` write lock on SQLite — so two workers
never get the same slot. Only the insert construct differs between the dialects.

The functions here are synchronous and quick; async callers run them in a thread and then sleep until the
returned moment (see :func:`monitor.sources.wayback.RateGate`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage.engine import session_scope
from storage.models import RateLimit, utcnow


def _insert_missing(session: Session, name: str, now: datetime) -> None:
    """Create the limiter row if it does not exist; a concurrent creator wins harmlessly."""
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(RateLimit).values(name=name, next_slot_at=now).on_conflict_do_nothing()
    session.execute(statement)


def _locked(session: Session, name: str, now: datetime) -> RateLimit:
    _insert_missing(session, name, now)
    row = session.exec(select(RateLimit).where(RateLimit.name == name).with_for_update()).one()
    return row


def reserve_slot(engine: Engine, name: str, interval: timedelta, *, now: datetime | None = None) -> datetime:
    """Take the next free slot of limiter ``name`` and return when the request may start.

    The slot is the later of now, the limiter's next free slot and the end of any pause; the limiter then
    moves on by ``interval``.
    """
    with session_scope(engine) as session:
        row = _locked(session, name, now or utcnow())
        # Read the clock once the lock is held: waiting for it must not hand out a slot in the past.
        now = now or utcnow()
        start = max(now, row.next_slot_at, row.paused_until or now)
        row.next_slot_at = start + interval
        session.add(row)
    return start


def pause(engine: Engine, names: tuple[str, ...], until: datetime) -> None:
    """Hold every limiter in ``names`` until ``until`` (a later pause already recorded is kept)."""
    now = utcnow()
    with session_scope(engine) as session:
        for name in names:
            row = _locked(session, name, now)
            if row.paused_until is None or row.paused_until < until:
                row.paused_until = until
            session.add(row)


def paused_until(engine: Engine, name: str, *, now: datetime | None = None) -> datetime | None:
    """The end of the limiter's current pause, or None when it is not paused."""
    now = now or utcnow()
    with session_scope(engine) as session:
        row = session.get(RateLimit, name)
        if row is None or row.paused_until is None or row.paused_until <= now:
            return None
        return row.paused_until
