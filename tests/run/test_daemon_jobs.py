"""The daemon's other jobs in-process: archive backfill once per policy, and the job boundary around it."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from monitor.config import Settings
from monitor.run.daemon import Jobs, prepare_schedule
from storage.engine import session_scope
from storage.models import ARCHIVE, Policy, Version
from tests.conftest import initialised_engine
from tests.support.wayback import ARCHIVED_URL, WaybackEmulator
from tests.support.wayback_data import capture_page, history_texts, timestamp_of


async def test_backfill_job_imports_an_archived_history_once(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings]
) -> None:
    settings = archive_settings(policy={"archive": True})
    for year, text in enumerate(history_texts("qnet", 3)):
        wayback_archive.add_capture(timestamp_of(2015 + year, 3), ARCHIVED_URL, capture_page(text))
    engine = initialised_engine(settings)
    prepare_schedule(settings, engine, "w1")
    jobs = Jobs(settings, engine, worker="w1", metrics=None)

    await jobs.backfill()
    listed = len(wayback_archive.requests)
    await jobs.backfill()  # already backfilled: not asked again

    with session_scope(engine) as session:
        versions = session.exec(select(Version)).all()
        policy = session.exec(select(Policy)).one()
    assert len(versions) == 3 and {v.source for v in versions} == {ARCHIVE}
    assert policy.backfilled_at is not None
    assert len(wayback_archive.requests) == listed
    engine.dispose()


async def test_a_failing_archive_leaves_the_backfill_for_the_next_run(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings]
) -> None:
    settings = archive_settings(policy={"archive": True}, retries=0)
    text = history_texts("qnet", 1)[0]
    wayback_archive.add_capture(timestamp_of(2016, 1), ARCHIVED_URL, capture_page(text))
    wayback_archive.fail("cdx", 503, times=1)
    engine = initialised_engine(settings)
    prepare_schedule(settings, engine, "w1")
    jobs = Jobs(settings, engine, worker="w1", metrics=None)

    await jobs.backfill()  # recorded in the log, never raised out of the job
    with session_scope(engine) as session:
        assert session.exec(select(Policy)).one().backfilled_at is None

    await jobs.backfill()
    with session_scope(engine) as session:
        assert session.exec(select(Policy)).one().backfilled_at is not None
        assert len(session.exec(select(Version)).all()) == 1
    engine.dispose()
