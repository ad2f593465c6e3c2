"""The fetch step: one polite, bounded, retrying HTTP GET per policy check.

:class:`Fetcher` owns one shared ``httpx.AsyncClient`` (keep-alive, HTTP/1.1) for the life of a run.
Every request goes through :class:`monitor.sources.politeness.Throttle` (global concurrency cap and per-host
spacing) and, unless told otherwise, robots.txt. Failures become :class:`monitor.errors.FetchError`
with a short ``reason`` (``timeout``, ``connection``, ``http_503``, ``too_many_redirects`` ...).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Self

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from monitor.config import FetchSettings
from monitor.core.extract import split_content_type
from monitor.errors import FetchError, RobotsDisallowed
from monitor.sources.body import ACCEPT_ENCODING, BodyLimits, read_body
from monitor.sources.politeness import RobotsAnswer, RobotsCache, Throttle, host_key
from monitor.sources.transport import ThreadedTransport

log = logging.getLogger(__name__)

ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,text/markdown;q=0.8,*/*;q=0.5"
KEPT_HEADERS = (
    "content-type",
    "content-length",
    "content-language",
    "content-encoding",
    "etag",
    "last-modified",
    "date",
    "cache-control",
    "expires",
    "age",
    "server",
    "retry-after",
    "x-robots-tag",
)
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 lets crawlers stop parsing after 500 KiB
RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class FetchResult:
    """One successful (2xx or 304) answer."""

    url: str  # final URL, after redirects
    status: int
    body: bytes  # b"" on 304
    content_type: str | None
    charset: str | None  # as declared in the Content-Type header
    etag: str | None
    last_modified: str | None
    headers: dict[str, str]  # a useful subset, lower-case names
    not_modified: bool
    fetched_at: datetime  # UTC, when the response headers arrived
    elapsed_ms: int
    redirects: tuple[str, ...]  # the URLs that answered with a redirect, in order
    renderer: str = "static"  # "browser" when headless Chromium produced the body (monitor/sources/page.py)


class _Transient(FetchError):
    """A failure worth retrying; ``retry_after`` is the server's requested pause in seconds."""

    def __init__(
        self, message: str, *, reason: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, reason=reason, status=status)
        self.retry_after = retry_after


