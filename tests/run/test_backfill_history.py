"""Backfilled versions in one history with live checks, and what backfill keeps, skips and alerts."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from monitor.config import Settings
from monitor.core.extract import extract
from monitor.pipeline.chain import Pipeline, ingest_text
from monitor.run.backfill import backfill_policy, policies_to_backfill
from monitor.sources.fetch import Fetcher
from storage import queries
from storage.engine import session_scope
from storage.models import ARCHIVE, LIVE, Alert, Change, Policy, Snapshot
from tests.run.engines import synced_engine
from tests.support.backfill_checks import consecutive, current_links, run, versions
from tests.support.site import LoopbackSite
from tests.support.wayback import ARCHIVED_URL as URL
from tests.support.wayback import WaybackEmulator
from tests.support.wayback_data import at, capture_page, history_texts, serve_history, timestamp_of


@pytest.fixture
def settings(archive_settings: Callable[..., Settings]) -> Settings:
    return archive_settings()


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    created = synced_engine(settings)
    yield created
    created.dispose()


async def test_a_live_version_and_older_captures_form_one_history_in_time_order(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings], site: LoopbackSite
) -> None:
    url = site.url("/privacy")
    texts = history_texts("qnet", 5)
    site.set("/privacy", capture_page(texts[4]))
    settings = archive_settings(url=url)
    engine = synced_engine(settings)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    async with Fetcher(settings.fetch) as fetcher:
        live = await Pipeline(settings, engine, fetcher).check(settings.policy("acme"))
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
            (2, 1),
            (3, 1),
            (4, 1),
        ]


def test_archive_captures_interleave_between_live_versions(
    wayback_archive: WaybackEmulator, settings: Settings, engine: Engine
) -> None:
    # Live texts are what the extract step makes of the same pages.
    pages = [_page(text) for text in history_texts("qnet", 5)]
    _, b, _, d, _ = (extract(page.encode(), content_type="text/html", url=URL) for page in pages)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    policy = settings.policy("acme")
    for text, moment in ((b, datetime(2019, 6, 1, tzinfo=UTC)), (d, datetime(2023, 6, 1, tzinfo=UTC))):
        ingest_text(engine, settings, policy, text, observed_at=moment, source=LIVE)
    for page, stamp in (
        (pages[0], "20180101120000"),
        (pages[1], "20200101120000"),
        (pages[2], "20210101120000"),
        (pages[4], "20240101120000"),
    ):
        wayback_archive.add_capture(stamp, URL, page)

    run(settings, engine)

    history = versions(engine)
    assert [(v.source, v.observed_at.year) for v in history] == [
        (ARCHIVE, 2018),
        (LIVE, 2019),
        (ARCHIVE, 2021),
        (LIVE, 2023),
        (ARCHIVE, 2024),
    ]
    assert history[1].last_seen == at("20200101120000")  # the 2020 capture only extended it
    assert current_links(engine) == consecutive(history)
    with session_scope(engine) as session:
        superseded = session.exec(select(Change).where(col(Change.superseded).is_(True))).all()
        numbers = {v.id: v.number for v in history}
        assert [(numbers[s.from_version_id], numbers[s.to_version_id]) for s in superseded] == [
            (history[1].number, history[3].number)
        ]


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
    assert wayback_archive.captures() == ["20150101120000", "20150601120000"]
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
    engine = synced_engine(settings)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    assert [p.name for p in policies_to_backfill(engine, settings)] == ["acme"]
    run(settings, engine)
    assert policies_to_backfill(engine, settings) == []
    with session_scope(engine) as session:
        assert session.exec(select(Policy)).one().backfilled_at is not None
