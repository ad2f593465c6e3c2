"""Anomalies never become the latest version: a page in another language, or an error page, is a failed
check whose capture is kept, and the next good capture is compared with the last good version.

Each sequence is checked as the daemon checks: the runner claims the due policy on a tick, runs it
through the pipeline and reschedules it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from monitor.config import Settings
from monitor.run.runner import CheckRunner
from monitor.sources.fetch import Fetcher
from storage import queries, snapshots
from storage.engine import session_scope
from storage.models import Change, CheckEvent, Policy, Snapshot, Version, utcnow
from tests.pipeline.conftest import ENGLISH, ERROR_PAGE, FRENCH, Setup, page
from tests.support.polling import async_wait_until
from tests.support.site import LoopbackSite

EDITED = ENGLISH + "\n\n## Sale\n\nWe now sell your personal information to data brokers and advertisers."


async def _daemon_check(runner: CheckRunner, engine: Engine) -> None:
    """Make the policy due, and let one tick of the runner check it."""
    with session_scope(engine) as session:
        session.execute(sa.update(Policy).values(next_check_at=utcnow()))
    done = runner.completed
    await runner.tick()
    await async_wait_until(lambda: runner.completed == done + 1 and not runner.in_flight, timeout=30)
    await runner.flush()


def _history(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return [queries.version_text(v) for v in session.exec(select(Version).order_by(col(Version.number)))]


def _events(engine: Engine) -> list[CheckEvent]:
    with session_scope(engine) as session:
        return list(session.exec(select(CheckEvent).order_by(col(CheckEvent.id))).all())


def _policy(engine: Engine) -> Policy:
    with session_scope(engine) as session:
        return session.exec(select(Policy)).one()


async def _sequence(
    settings: Settings, engine: Engine, site: LoopbackSite, bodies: list[str]
) -> list[str]:
    outcomes = []
    async with Fetcher(settings.fetch) as fetcher:
        runner = CheckRunner(settings, engine, fetcher, worker="w1", metrics=None)
        for body in bodies:
            site.set("/acme", body)
            await _daemon_check(runner, engine)
            outcomes.append(_policy(engine).last_outcome or "")
    return outcomes


async def test_a_page_in_another_language_is_a_failed_check_and_never_the_latest_version(
    setup: Setup, site: LoopbackSite
) -> None:
    settings, engine = setup({"acme": ENGLISH})
    english, french = page(ENGLISH), page(FRENCH)

    outcomes = await _sequence(settings, engine, site, [english, french, english, page(EDITED)])

    assert outcomes == ["ok", "anomaly", "ok", "ok"]  # "ok": the recovery closed the failure episode
    english_text, edited_text = _history(engine)  # the French page never became a version
    assert "Sale" in edited_text and "Sale" not in english_text
    refused = [e for e in _events(engine) if e.outcome == "anomaly"]
    assert len(refused) == 1 and refused[0].error and refused[0].error.startswith("language_changed")
    with session_scope(engine) as session:
        kept = session.get(Snapshot, refused[0].snapshot_id)
        assert kept is not None and kept.version_id is None  # kept for inspection, not a version
        assert snapshots.read_body(session, kept) == french.encode()
        # the next good capture was compared with the last good (English) version
        change = session.exec(select(Change)).one()
        numbers = {v.id: v.number for v in session.exec(select(Version))}
    assert (numbers[change.from_version_id], numbers[change.to_version_id]) == (1, 2)
    assert change.material
    assert _policy(engine).consecutive_failures == 0


async def test_an_error_page_is_a_failed_check_and_the_real_page_after_it_is_no_change(
    setup: Setup, site: LoopbackSite
) -> None:
    hook = {"team": {"kind": "webhook", "url": "http://127.0.0.1:9/hook"}}
    settings, engine = setup({"acme": ENGLISH}, notifiers=hook)
    english = page(ENGLISH)

    outcomes = await _sequence(settings, engine, site, [english, ERROR_PAGE, ERROR_PAGE, english])

    assert outcomes == ["ok", "anomaly", "anomaly", "ok"]
    assert len(_history(engine)) == 1
    refused = [e for e in _events(engine) if e.outcome == "anomaly"]
    assert [e.error.split(":")[0] for e in refused if e.error] == ["error_page", "error_page"]
    assert all(e.snapshot_id is not None for e in refused)
    with session_scope(engine) as session:
        assert session.exec(select(Change)).all() == []
        alerts = [row[0] for row in session.execute(sa.text("SELECT kind FROM alerts ORDER BY id"))]
    # two failures reached the threshold ("tracking broken"); the good capture closed the episode
    assert alerts == ["broken", "recovered"]
    policy = _policy(engine)
    assert policy.consecutive_failures == 0 and policy.failing_since is None
