"""The Wayback client against the emulator: CDX parsing and paging, captures, retries and politeness."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.errors import ArchiveError, ArchiveRateLimited
from monitor.sources.wayback import API_LIMITER, WaybackClient
from monitor.sources.wayback_cdx import CdxRow, parse_cdx_json
from storage.ratelimit import paused_until
from tests.conftest import initialised_engine
from tests.support.polling import async_wait_until
from tests.support.wayback import ARCHIVED_URL, Kind, WaybackEmulator, sha1_digest
from tests.support.wayback_data import assert_within_rate, spacing, timestamp_of

URL = ARCHIVED_URL
HEADER = ["timestamp", "original", "mimetype", "statuscode", "digest", "length"]
TOLERANCE = 0.02  # seconds: loopback jitter between a request's start and its arrival


@pytest.fixture
def engine(archive_settings: Callable[..., Settings]) -> Iterator[Engine]:
    created = initialised_engine(archive_settings())
    yield created
    created.dispose()


def test_cdx_json_skips_revisits_redirects_malformed_rows_and_reads_the_resume_key() -> None:
    good = ["20150101120000", URL, "text/html", "200", "AAAABBBBCCCCDDDD", "1234"]
    payload = [
        HEADER,
        good,
        ["20150201120000", URL, "warc/revisit", "-", "AAAABBBBCCCCDDDD", "0"],
        ["20150301120000", URL, "text/html", "301", "EEEEFFFFGGGGHHHH", "0"],
        ["20150401120000", URL, "image/png", "200", "IIIIJJJJKKKKLLLL", "10"],
        ["2015", URL, "text/html", "200", "MMMMNNNNOOOOPPPP", "1"],
        ["20150501120000", URL, "text/html"],
        "not a row",
        [],
        ["com,example)/privacy 20150501120000"],
    ]
    page = parse_cdx_json(payload)
    assert page.rows == (CdxRow("20150101120000", URL, "text/html", 200, "AAAABBBBCCCCDDDD", 1234),)
    assert (page.revisits, page.redirects, page.unusable, page.malformed) == (1, 1, 1, 3)
    assert page.resume_key == "com,example)/privacy 20150501120000"


def test_cdx_json_reads_fields_by_header_name_and_an_empty_answer() -> None:
    reordered = ["digest", "length", "statuscode", "mimetype", "original", "timestamp"]
    page = parse_cdx_json([reordered, ["AAAABBBBCCCCDDDD", "-", "200", "text/html", URL, "20150101120000"]])
    assert page.rows[0].timestamp == "20150101120000" and page.rows[0].length is None
    assert parse_cdx_json([]).rows == ()
    with pytest.raises(ArchiveError, match="header"):
        parse_cdx_json([["timestamp", "original"], ["20150101120000", URL]])
    with pytest.raises(ArchiveError, match="not a JSON list"):
        parse_cdx_json({"rows": []})


async def test_listing_pages_with_the_resume_key_and_sends_the_documented_query(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings], engine: Engine
) -> None:
    stamps = [timestamp_of(2015, month) for month in range(1, 8)]
    for stamp in stamps:
        wayback_archive.add_capture(stamp, URL, f"<p>version of {stamp}</p>")
    settings = archive_settings(page_limit=3)
    async with WaybackClient(settings, engine) as client:
        listed: list[str] = []
        key = None
        while True:
            page = await client.list_page(URL, resume_key=key)
            listed += [row.timestamp for row in page.rows]
            if page.resume_key is None:
                break
            key = page.resume_key
    assert listed == stamps
    calls = wayback_archive.of_kind("cdx")
    assert client.api_calls == len(calls) == 3
    first = calls[0].params
    assert first["output"] == "json" and first["collapse"] == "digest" and first["filter"] == "statuscode:200"
    assert first["fl"] == "timestamp,original,mimetype,statuscode,digest,length"
    assert first["limit"] == "3" and first["showResumeKey"] == "true" and "resumeKey" not in first
    assert calls[1].params["resumeKey"] == f"{URL} 3"
    assert all(call.user_agent == "policywatch-tests/0.1" for call in calls)


async def test_a_capture_is_fetched_raw_at_its_exact_timestamp(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings], engine: Engine
) -> None:
    stamp = timestamp_of(2016, 3)
    digest = wayback_archive.add_capture(stamp, URL, "<p>We collect little.</p>")
    row = CdxRow(stamp, URL, "text/html", 200, digest, None)
    async with WaybackClient(archive_settings(), engine) as client:
        capture = await client.fetch_capture(row)
    assert capture.is_version and capture.body == b"<p>We collect little.</p>"
    assert capture.memento_at == row.captured_at
    assert wayback_archive.of_kind("capture")[0].target == f"/web/{stamp}id_/{URL}"


async def test_redirects_other_mementos_and_missing_captures_are_not_versions(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings], engine: Engine
) -> None:
    moved, elsewhere, wrong_memento, gone = (timestamp_of(2017, month) for month in (1, 2, 3, 4))
    wayback_archive.add_moved_capture(moved, URL, to_timestamp=timestamp_of(2016, 12))
    wayback_archive.add_redirect_row(elsewhere, URL, status=301)
    wayback_archive.add_capture(wrong_memento, URL, "<p>text</p>", memento=timestamp_of(2016, 11))
    rows = [
        CdxRow(stamp, URL, "text/html", 200, sha1_digest(stamp.encode()), None)
        for stamp in (moved, elsewhere, wrong_memento, gone)
    ]
    async with WaybackClient(archive_settings(), engine) as client:
        kinds = [(await client.fetch_capture(row)).kind for row in rows]
    assert kinds == ["other_timestamp", "redirect", "other_timestamp", "missing"]
    assert client.capture_calls == 4  # redirects are answers, never followed


async def test_server_errors_are_retried_with_growing_backoff(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings], engine: Engine
) -> None:
    stamp = timestamp_of(2018, 5)
    digest = wayback_archive.add_capture(stamp, URL, "<p>text</p>")
    wayback_archive.fail("capture", 503, times=2)
    wayback_archive.fail("cdx", 502, times=1)
    async with WaybackClient(archive_settings(), engine) as client:
        page = await client.list_page(URL)
        capture = await client.fetch_capture(CdxRow(stamp, URL, "text/html", 200, digest, None))
    assert [row.timestamp for row in page.rows] == [stamp] and capture.is_version
    captures = wayback_archive.of_kind("capture")
    assert [request.status for request in captures] == [503, 503, 200]
    gaps = spacing([request.at for request in captures])
    assert gaps[0] >= 0.05 - TOLERANCE and gaps[1] >= 0.1 - TOLERANCE  # retry_backoff 50ms, doubling


async def test_retries_run_out_with_an_archive_error(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings], engine: Engine
) -> None:
    wayback_archive.fail("cdx", 503, times=10)
    async with WaybackClient(archive_settings(retries=2), engine) as client:
        with pytest.raises(ArchiveError, match="503"):
            await client.list_page(URL)
    assert len(wayback_archive.of_kind("cdx")) == 3


async def test_a_429_pauses_every_archive_request_of_every_worker(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings], engine: Engine
) -> None:
    stamp = timestamp_of(2019, 1)
    digest = wayback_archive.add_capture(stamp, URL, "<p>text</p>")
    wayback_archive.fail("capture", 429, times=1)
    settings = archive_settings()
    row = CdxRow(stamp, URL, "text/html", 200, digest, None)
    async with WaybackClient(settings, engine) as worker_a, WaybackClient(settings, engine) as worker_b:
        fetching = asyncio.create_task(worker_a.fetch_capture(row))
        # Once worker A has recorded the pause, worker B (another limiter, too) must wait it out.
        await async_wait_until(lambda: paused_until(engine, API_LIMITER) is not None, timeout=5)
        listing = asyncio.create_task(worker_b.list_page(URL))
        capture, page = await asyncio.gather(fetching, listing)
    assert capture.is_version and len(page.rows) == 1
    limited = wayback_archive.of_kind("capture")[0]
    assert limited.status == 429
    later = [request for request in wayback_archive.requests if request.at > limited.at]
    assert {request.kind for request in later} == {"cdx", "capture"}
    assert min(request.at for request in later) >= limited.at + 1.0 - TOLERANCE


async def test_rate_limited_to_the_end_raises_archive_rate_limited(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings], engine: Engine
) -> None:
    wayback_archive.fail("cdx", 429, times=5)
    async with WaybackClient(archive_settings(retries=1, rate_limit_pause="0.2s"), engine) as client:
        with pytest.raises(ArchiveRateLimited):
            await client.list_page(URL)
    calls = wayback_archive.of_kind("cdx")
    assert len(calls) == 2 and calls[1].at - calls[0].at >= 0.2 - TOLERANCE


async def test_two_workers_share_the_configured_rates(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings], engine: Engine
) -> None:
    stamps = [timestamp_of(2014, month) for month in range(1, 11)]
    rows = [
        CdxRow(s, URL, "text/html", 200, wayback_archive.add_capture(s, URL, f"<p>{s}</p>"), None)
        for s in stamps
    ]
    settings = archive_settings(requests_per_minute=300, captures_per_second=10)
    async with WaybackClient(settings, engine) as one, WaybackClient(settings, engine) as two:
        # httpx loads its async backend on first use, blocking the loop once: keep that out of the figures.
        await asyncio.gather(one.list_page(URL), two.list_page(URL))
        wayback_archive.clear_requests()
        await asyncio.gather(
            *(client.fetch_capture(row) for client, row in zip([one, two] * 5, rows, strict=True)),
            *(client.list_page(URL) for client in (one, two, one, two)),
        )
    limits: tuple[tuple[Kind, float], ...] = (("capture", 0.1), ("cdx", 0.2))
    for kind, interval in limits:
        assert_within_rate([request.at for request in wayback_archive.of_kind(kind)], interval, kind)
