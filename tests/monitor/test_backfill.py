"""Backfill against the Wayback emulator: the issue's scenario, resumability, and one history with live checks."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from monitor.backfill import BackfillSummary, backfill_policy, policies_to_backfill
from monitor.config import Settings, load_config
from monitor.extract import extract
from monitor.fetch import Fetcher
from monitor.pipeline import PipelineContext, check_policy
from monitor.store import ingest_text
from monitor.wayback_cdx import parse_timestamp
from storage import queries
from storage.codec import sha256_hex
from storage.engine import session_scope
from storage.models import ARCHIVE, LIVE, Alert, BackfillState, Change, Policy, Snapshot, Version
from tests.conftest import initialised_engine
from tests.support.polling import async_wait_until
from tests.support.site import LoopbackSite
from tests.support.wayback import (
    WaybackEmulator,
    assert_within_rate,
    capture_page,
    history_texts,
    timestamp_of,
)

URL = "https://www.example.com/privacy"


@pytest.fixture
def archive_settings(
    make_config: Callable[..., Path], wayback_archive: WaybackEmulator
) -> Callable[..., Settings]:
    def factory(*, url: str = URL, policy: dict[str, Any] | None = None, **wayback: Any) -> Settings:
        values = {"base_url": wayback_archive.base_url, "requests_per_minute": 600,
                  "captures_per_second": 20, "rate_limit_pause": "1s", "retries": 2, **wayback}
        notifiers = {"team": {"kind": "webhook", "url": "http://127.0.0.1:9/hook"}}
        path = make_config(
            policies=[{"name": "acme", "url": url, **(policy or {})}], sections={"wayback": values},
            notifiers=notifiers,
        )
        return load_config(path)

    return factory


@pytest.fixture
def settings(archive_settings: Callable[..., Settings]) -> Settings:
    return archive_settings()


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    created = initialised_engine(settings)
    yield created
    created.dispose()


def run(settings: Settings, engine: Engine, **options: Any) -> BackfillSummary:
    return asyncio.run(backfill_policy(settings, engine, settings.policy("acme"), **options))


def versions(engine: Engine) -> list[Version]:
    with session_scope(engine) as session:
        policy = queries.get_policy(session, "acme")
        assert policy.id is not None
        return queries.versions_in_time_order(session, policy.id)


def current_links(engine: Engine) -> list[tuple[int, int]]:
    """(from number, to number) of the current change records, oldest first."""
    with session_scope(engine) as session:
        policy = queries.get_policy(session, "acme")
        assert policy.id is not None
        by_id = {v.id: v.number for v in queries.versions_in_time_order(session, policy.id)}
        return [(by_id[c.from_version_id], by_id[c.to_version_id])
                for c in queries.current_changes(session, policy.id)]


def consecutive(history: list[Version]) -> list[tuple[int, int]]:
    return [(older.number, newer.number) for older, newer in zip(history, history[1:], strict=False)]


def at(stamp: str) -> datetime:
    return parse_timestamp(stamp)


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
    engine = initialised_engine(settings)
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
    return [extract(capture_page(text).encode(), content_type="text/html", url=URL) for text in scenario.texts]


def serve_history(archive: WaybackEmulator, count: int, *, url: str = URL, year: int = 2013) -> list[str]:
    """``count`` distinct corpus texts, one capture a quarter; returns their timestamps."""
    stamps = [timestamp_of(year + i // 4, 1 + 3 * (i % 4), 1) for i in range(count)]
    for text, stamp in zip(history_texts("qnet", count), stamps, strict=True):
        archive.add_capture(stamp, url, capture_page(text))
    return stamps


def history_shape(engine: Engine) -> list[tuple[str, datetime, datetime, str]]:
    return [(v.text_sha256, v.observed_at, v.last_seen, v.source) for v in versions(engine)]


async def test_a_cancelled_backfill_resumes_without_fetching_anything_twice(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    stamps = serve_history(wayback_archive, 10)
    settings = archive_settings(page_limit=4)
    engine = initialised_engine(settings)
    wayback_archive.fail("capture", None, delay=30, after=5)  # the 6th capture hangs: Ctrl-C there
    task = asyncio.create_task(backfill_policy(settings, engine, settings.policy("acme")))
    await async_wait_until(lambda: wayback_archive.arrived("capture") >= 6, timeout=20)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    first_run = {request.timestamp for request in wayback_archive.of_kind("capture") if request.status == 200}
    assert first_run == set(stamps[:5]) and len(versions(engine)) == 5
    with session_scope(engine) as session:
        state = session.exec(select(BackfillState)).one()
        assert state.completed_at is None and state.resume_key is not None and state.fetched == 5

    wayback_archive.clear_requests()
    resumed = await backfill_policy(settings, engine, settings.policy("acme"))
    second_run = [request.timestamp for request in wayback_archive.of_kind("capture")]
    assert resumed.resumed and resumed.complete
    assert sorted(second_run) == stamps[5:]  # the hanging capture again, then the rest; nothing twice
    assert [request.params.get("resumeKey") for request in wayback_archive.of_kind("cdx")][0] is not None

    fresh = initialised_engine_at(tmp_path / "fresh.db")  # the same backfill, never interrupted
    await backfill_policy(settings, fresh, settings.policy("acme"))
    assert history_shape(engine) == history_shape(fresh)
    assert current_links(engine) == current_links(fresh) == consecutive(versions(engine))
    engine.dispose()
    fresh.dispose()


def initialised_engine_at(path: Path) -> Engine:
    from storage import migrations
    from storage.engine import make_engine

    created = make_engine(f"sqlite:///{path}")
    migrations.upgrade(created)
    return created


def test_a_crash_mid_page_resumes_from_the_saved_page(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings]
) -> None:
    stamps = serve_history(wayback_archive, 7)
    settings = archive_settings(page_limit=3)
    engine = initialised_engine(settings)

    def crash_after_four(summary: BackfillSummary) -> None:
        if summary.fetched == 4:
            raise RuntimeError("worker died")

    with pytest.raises(RuntimeError, match="worker died"):
        run(settings, engine, progress=crash_after_four)
    assert len(versions(engine)) == 4
    wayback_archive.clear_requests()
    summary = run(settings, engine)
    assert summary.complete and summary.skipped_known == 1  # the page in progress is listed again
    assert sorted(r.timestamp for r in wayback_archive.of_kind("capture")) == stamps[4:]
    assert [v.observed_at for v in versions(engine)] == [at(s) for s in stamps]
    assert current_links(engine) == consecutive(versions(engine))


def test_captures_that_keep_failing_are_retried_by_the_next_run(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings]
) -> None:
    stamps = serve_history(wayback_archive, 4)
    settings = archive_settings(retries=1)
    engine = initialised_engine(settings)
    wayback_archive.fail("capture", 503, times=2, after=1)  # the second capture fails both attempts
    summary = run(settings, engine)
    assert summary.failed == 1 and not summary.complete and len(versions(engine)) == 3
    with session_scope(engine) as session:
        assert queries.get_policy(session, "acme").backfilled_at is None
    wayback_archive.clear_requests()
    again = run(settings, engine)
    assert again.complete and again.resumed
    assert [r.timestamp for r in wayback_archive.of_kind("capture")] == [stamps[1]]
    assert [v.observed_at for v in versions(engine)] == [at(s) for s in stamps]
    assert current_links(engine) == consecutive(versions(engine))
    with session_scope(engine) as session:
        assert queries.get_policy(session, "acme").backfilled_at is not None


async def test_a_live_version_and_older_captures_form_one_history_in_time_order(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings], site: LoopbackSite
) -> None:
    url = site.url("/privacy")
    texts = history_texts("qnet", 5)
    site.set("/privacy", capture_page(texts[4]))
    settings = archive_settings(url=url)
    engine = initialised_engine(settings)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    async with Fetcher(settings.fetch) as fetcher:
        ctx = PipelineContext(settings=settings, engine=engine, fetcher=fetcher)
        live = await check_policy(ctx, settings.policy("acme"))
    assert live.outcome == "first_version"
    stamps = [timestamp_of(2014 + i, 6) for i in range(5)]
    for text, stamp in zip(texts, stamps, strict=True):  # the last capture has the live text
        wayback_archive.add_capture(stamp, url, capture_page(text))

    summary = await backfill_policy(settings, engine, settings.policy("acme"))

    assert (summary.new_versions, summary.unchanged) == (4, 1)
    history = versions(engine)
    assert [v.source for v in history] == [ARCHIVE] * 4 + [LIVE]
    assert [v.observed_at for v in history] == [at(s) for s in stamps]  # the live text was archived in 2018
    assert history[-1].number == 1 and history[-1].last_seen > at(stamps[-1])
    assert current_links(engine) == consecutive(history)
    with session_scope(engine) as session:
        superseded = session.exec(select(Change).where(col(Change.superseded).is_(True))).all()
        numbers = {v.id: v.number for v in history}
        # Each older capture first linked straight to the live version, then gave way to the next one.
        assert sorted((numbers[c.from_version_id], numbers[c.to_version_id]) for c in superseded) == [
            (2, 1), (3, 1), (4, 1)]


def test_archive_captures_interleave_between_live_versions(
    wayback_archive: WaybackEmulator, settings: Settings, engine: Engine
) -> None:
    # Live texts are what the extract step makes of the same pages.
    pages = [_page(text) for text in history_texts("qnet", 5)]
    a, b, c, d, e = (extract(page.encode(), content_type="text/html", url=URL) for page in pages)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    policy = settings.policy("acme")
    for text, moment in ((b, datetime(2019, 6, 1, tzinfo=UTC)), (d, datetime(2023, 6, 1, tzinfo=UTC))):
        ingest_text(engine, settings, policy, text, observed_at=moment, source=LIVE)
    for page, stamp in ((pages[0], "20180101120000"), (pages[1], "20200101120000"),
                        (pages[2], "20210101120000"), (pages[4], "20240101120000")):
        wayback_archive.add_capture(stamp, URL, page)

    run(settings, engine)

    history = versions(engine)
    assert [(v.source, v.observed_at.year) for v in history] == [
        (ARCHIVE, 2018), (LIVE, 2019), (ARCHIVE, 2021), (LIVE, 2023), (ARCHIVE, 2024)]
    assert history[1].last_seen == at("20200101120000")  # the 2020 capture only extended it
    assert current_links(engine) == consecutive(history)
    with session_scope(engine) as session:
        superseded = session.exec(select(Change).where(col(Change.superseded).is_(True))).all()
        numbers = {v.id: v.number for v in history}
        assert [(numbers[s.from_version_id], numbers[s.to_version_id]) for s in superseded] == [
            (history[1].number, history[3].number)]


def _page(text: str) -> str:
    blocks = "".join(f"<p>{html.escape(block)}</p>" for block in text.split("\n\n"))
    return f"<html><body><main>{blocks}</main></body></html>"


def test_the_same_bytes_after_a_change_become_a_reverted_version_without_a_second_fetch(
    wayback_archive: WaybackEmulator, settings: Settings, engine: Engine
) -> None:
    first, second = history_texts("qnet", 2)
    digest = wayback_archive.add_capture("20150101120000", URL, capture_page(first))
    wayback_archive.add_capture("20150601120000", URL, capture_page(second))
    wayback_archive.add_listing("20160101120000", URL, digest)
    summary = run(settings, engine)
    assert summary.new_versions == 3 and summary.skipped_known == 1
    assert [r.timestamp for r in wayback_archive.of_kind("capture")] == ["20150101120000", "20150601120000"]
    history = versions(engine)
    assert [v.reverted_to for v in history] == [None, None, 1]
    assert history[0].text_sha256 == history[2].text_sha256


def test_an_error_page_capture_is_no_version_and_is_not_fetched_again(
    wayback_archive: WaybackEmulator, settings: Settings, engine: Engine
) -> None:
    first, second = history_texts("qnet", 2)
    wayback_archive.add_capture("20150101120000", URL, capture_page(first))
    wayback_archive.add_capture(
        "20150301120000", URL, "<html><body><h1>404 Not Found</h1><p>Oops, page not found.</p></body></html>"
    )
    wayback_archive.add_capture("20150601120000", URL, capture_page(second))
    summary = run(settings, engine)
    assert summary.anomalies == 1 and summary.new_versions == 2
    assert current_links(engine) == [(1, 2)]
    with session_scope(engine) as session:
        kept = session.exec(select(Snapshot).where(col(Snapshot.version_id).is_(None))).one()
        assert kept.archived_at == at("20150301120000") and kept.source == ARCHIVE
    wayback_archive.clear_requests()
    assert run(settings, engine).capture_calls == 0
    assert wayback_archive.of_kind("capture") == []


def test_notify_queues_one_digest_of_the_material_changes(
    wayback_archive: WaybackEmulator, settings: Settings, engine: Engine
) -> None:
    serve_history(wayback_archive, 4)  # qnet v01 → v02 turns "we do not sell" into selling
    summary = run(settings, engine, notify=True)
    with session_scope(engine) as session:
        alerts = session.exec(select(Alert)).all()
        material = session.exec(
            select(Change).where(col(Change.material).is_(True), col(Change.superseded).is_(False))
        ).all()
    assert summary.alerts == len(alerts) >= 1
    assert {alert.change_id for alert in alerts} <= {change.id for change in material}
    assert len({alert.digest_group for alert in alerts}) == 1
    assert alerts[0].digest_group and alerts[0].digest_group.startswith("backfill:acme:")
    assert {alert.notifier_id for alert in alerts} == {"team"}


def test_since_and_until_limit_the_listing_to_those_days(
    wayback_archive: WaybackEmulator, settings: Settings, engine: Engine
) -> None:
    stamps = serve_history(wayback_archive, 8)  # 2013-01 … 2014-10
    summary = run(settings, engine, since=date(2013, 4, 1), until=date(2014, 4, 1))
    query = wayback_archive.of_kind("cdx")[0].params
    assert (query["from"], query["to"]) == ("20130401", "20140401")
    assert [v.observed_at for v in versions(engine)] == [at(s) for s in stamps[1:6]]
    assert summary.listed == 5


def test_the_daemon_finds_archive_policies_not_yet_backfilled(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings]
) -> None:
    serve_history(wayback_archive, 2)
    settings = archive_settings(policy={"archive": True})
    engine = initialised_engine(settings)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    assert [p.name for p in policies_to_backfill(engine, settings)] == ["acme"]
    run(settings, engine)
    assert policies_to_backfill(engine, settings) == []
    with session_scope(engine) as session:
        assert session.exec(select(Policy)).one().backfilled_at is not None
