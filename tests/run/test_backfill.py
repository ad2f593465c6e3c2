"""Backfill against the Wayback emulator: the issue's scenario, resuming, one history with live checks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.config import Settings
from monitor.core.extract import extract
from monitor.errors import ArchiveRateLimited
from monitor.run.backfill import BackfillSummary, backfill_policy
from storage import queries
from storage.codec import sha256_hex
from storage.engine import session_scope
from storage.models import ARCHIVE, Alert, BackfillState
from tests.run.engines import synced_engine
from tests.support.backfill_checks import consecutive, current_links, history_shape, run, versions
from tests.support.polling import async_wait_until
from tests.support.wayback import ARCHIVED_URL as URL
from tests.support.wayback import WaybackEmulator
from tests.support.wayback_data import (
    assert_within_rate,
    at,
    capture_page,
    history_texts,
    serve_history,
    timestamp_of,
)


@pytest.fixture
def settings(archive_settings: Callable[..., Settings]) -> Settings:
    return archive_settings()


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    created = synced_engine(settings)
    yield created
    created.dispose()


@dataclass
class Scenario:
    texts: list[str]
    first_seen: list[str]  # capture timestamp of each distinct text
    last_seen: list[str]
    digests: dict[str, str]  # timestamp -> digest of every capture served 200


def build_issue_scenario(archive: WaybackEmulator) -> Scenario:
    """40 CDX rows: 15 distinct texts, 8 re-served texts with other bytes, 6 revisits, 4 repeated digests
    (separated by 3xx or malformed rows, so ``collapse=digest`` keeps them), 3 redirect rows, 2 malformed
    rows, 1 capture that redirects to another timestamp and 1 row with status 404."""
    texts = history_texts("qnet", 15)
    stamps = [timestamp_of(2012 + i // 4, 1 + 3 * (i % 4), 1) for i in range(15)]
    digests: dict[str, str] = {}
    last_seen = list(stamps)
    for i, (text, stamp) in enumerate(zip(texts, stamps, strict=True)):
        digest = archive.add_capture(stamp, URL, capture_page(text))
        digests[stamp] = digest
        day = stamp[:6]
        if i < 8:  # the same text again, other bytes: only extends the version
            variant = f"{day}02120000"
            digests[variant] = archive.add_capture(variant, URL, capture_page(text, variant=variant))
            last_seen[i] = variant
        if i < 6:
            archive.add_revisit(f"{day}03120000", URL, digest)
        if 8 <= i < 11:
            archive.add_redirect_row(f"{day}02120000", URL)
            archive.add_listing(f"{day}03120000", URL, digest)  # the same bytes again: not fetched
            last_seen[i] = f"{day}03120000"
        if i == 11:
            archive.add_malformed(f"{day}02120000", [f"{day}02120000", URL, "text/html"])
            archive.add_listing(f"{day}03120000", URL, digest)
            last_seen[i] = f"{day}03120000"
    archive.add_malformed(stamps[12], ["garbage"])
    archive.add_moved_capture(f"{stamps[12][:6]}05120000", URL, to_timestamp=stamps[12])
    archive.add_listing(f"{stamps[13][:6]}05120000", URL, "NOTFOUNDNOTFOUND", status="404")
    return Scenario(texts, stamps, last_seen, digests)


def test_the_issue_scenario_stores_exactly_the_fifteen_versions_politely(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings]
) -> None:
    scenario = build_issue_scenario(wayback_archive)
    assert wayback_archive.row_count() == 40
    settings = archive_settings(page_limit=12)
    engine = synced_engine(settings)
    wayback_archive.fail("capture", 429, after=10)  # the 11th capture request, mid-run

    summary = run(settings, engine)

    listing = wayback_archive.of_kind("cdx")
    assert len(listing) == 4  # 40 rows in pages of 12
    assert summary.complete and summary.failed == 0
    assert (summary.new_versions, summary.unchanged, summary.revisits, summary.malformed) == (15, 12, 6, 2)
    assert summary.redirects == 4 and summary.unusable == 1 and summary.anomalies == 0

    history = versions(engine)
    assert [v.text_sha256 for v in history] == [sha256_hex(t) for t in _extracted(scenario)]
    assert [v.observed_at for v in history] == [at(s) for s in scenario.first_seen]
    assert [v.archived_at for v in history] == [at(s) for s in scenario.first_seen]
    assert [v.last_seen for v in history] == [at(s) for s in scenario.last_seen]
    assert all(v.source == ARCHIVE for v in history)
    assert current_links(engine) == consecutive(history)

    captures = wayback_archive.of_kind("capture")
    served = [request for request in captures if request.status == 200]
    served_digests = [scenario.digests[request.timestamp or ""] for request in served]
    assert len(served_digests) == len(set(served_digests)) == 23  # each distinct digest at most once
    limited = next(request for request in captures if request.status == 429)
    after_limit = [request.at for request in wayback_archive.requests if request.at > limited.at]
    assert min(after_limit) >= limited.at + 1.0 - 0.02  # nothing at all during the pause
    assert_within_rate([request.at for request in captures], 0.05, "capture")
    assert_within_rate([request.at for request in listing], 0.1, "cdx")

    wayback_archive.clear_requests()
    again = run(settings, engine)
    assert [request.kind for request in wayback_archive.requests] == ["cdx"] * 4
    assert again.complete and again.new_versions == 0 and again.capture_calls == 0
    assert [v.id for v in versions(engine)] == [v.id for v in history]
    with session_scope(engine) as session:
        policy = queries.get_policy(session, "acme")
        assert policy.backfilled_at is not None
        assert session.exec(select(Alert)).all() == []  # history sends no alerts by default
    engine.dispose()


def _extracted(scenario: Scenario) -> list[str]:
    return [
        extract(capture_page(text).encode(), content_type="text/html", url=URL) for text in scenario.texts
    ]


async def test_a_cancelled_backfill_resumes_without_fetching_anything_twice(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings], sqlite_engine: Engine
) -> None:
    stamps = serve_history(wayback_archive, 10)
    settings = archive_settings(page_limit=4)
    engine = synced_engine(settings)
    wayback_archive.fail("capture", None, delay=30, after=5)  # the 6th capture hangs: Ctrl-C there
    task = asyncio.create_task(backfill_policy(settings, engine, settings.policy("acme")))
    await async_wait_until(lambda: wayback_archive.arrived("capture") >= 6, timeout=20)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    first_run = set(wayback_archive.captures(200))
    assert first_run == set(stamps[:5]) and len(versions(engine)) == 5
    with session_scope(engine) as session:
        state = session.exec(select(BackfillState)).one()
        assert state.completed_at is None and state.resume_key is not None and state.fetched == 5
        saved_key = state.resume_key

    wayback_archive.clear_requests()
    resumed = await backfill_policy(settings, engine, settings.policy("acme"))
    second_run = wayback_archive.captures()
    assert resumed.resumed and resumed.complete
    assert sorted(second_run) == stamps[5:]  # the hanging capture again, then the rest; nothing twice
    assert wayback_archive.of_kind("cdx")[0].params["resumeKey"] == saved_key

    fresh = sqlite_engine  # the same backfill into another database, never interrupted
    with session_scope(fresh) as session:
        queries.sync_policies(session, settings)
    await backfill_policy(settings, fresh, settings.policy("acme"))
    assert history_shape(engine) == history_shape(fresh)
    assert current_links(engine) == current_links(fresh) == consecutive(versions(engine))
    engine.dispose()


def test_a_crash_mid_page_resumes_from_the_saved_page(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings]
) -> None:
    stamps = serve_history(wayback_archive, 7)
    settings = archive_settings(page_limit=3)
    engine = synced_engine(settings)

    def crash_after_four(summary: BackfillSummary) -> None:
        if summary.fetched == 4:
            raise RuntimeError("worker died")

    with pytest.raises(RuntimeError, match="worker died"):
        run(settings, engine, progress=crash_after_four)
    assert len(versions(engine)) == 4
    wayback_archive.clear_requests()
    summary = run(settings, engine)
    assert summary.complete and summary.skipped_known == 1  # the page in progress is listed again
    assert sorted(wayback_archive.captures()) == stamps[4:]
    assert [v.observed_at for v in versions(engine)] == [at(s) for s in stamps]
    assert current_links(engine) == consecutive(versions(engine))


def test_captures_that_keep_failing_are_retried_by_the_next_run(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings]
) -> None:
    stamps = serve_history(wayback_archive, 4)
    settings = archive_settings(retries=1)
    engine = synced_engine(settings)
    wayback_archive.fail("capture", 503, times=2, after=1)  # the second capture fails both attempts
    summary = run(settings, engine)
    assert summary.failed == 1 and not summary.complete and len(versions(engine)) == 3
    with session_scope(engine) as session:
        assert queries.get_policy(session, "acme").backfilled_at is None
    wayback_archive.clear_requests()
    again = run(settings, engine)
    assert again.complete and again.resumed
    assert wayback_archive.captures() == [stamps[1]]
    assert [v.observed_at for v in versions(engine)] == [at(s) for s in stamps]
    assert current_links(engine) == consecutive(versions(engine))
    with session_scope(engine) as session:
        assert queries.get_policy(session, "acme").backfilled_at is not None


def test_an_archive_that_keeps_rate_limiting_stops_the_run_until_later(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings]
) -> None:
    stamps = serve_history(wayback_archive, 3)
    settings = archive_settings(retries=1, rate_limit_pause="0.2s")
    engine = synced_engine(settings)
    wayback_archive.fail("capture", 429, times=2, after=1)
    with pytest.raises(ArchiveRateLimited):
        run(settings, engine)
    assert wayback_archive.captures() == [stamps[0], stamps[1], stamps[1]]  # no third capture tried
    assert len(versions(engine)) == 1
    wayback_archive.clear_requests()
    assert run(settings, engine).complete
    assert wayback_archive.captures() == stamps[1:]
