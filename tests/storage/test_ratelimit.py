"""The database-backed rate limiter shared by workers, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy.engine import Engine

from storage.engine import make_engine
from storage.ratelimit import pause, paused_until, reserve_slot

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    created = make_engine(db_url)
    yield created
    created.dispose()


def test_slots_follow_one_another_at_the_interval(engine: Engine) -> None:
    slots = [reserve_slot(engine, "api", SECOND, now=T0) for _ in range(3)]
    assert slots == [T0, T0 + SECOND, T0 + 2 * SECOND]
    assert reserve_slot(engine, "api", SECOND, now=T0 + 10 * SECOND) == T0 + 10 * SECOND  # idle: at once
    assert reserve_slot(engine, "other", SECOND, now=T0) == T0  # limiters are independent


def test_concurrent_workers_never_share_a_slot(engine: Engine, db_url: str) -> None:
    engines = [make_engine(db_url) for _ in range(4)]  # one connection pool per "worker"
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            slots = list(pool.map(lambda i: reserve_slot(engines[i % 4], "api", SECOND, now=T0), range(24)))
    finally:
        for worker in engines:
            worker.dispose()
    ordered = sorted(slots)
    assert ordered[0] == T0 and len(set(slots)) == 24
    assert all(later - earlier == SECOND for earlier, later in pairwise(ordered))


def test_a_pause_holds_every_named_limiter_and_then_expires(engine: Engine) -> None:
    reserve_slot(engine, "capture", SECOND, now=T0)
    until = T0 + 60 * SECOND
    pause(engine, ("api", "capture"), until)
    pause(engine, ("api",), T0 + 30 * SECOND)  # an earlier end never shortens a pause
    assert paused_until(engine, "api", now=T0) == until
    assert reserve_slot(engine, "api", SECOND, now=T0) == until
    assert reserve_slot(engine, "capture", SECOND, now=T0 + SECOND) == until
    assert paused_until(engine, "capture", now=until) is None
    assert paused_until(engine, "never-used", now=T0) is None