class Fetcher:
    """``async with Fetcher(settings) as fetcher: result = await fetcher.fetch(url)``."""

    def __init__(self, settings: FetchSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._throttle = Throttle(
            settings.concurrency, default_interval=settings.per_host_interval.total_seconds()
        )
        self._robots = RobotsCache(self._download_robots, ttl=settings.robots_cache_ttl.total_seconds())
        self._timeout = settings.timeout.total_seconds()
        self._limits = BodyLimits(settings.max_bytes, max_ratio=settings.max_compression_ratio)
        self._on_close: list[Callable[[], Awaitable[None]]] = []

    async def __aenter__(self) -> Self:
        limits = httpx.Limits(
            max_connections=self._settings.concurrency * 2,
            max_keepalive_connections=self._settings.concurrency,
        )
        # The threaded transport halves the CPU cost of a request (see monitor/sources/transport.py).
        transport = self._transport or ThreadedTransport(
            workers=self._settings.concurrency, max_bytes=self._settings.max_bytes, limits=limits
        )
        self._client = httpx.AsyncClient(
            transport=transport,
            http1=True,
            http2=False,
            timeout=httpx.Timeout(self._timeout),
            follow_redirects=True,
            max_redirects=self._settings.max_redirects,
            limits=httpx.Limits(
                max_connections=self._settings.concurrency * 2,
                max_keepalive_connections=self._settings.concurrency,
            ),
            headers={
                "User-Agent": self._settings.user_agent,
                "Accept": ACCEPT,
                "Accept-Encoding": ACCEPT_ENCODING,
                "Accept-Language": "en",
            },
            event_hooks={"request": [self._on_request]},
        )
        return self

    async def _on_request(self, request: httpx.Request) -> None:
        self._throttle.request_started(host_key(str(request.url)))

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def user_agent(self) -> str:
        return self._settings.user_agent

    def on_close(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Await ``callback`` when the fetcher closes (the shared browser lives as long as the fetcher)."""
        self._on_close.append(callback)

    async def permit(self, url: str, *, ignore_robots: bool = False) -> float:
        """robots.txt for a request another client sends (the headless browser): the spacing it must keep.

        Raises RobotsDisallowed. Pair with :meth:`paced` around the request itself.
        """
        interval = self._settings.per_host_interval.total_seconds()
        if self._settings.respect_robots and not ignore_robots:
            rules = await self._robots.rules_for(url)
            if not rules.allows(url, self._settings.user_agent):
                raise RobotsDisallowed(f"robots.txt disallows {url} for our User-Agent")
            interval = max(interval, rules.crawl_delay(self._settings.user_agent))
        return interval

    @asynccontextmanager
    async def paced(self, url: str, interval: float) -> AsyncIterator[None]:
        """Per-host pacing and a global fetch slot for a request another client sends, as for our own."""
        async with self._throttle.slot(host_key(url), interval):
            self._throttle.request_started(host_key(url))
            yield

    async def aclose(self) -> None:
        callbacks, self._on_close = self._on_close, []
        for callback in reversed(callbacks):
            await callback()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        ignore_robots: bool = False,
    ) -> FetchResult:
        """GET ``url`` politely; a 304 to the conditional headers gives ``not_modified=True``.

        Raises RobotsDisallowed, ContentTooLarge or FetchError (after the configured retries).
        """
        if not url.startswith(("http://", "https://")):
            raise FetchError(f"not an http(s) URL: {url}", reason="invalid_url")
        interval = self._settings.per_host_interval.total_seconds()
        if self._settings.respect_robots and not ignore_robots:
            rules = await self._robots.rules_for(url)
            if not rules.allows(url, self._settings.user_agent):
                raise RobotsDisallowed(f"robots.txt disallows {url} for our User-Agent")
            interval = max(interval, rules.crawl_delay(self._settings.user_agent))
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._settings.retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            reraise=True,
            before_sleep=_log_retry,
        )
        return await retrying(self._attempt, url, headers, interval)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, _Transient) and error.retry_after is not None:
            return error.retry_after
        # Exponential backoff with full-step jitter so that checks failing together do not retry together.
        initial = self._settings.retry_backoff.total_seconds()
        backoff: float = initial * 2 ** (state.attempt_number - 1) + random.uniform(0, initial)
        return min(backoff, max(initial, self._settings.max_retry_after.total_seconds()))

    async def _attempt(self, url: str, headers: dict[str, str], interval: float) -> FetchResult:
        client = self._require_client()
        async with self._throttle.slot(host_key(url), interval):
            started = time.monotonic()
            with _translate_errors(url):
                async with asyncio.timeout(self._timeout), client.stream("GET", url, headers=headers) as resp:
                    fetched_at = datetime.now(UTC)
                    self._check_status(resp)
                    body = b"" if resp.status_code == 304 else await read_body(resp, self._limits)
        return _result(resp, body, fetched_at, elapsed_ms=int((time.monotonic() - started) * 1000))

    def _check_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if 200 <= status < 300 or status == 304:
            return
        message = f"HTTP {status} from {response.url}"
        if status in RETRY_AFTER_STATUSES:
            pause = parse_retry_after(response.headers.get("retry-after"))
            cap = self._settings.max_retry_after.total_seconds()
            if pause is not None and pause > cap:
                raise FetchError(
                    f"{message}; Retry-After {pause:.0f}s exceeds the {cap:.0f}s cap",
                    reason=f"http_{status}",
                    status=status,
                )
            raise _Transient(message, reason=f"http_{status}", status=status, retry_after=pause)
        if status >= 500:
            raise _Transient(message, reason=f"http_{status}", status=status)
        raise FetchError(message, reason=f"http_{status}", status=status)

    async def _download_robots(self, robots_url: str) -> RobotsAnswer:
        client = self._require_client()
        base_interval = self._settings.per_host_interval.total_seconds()
        async with self._throttle.slot(host_key(robots_url), base_interval):
            try:
                async with asyncio.timeout(self._timeout), client.stream("GET", robots_url) as resp:
                    if not 200 <= resp.status_code < 300:
                        return RobotsAnswer(resp.status_code)
                    body = await read_body(resp, BodyLimits(ROBOTS_MAX_BYTES, truncate=True))
                    return RobotsAnswer(resp.status_code, body.decode("utf-8", errors="replace"))
            except (httpx.HTTPError, TimeoutError) as error:
                log.info("robots.txt download failed for %s: %r", robots_url, error)
                return RobotsAnswer(None)

    def _require_client(self) -> httpx.AsyncClient:
        if self._client is None:
            raise RuntimeError("use Fetcher as an async context manager: async with Fetcher(...) as f")
        return self._client


@contextmanager
def _translate_errors(url: str) -> Iterator[None]:
    """Turn httpx/asyncio failures into FetchErrors; only transient ones are retried."""
    try:
        yield
    except (httpx.TimeoutException, TimeoutError) as error:
        raise _Transient(f"timed out fetching {url}", reason="timeout") from error
    except httpx.TooManyRedirects as error:
        raise FetchError(f"too many redirects from {url}", reason="too_many_redirects") from error
    except httpx.UnsupportedProtocol as error:
        raise FetchError(f"unsupported URL {url}: {error}", reason="invalid_url") from error
    except httpx.DecodingError as error:
        raise FetchError(f"undecodable body from {url}: {error}", reason="bad_encoding") from error
    except httpx.TransportError as error:
        raise _Transient(f"connection failed for {url}: {error!r}", reason="connection") from error
    except httpx.InvalidURL as error:
        raise FetchError(f"invalid URL {url}: {error}", reason="invalid_url") from error


def _result(response: httpx.Response, body: bytes, fetched_at: datetime, *, elapsed_ms: int) -> FetchResult:
    content_type = response.headers.get("content-type")
    return FetchResult(
        url=str(response.url),
        status=response.status_code,
        body=body,
        content_type=content_type,
        charset=split_content_type(content_type)[1],
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        headers={name: response.headers[name] for name in KEPT_HEADERS if name in response.headers},
        not_modified=response.status_code == 304,
        fetched_at=fetched_at,
        elapsed_ms=elapsed_ms,
        redirects=tuple(str(step.url) for step in response.history),
    )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date); None if absent/bad."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    sleep = state.next_action.sleep if state.next_action is not None else 0.0
    log.info("fetch attempt %d failed (%s); retrying in %.2fs", state.attempt_number, error, sleep)
