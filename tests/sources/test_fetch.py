"""The fetch step against the loopback site: conditional GETs, limits, faults, retries and politeness."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from monitor.config import FetchSettings
from monitor.core.extract import decode_body, extract
from monitor.errors import ContentTooLarge, FetchError, RobotsDisallowed
from monitor.sources.fetch import Fetcher, FetchResult, parse_retry_after
from tests.support.site import LoopbackSite

pytest_plugins = ["tests.support.fixtures"]

POLICY = "<html><body><main><h1>Privacy</h1><p>We collect data.</p></main></body></html>"


def settings(**overrides: Any) -> FetchSettings:
    """Fast settings: no host spacing, short timeouts and backoff."""
    values: dict[str, Any] = {
        "timeout": "2s",
        "per_host_interval": "0s",
        "retries": 2,
        "retry_backoff": "50ms",
        "max_retry_after": "5s",
        "max_bytes": 100_000,
    }
    return FetchSettings.model_validate({**values, **overrides})


async def fetch(
    site: LoopbackSite, path: str, config: FetchSettings | None = None, **kwargs: Any
) -> FetchResult:
    async with Fetcher(config or settings()) as fetcher:
        return await fetcher.fetch(site.url(path), **kwargs)


def gaps(site: LoopbackSite, path: str) -> list[float]:
    """Seconds between the server's arrivals of successive requests to ``path``."""
    times = [request.at for request in site.requests_to(path)]
    return [later - earlier for earlier, later in itertools.pairwise(times)]


