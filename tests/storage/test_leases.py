"""The schedule in the database: claims, leases, releases and the restart spread, on both dialects."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from storage import leases
from storage.engine import make_engine, session_scope
from storage.models import Policy

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def add_policies(engine: Engine, count: int, **values: Any) -> list[str]:
    names = [f"p{index:03d}" for index in range(count)]
    with session_scope(engine) as session:
        for index, name in enumerate(names):
            fields = {"next_check_at": NOW - timedelta(minutes=count - index), **values}
            session.add(Policy(name=name, url=f"http://127.0.0.1/{name}", **fields))
    return names


def rows(engine: Engine) -> dict[str, Policy]:
    with session_scope(engine) as session:
        return {policy.name: policy for policy in session.exec(select(Policy)).all()}


def test_claims_due_policies_most_overdue_first_up_to_the_limit(engine: Engine) -> None:
    names = add_policies(engine, 5)
    with session_scope(engine) as session:
        later = NOW + timedelta(hours=1)
        session.add(Policy(name="later", url="http://127.0.0.1/later", next_check_at=later))
        session.add(Policy(name="off", url="http://127.0.0.1/off", next_check_at=NOW, enabled=False))

    claimed = leases.claim_due(engine, worker="a", now=NOW, limit=3, lease=LEASE)

    assert claimed == names[:3]
    state = rows(engine)
    assert all(state[name].lease_owner == "a" for name in claimed)
    assert all(state[name].lease_expires_at == NOW + LEASE for name in claimed)
    assert leases.claim_due(engine, worker="a", now=NOW, limit=10, lease=LEASE) == names[3:]


def test_two_claimers_never_get_the_same_policy(db_url: str) -> None:
    add_policies(make_engine(db_url), 60)
    engines = [make_engine(db_url) for _ in range(2)]
    start = threading.Barrier(2)
    claimed: dict[str, list[str]] = {"a": [], "b": []}

    def claimer(worker: str, engine: Engine) -> None:
        start.wait()
        while batch := leases.claim_due(engine, worker=worker, now=NOW, limit=3, lease=LEASE):
            claimed[worker].extend(batch)

    threads = [threading.Thread(target=claimer, args=(w, e)) for w, e in zip("ab", engines, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not set(claimed["a"]) & set(claimed["b"])
    assert len(claimed["a"]) + len(claimed["b"]) == 60
    owners = {name: policy.lease_owner for name, policy in rows(engines[0]).items()}
    assert all(owners[name] == worker for worker, names in claimed.items() for name in names)
    for engine in engines:
        engine.dispose()


def test_an_expired_lease_is_reclaimed_and_the_old_holder_cannot_finish_it(engine: Engine) -> None:
    (name,) = add_policies(engine, 1)
    assert leases.claim_due(engine, worker="dead", now=NOW, limit=5, lease=LEASE) == [name]

    assert leases.claim_due(engine, worker="alive", now=NOW + LEASE / 2, limit=5, lease=LEASE) == []
    later = NOW + LEASE + timedelta(seconds=1)
    assert leases.claim_due(engine, worker="alive", now=later, limit=5, lease=LEASE) == [name]

    assert not leases.finish(engine, name, worker="dead", next_check_at=NOW + timedelta(days=9))
    assert leases.finish(engine, name, worker="alive", next_check_at=later + timedelta(hours=12))
    policy = rows(engine)[name]
    assert policy.lease_owner is None and policy.next_check_at == later + timedelta(hours=12)


def test_renewal_keeps_a_long_check_leased(engine: Engine) -> None:
    (name,) = add_policies(engine, 1)
    leases.claim_due(engine, worker="a", now=NOW, limit=1, lease=LEASE)
    assert leases.renew(engine, [name], worker="a", until=NOW + 2 * LEASE) == 1
    assert leases.renew(engine, [name], worker="b", until=NOW + 5 * LEASE) == 0
    assert leases.claim_due(engine, worker="b", now=NOW + LEASE * 1.5, limit=1, lease=LEASE) == []


def test_release_all_gives_back_leases_and_keeps_the_policies_due(engine: Engine) -> None:
    names = add_policies(engine, 3)
    leases.claim_due(engine, worker="a", now=NOW, limit=2, lease=LEASE)
    leases.claim_due(engine, worker="b", now=NOW, limit=1, lease=LEASE)

    assert leases.release_all(engine, "a") == 2

    state = rows(engine)
    assert [state[n].lease_owner for n in names] == [None, None, "b"]
    assert leases.claim_due(engine, worker="c", now=NOW, limit=5, lease=LEASE) == names[:2]


def test_spread_overdue_spreads_a_backlog_the_same_way_on_every_restart(engine: Engine) -> None:
    names = add_policies(engine, 100, last_check_at=NOW - timedelta(days=1))
    with session_scope(engine) as session:
        session.add(Policy(name="brand-new", url="http://127.0.0.1/new", next_check_at=NOW))
    window = timedelta(minutes=15)

    assert leases.spread_overdue(engine, now=NOW, window=window) == 100

    first = rows(engine)
    times = sorted(_due_at(first[name]) for name in names)
    assert times[0] >= NOW and times[-1] < NOW + window
    assert times[-1] - times[0] > window * 0.8  # spread over the window, not bunched
    assert sum(t <= NOW + timedelta(minutes=1) for t in times) < 20  # no stampede in the first minute
    assert first["brand-new"].next_check_at == NOW  # a new policy is checked right away
    assert leases.spread_offset("p007", window) == _due_at(first["p007"]) - NOW
    assert leases.spread_overdue(engine, now=NOW, window=timedelta(0)) == 0


def _due_at(policy: Policy) -> datetime:
    assert policy.next_check_at is not None
    return policy.next_check_at


def test_next_check_time_is_interval_plus_or_minus_jitter() -> None:
    rng = random.Random(7)
    interval, jitter = timedelta(hours=12), timedelta(minutes=15)
    times = [leases.next_check_time(NOW, interval, jitter, rng=rng) for _ in range(500)]
    assert all(NOW + interval - jitter <= t <= NOW + interval + jitter for t in times)
    assert max(times) - min(times) > jitter  # really jittered
    assert leases.next_check_time(NOW, interval, timedelta(0)) == NOW + interval
