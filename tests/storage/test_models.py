"""The same models on SQLite and PostgreSQL: values come back exactly as they went in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from storage.engine import make_engine, session_scope
from storage.models import Alert, Change, Policy, RateLimit, Snapshot, Version

PARIS_SUMMER = timezone(timedelta(hours=2))
AWARE = datetime(2025, 6, 30, 23, 59, 58, 123456, tzinfo=PARIS_SUMMER)
BLOB = bytes(range(256)) * 3 + b"\x00\x00end"
REPORT = {
    "stats": {"added": 1, "removed": 0},
    "changes": [{"kind": "modified", "text": "Nous partageons vos données", "ops": [[0, "x"]]}],
    "empty": {},
    "none": None,
    "flag": True,
}


@pytest.fixture
def engine(db_url: str) -> sa.Engine:
    return make_engine(db_url)


def _policy(session: Session) -> Policy:
    policy = Policy(name="acme", url="https://acme.example/privacy", next_check_at=AWARE)
    session.add(policy)
    session.flush()
    return policy


def test_timestamps_come_back_aware_in_utc_to_the_microsecond(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        _policy(session)
    with Session(engine) as session:
        policy = session.exec(select(Policy)).one()
    assert policy.next_check_at == AWARE
    assert policy.next_check_at is not None and policy.next_check_at.utcoffset() == timedelta(0)
    assert policy.next_check_at.isoformat() == "2025-06-30T21:59:58.123456+00:00"
    assert policy.created_at.tzinfo is not None
    engine.dispose()


def test_timestamps_compare_in_queries_across_time_zones(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        _policy(session)
    just_before = AWARE.astimezone(UTC) - timedelta(microseconds=1)
    with Session(engine) as session:
        due = session.exec(select(Policy.name).where(Policy.next_check_at <= AWARE)).all()  # type: ignore[operator]
        early = session.exec(select(Policy.name).where(Policy.next_check_at <= just_before)).all()  # type: ignore[operator]
    assert (list(due), list(early)) == (["acme"], [])
    engine.dispose()


def test_a_naive_timestamp_is_refused(engine: sa.Engine) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"), session_scope(engine) as session:
        session.add(Policy(name="naive", url="https://n.example/", next_check_at=datetime(2025, 1, 1)))
    engine.dispose()


def test_json_and_bytes_round_trip(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        policy = _policy(session)
        assert policy.id is not None
        version = Version(policy_id=policy.id, number=1, text_sha256="0" * 64, text_codec="raw",
                          text_blob=BLOB, observed_at=AWARE, first_seen=AWARE, last_seen=AWARE)
        session.add(version)
        session.flush()
        assert version.id is not None
        session.add(Snapshot(policy_id=policy.id, url=policy.url, body_sha256="1" * 64, body=BLOB,
                             headers={"etag": '"x"', "content-type": "text/html; charset=utf-8"},
                             version_id=version.id))
        session.add(Change(policy_id=policy.id, from_version_id=version.id, to_version_id=version.id,
                           categories=["sharing", "sale"], report=REPORT))
    with Session(engine) as session:
        assert session.exec(select(Version)).one().text_blob == BLOB
        snapshot = session.exec(select(Snapshot)).one()
        change = session.exec(select(Change)).one()
    assert snapshot.body == BLOB and isinstance(snapshot.body, bytes)
    assert snapshot.headers == {"etag": '"x"', "content-type": "text/html; charset=utf-8"}
    assert change.categories == ["sharing", "sale"]
    assert change.report == REPORT
    engine.dispose()


def test_unique_keys_hold_on_both_dialects(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        policy = _policy(session)
        assert policy.id is not None
        session.add(Alert(key="change:1:hook", policy_id=policy.id, notifier_id="hook"))
    with pytest.raises(sa.exc.IntegrityError), session_scope(engine) as session:
        session.add(Alert(key="change:1:hook", policy_id=1, notifier_id="hook"))
    with session_scope(engine) as session:
        assert len(session.exec(select(Alert)).all()) == 1
        session.add(RateLimit(name="wayback", next_slot_at=AWARE))
    with Session(engine) as session:
        limiter = session.get(RateLimit, "wayback")
    assert limiter is not None and (limiter.next_slot_at, limiter.paused_until) == (AWARE, None)
    engine.dispose()