class StartLog(httpx.AsyncBaseTransport):
    """Records when each request really starts on the client side.

    Spacing promises are about request starts; server arrival times also carry connection latency,
    which under a loaded test machine can shrink the measured gaps.
    """

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.starts: list[tuple[str, float]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.starts.append((request.url.path, time.monotonic()))
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()

    def gaps(self, path: str) -> list[float]:
        times = [at for started_path, at in self.starts if started_path == path]
        return [later - earlier for earlier, later in itertools.pairwise(times)]


# -- answers -----------------------------------------------------------------------------------------


async def test_fetches_a_page_with_its_metadata(site: LoopbackSite) -> None:
    site.set("/privacy", POLICY, etag='"v1"', last_modified="Wed, 01 May 2024 10:00:00 GMT")
    result = await fetch(site, "/privacy")
    assert result.status == 200
    assert result.body == POLICY.encode()
    assert result.url == site.url("/privacy")
    assert (result.content_type, result.charset) == ("text/html; charset=utf-8", "utf-8")
    assert (result.etag, result.last_modified) == ('"v1"', "Wed, 01 May 2024 10:00:00 GMT")
    assert result.headers["content-length"] == str(len(POLICY))
    assert result.fetched_at.tzinfo is UTC and result.fetched_at <= datetime.now(UTC)
    assert result.elapsed_ms >= 0 and not result.not_modified and result.redirects == ()


async def test_sends_an_honest_user_agent_and_accept_headers(site: LoopbackSite) -> None:
    site.set("/privacy", POLICY)
    await fetch(site, "/privacy", settings(user_agent="policywatch-test/1.0 (+mailto:team@example.org)"))
    headers = site.requests_to("/privacy")[0].headers
    assert headers["user-agent"] == "policywatch-test/1.0 (+mailto:team@example.org)"
    assert headers["accept-language"] == "en"
    assert "text/html" in headers["accept"]


async def test_matching_etag_gives_not_modified_without_body(site: LoopbackSite) -> None:
    site.set("/privacy", POLICY, etag='"v1"')
    result = await fetch(site, "/privacy", etag='"v1"')
    assert site.requests_to("/privacy")[0].headers["if-none-match"] == '"v1"'
    assert (result.status, result.not_modified, result.body) == (304, True, b"")
    assert result.etag == '"v1"'


async def test_matching_last_modified_gives_not_modified(site: LoopbackSite) -> None:
    stamp = "Wed, 01 May 2024 10:00:00 GMT"
    site.set("/privacy", POLICY, last_modified=stamp)
    result = await fetch(site, "/privacy", last_modified=stamp)
    assert site.requests_to("/privacy")[0].headers["if-modified-since"] == stamp
    assert result.not_modified


async def test_changed_etag_gives_the_new_body(site: LoopbackSite) -> None:
    site.set("/privacy", POLICY, etag='"v2"')
    result = await fetch(site, "/privacy", etag='"v1"')
    assert (result.status, result.not_modified, result.etag) == (200, False, '"v2"')
    assert result.body == POLICY.encode()


async def test_redirects_are_followed_to_the_final_url(site: LoopbackSite) -> None:
    site.redirect("/old", "/moved", status=301)
    site.redirect("/moved", "/privacy", status=302)
    site.set("/privacy", POLICY)
    result = await fetch(site, "/old")
    assert result.url == site.url("/privacy")
    assert result.redirects == (site.url("/old"), site.url("/moved"))
    assert result.body == POLICY.encode()


async def test_too_many_redirects_is_an_error(site: LoopbackSite) -> None:
    site.redirect("/a", "/b")
    site.redirect("/b", "/a")
    with pytest.raises(FetchError) as caught:
        await fetch(site, "/a", settings(max_redirects=3))
    assert caught.value.reason == "too_many_redirects"


async def test_wrong_charset_label_still_gives_the_right_text(site: LoopbackSite) -> None:
    site.set("/privacy", "<p>We don’t sell data – café</p>".encode("cp1252"))
    result = await fetch(site, "/privacy")
    assert "We don’t sell data – café" in decode_body(result.body, result.content_type)
    assert extract(result.body, content_type=result.content_type) == "We don’t sell data – café"


# -- size cap ----------------------------------------------------------------------------------------


async def test_oversized_body_is_refused_by_content_length(site: LoopbackSite) -> None:
    site.set("/big", "x" * 5_000)
    with pytest.raises(ContentTooLarge) as caught:
        await fetch(site, "/big", settings(max_bytes=1_000))
    assert (caught.value.reason, caught.value.status) == ("too_large", 200)


async def test_oversized_chunked_body_is_refused_while_streaming(site: LoopbackSite) -> None:
    site.set("/big", b"x" * 200_000, chunked=True)
    with pytest.raises(ContentTooLarge):
        await fetch(site, "/big", settings(max_bytes=50_000))
    assert site.count("/big") == 1


async def test_body_exactly_at_the_limit_is_accepted(site: LoopbackSite) -> None:
    site.set("/edge", b"y" * 1_000, chunked=True)
    result = await fetch(site, "/edge", settings(max_bytes=1_000))
    assert len(result.body) == 1_000


# -- faults and retries ------------------------------------------------------------------------------


async def test_client_errors_are_not_retried(site: LoopbackSite) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch(site, "/missing")
    assert (caught.value.reason, caught.value.status) == ("http_404", 404)
    assert site.count("/missing") == 1


async def test_server_errors_are_retried_until_success(site: LoopbackSite) -> None:
    site.set("/privacy", POLICY)
    site.fail("/privacy", status=500, times=2)
    result = await fetch(site, "/privacy")
    assert result.status == 200
    assert site.count("/privacy") == 3


async def test_persistent_server_errors_fail_after_the_retries(site: LoopbackSite) -> None:
    site.fail("/privacy", status=502)
    with pytest.raises(FetchError) as caught:
        await fetch(site, "/privacy", settings(retries=2))
    assert (caught.value.reason, caught.value.status) == ("http_502", 502)
    assert site.count("/privacy") == 3


async def test_retry_after_on_429_is_honoured(site: LoopbackSite) -> None:
    site.set("/privacy", POLICY)
    site.fail("/privacy", status=429, times=1, retry_after=1)
    result = await fetch(site, "/privacy")
    assert result.status == 200
    assert gaps(site, "/privacy")[0] >= 0.99


async def test_retry_after_on_503_is_honoured(site: LoopbackSite) -> None:
    site.set("/privacy", POLICY)
    site.fail("/privacy", status=503, times=1, retry_after=1)
    await fetch(site, "/privacy")
    assert gaps(site, "/privacy")[0] >= 0.99


async def test_retry_after_over_the_cap_fails_without_waiting(site: LoopbackSite) -> None:
    site.fail("/privacy", status=429, retry_after=3600)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        await fetch(site, "/privacy", settings(max_retry_after="10s"))
    assert (caught.value.reason, caught.value.status) == ("http_429", 429)
    assert site.count("/privacy") == 1
    assert time.monotonic() - started < 2


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 01 May 2024 10:00:30 GMT", now=now) == 30
    assert parse_retry_after("Wed, 01 May 2024 09:00:00 GMT", now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


async def test_slow_server_times_out(site: LoopbackSite) -> None:
    site.set("/privacy", POLICY)
    site.fail("/privacy", status=None, delay=2)
    with pytest.raises(FetchError) as caught:
        await fetch(site, "/privacy", settings(timeout="200ms", retries=0))
    assert caught.value.reason == "timeout"


async def test_timeouts_are_retried(site: LoopbackSite) -> None:
    site.set("/privacy", POLICY)
    site.fail("/privacy", status=None, delay=2, times=1)
    result = await fetch(site, "/privacy", settings(timeout="300ms", retries=1))
    assert result.status == 200
    assert site.count("/privacy") == 2


async def test_connection_reset_is_a_connection_error_after_retries(site: LoopbackSite) -> None:
    site.fail("/privacy", reset=True)
    with pytest.raises(FetchError) as caught:
        await fetch(site, "/privacy", settings(retries=1))
    assert caught.value.reason == "connection"
    assert site.count("/privacy") == 2


async def test_refused_connection_is_a_connection_error() -> None:
    with LoopbackSite() as gone:
        url = gone.url("/privacy")
    async with Fetcher(settings(retries=0, respect_robots=False)) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(url)
    assert caught.value.reason == "connection"


async def test_non_http_url_is_rejected() -> None:
    async with Fetcher(settings()) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch("ftp://example.org/privacy")
    assert caught.value.reason == "invalid_url"


# -- robots.txt --------------------------------------------------------------------------------------


async def test_robots_disallow_raises_without_fetching_the_page(site: LoopbackSite) -> None:
    site.robots = "User-agent: *\nDisallow: /legal/\n"
    site.set("/legal/privacy", POLICY)
    with pytest.raises(RobotsDisallowed) as caught:
        await fetch(site, "/legal/privacy")
    assert caught.value.reason == "robots_disallowed"
    assert site.count("/legal/privacy") == 0


async def test_robots_rules_for_our_user_agent_apply(site: LoopbackSite) -> None:
    site.robots = "User-agent: policywatch\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    site.set("/privacy", POLICY)
    with pytest.raises(RobotsDisallowed):
        await fetch(site, "/privacy")


async def test_ignore_robots_bypasses_a_disallow(site: LoopbackSite) -> None:
    site.robots = "User-agent: *\nDisallow: /\n"
    site.set("/privacy", POLICY)
    result = await fetch(site, "/privacy", ignore_robots=True)
    assert result.status == 200
    assert site.count("/robots.txt") == 0


async def test_respect_robots_off_bypasses_a_disallow(site: LoopbackSite) -> None:
    site.robots = "User-agent: *\nDisallow: /\n"
    site.set("/privacy", POLICY)
    assert (await fetch(site, "/privacy", settings(respect_robots=False))).status == 200


async def test_robots_is_downloaded_once_per_host(site: LoopbackSite) -> None:
    site.robots = "User-agent: *\nDisallow: /private\n"
    site.set("/a", POLICY)
    site.set("/b", POLICY)
    async with Fetcher(settings()) as fetcher:
        await asyncio.gather(fetcher.fetch(site.url("/a")), fetcher.fetch(site.url("/b")))
        await fetcher.fetch(site.url("/a"))
    assert site.count("/robots.txt") == 1


@pytest.mark.parametrize("robots_status", [404, 403, 500])
async def test_missing_or_broken_robots_allows_fetching(site: LoopbackSite, robots_status: int) -> None:
    site.fail("/robots.txt", status=robots_status)
    site.set("/privacy", POLICY)
    assert (await fetch(site, "/privacy")).status == 200


# -- politeness --------------------------------------------------------------------------------------


async def test_crawl_delay_spaces_requests_to_the_host(site: LoopbackSite) -> None:
    site.robots = "User-agent: *\nCrawl-delay: 0.5\n"
    site.set("/privacy", POLICY)
    log = StartLog()
    async with Fetcher(settings(), transport=log) as fetcher:
        await asyncio.gather(*(fetcher.fetch(site.url("/privacy")) for _ in range(3)))
    spacing = log.gaps("/privacy")
    assert len(spacing) == 2
    assert all(gap >= 0.49 for gap in spacing)


async def test_per_host_interval_spaces_request_starts(site: LoopbackSite) -> None:
    site.set("/privacy", POLICY)
    log = StartLog()
    async with Fetcher(settings(per_host_interval="300ms", respect_robots=False), transport=log) as fetcher:
        await asyncio.gather(*(fetcher.fetch(site.url("/privacy")) for _ in range(3)))
    spacing = log.gaps("/privacy")
    assert len(spacing) == 2
    assert all(gap >= 0.29 for gap in spacing)


async def test_per_host_interval_does_not_delay_other_hosts(site: LoopbackSite) -> None:
    site.set("/privacy", POLICY)
    with LoopbackSite() as other:
        other.set("/privacy", POLICY)
        async with Fetcher(settings(per_host_interval="2s", respect_robots=False)) as fetcher:
            started = time.monotonic()
            await asyncio.gather(fetcher.fetch(site.url("/privacy")), fetcher.fetch(other.url("/privacy")))
            assert time.monotonic() - started < 1.5


async def test_concurrency_caps_requests_in_flight(site: LoopbackSite) -> None:
    site.set("/a", POLICY)
    site.set("/b", POLICY)
    site.fail("/a", status=None, delay=0.4)
    log = StartLog()
    async with Fetcher(settings(concurrency=1, respect_robots=False), transport=log) as fetcher:
        await asyncio.gather(fetcher.fetch(site.url("/a")), fetcher.fetch(site.url("/b")))
    (_, first), (_, second) = log.starts
    assert second - first >= 0.4


async def test_fetch_outside_the_context_manager_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError):
        await Fetcher(settings(respect_robots=False)).fetch("http://127.0.0.1:9/privacy")
