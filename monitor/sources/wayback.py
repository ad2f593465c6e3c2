"""An async, polite client of the Wayback Machine: the CDX listing and raw (``id_``) captures.

Politeness is what the archive asks for and what keeps our IP address from being blocked:

* CDX (and timemap) calls share one limiter, ``wayback:api``, at ``wayback.requests_per_minute``;
  captures have their own, ``wayback:capture``, at ``wayback.captures_per_second``. Both live in the
  database (:mod:`storage.ratelimit`), so every worker on the host shares one budget.
* HTTP 429 pauses *both* limiters for ``wayback.rate_limit_pause`` (the archive sends no Retry-After,
  and ignoring a 429 gets the IP blocked for an hour); the request is then retried.
* 5xx answers and network errors are retried with exponential backoff, ``wayback.retries`` times.
* Every request carries the descriptive User-Agent of ``fetch.user_agent``.

A capture is fetched at its exact CDX timestamp. It is a version only when it answers 200 with a
``Memento-Datetime`` equal to that timestamp: a redirect (to another timestamp or elsewhere), another
status, or a memento of another moment is "not a version".
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Literal, Self

import httpx
from sqlalchemy.engine import Engine
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from monitor.config import Settings
from monitor.errors import ArchiveError, ArchiveRateLimited, ContentTooLarge
from monitor.sources.body import ACCEPT_ENCODING, BodyLimits, read_body
from monitor.sources.wayback_cdx import CdxPage, CdxRow, cdx_params, parse_cdx_json
from storage.models import utcnow
from storage.ratelimit import pause, paused_until, reserve_slot

log = logging.getLogger(__name__)

API_LIMITER = "wayback:api"
CAPTURE_LIMITER = "wayback:capture"
ALL_LIMITERS = (API_LIMITER, CAPTURE_LIMITER)
MAX_BACKOFF = 60.0
PAUSE_CHECK_LEAD = timedelta(milliseconds=20)
MISSED_SLOT = timedelta(milliseconds=25)
MAX_MISSED_SLOTS = 2
KEPT_HEADERS = ("content-type", "content-length", "memento-datetime", "location", "link", "date")

CaptureKind = Literal["ok", "redirect", "other_timestamp", "missing", "too_large"]


@dataclass(frozen=True)
class Capture:
    """What the archive served for one CDX row; only ``kind == "ok"`` is a version."""

    row: CdxRow
    kind: CaptureKind
    url: str
    status: int
    body: bytes
    content_type: str | None
    headers: dict[str, str]
    memento_at: datetime | None

    @property
    def is_version(self) -> bool:
        return self.kind == "ok"


class _ServerError(ArchiveError):
    """A 5xx or a network failure: worth retrying after a backoff."""


class _RateLimited(ArchiveRateLimited):
    """A 429: retried once the shared pause is over."""


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str
    too_large: bool = False


@dataclass
class LocalPause:
    """The latest pause this process knows of, checked without a database round trip."""

    until: datetime | None = None

    def active(self) -> bool:
        return self.until is not None and self.until > utcnow()


class RateGate:
    """Waits for a slot of a database-backed limiter, and never lets a request start during a pause."""

    def __init__(self, engine: Engine, name: str, interval: timedelta, local: LocalPause) -> None:
        self.engine = engine
        self.name = name
        self.interval = interval
        self.local = local

    async def wait(self) -> None:
        missed = 0
        while True:
            start = await asyncio.to_thread(reserve_slot, self.engine, self.name, self.interval)
            if start > utcnow() + PAUSE_CHECK_LEAD:
                # Look for a pause another worker recorded while we waited, just before the slot, so
                # the database round trip does not delay the request itself.
                await sleep_until(start - PAUSE_CHECK_LEAD)
                if await asyncio.to_thread(paused_until, self.engine, self.name) is not None:
                    continue  # our slot fell inside a pause: queue again behind it
            await sleep_until(start)
            if self.local.active():
                continue
            if utcnow() - start > MISSED_SLOT and missed < MAX_MISSED_SLOTS:
                # This process stalled past its slot: sending now would crowd the next slot's request,
                # so take a fresh slot (a bounded number of times: a loaded machine must still progress).
                missed += 1
                continue
            return


async def sleep_until(moment: datetime) -> None:
    delay = (moment - utcnow()).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay)


def parse_memento_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def capture_url(base_url: str, row: CdxRow) -> str:
    """The raw capture: ``id_`` asks for the original bytes, without the archive's toolbar or rewriting."""
    return f"{base_url}/web/{row.timestamp}id_/{row.original}"


def classify_capture(row: CdxRow, answer: _Answer) -> CaptureKind:
    if answer.too_large:
        return "too_large"
    if 300 <= answer.status < 400:
        location = answer.headers.get("location", "")
        return "other_timestamp" if f"/web/{row.timestamp}" not in location else "redirect"
    if answer.status != 200:
        return "missing"
    memento = parse_memento_datetime(answer.headers.get("memento-datetime"))
    if memento is not None and memento != row.captured_at:
        return "other_timestamp"
    return "ok"


class WaybackClient:
    """``async with WaybackClient(settings, engine) as wayback:`` — counts every request it makes."""

    def __init__(
        self, settings: Settings, engine: Engine, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        wayback = settings.wayback
        self.base_url = wayback.base_url
        self.page_limit = wayback.page_limit
        self._settings = settings
        self._engine = engine
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._pause = LocalPause()
        api_interval = timedelta(seconds=60 / wayback.requests_per_minute)
        self._api = RateGate(engine, API_LIMITER, api_interval, self._pause)
        capture_interval = timedelta(seconds=1 / wayback.captures_per_second)
        self._captures = RateGate(engine, CAPTURE_LIMITER, capture_interval, self._pause)
        self.api_calls = 0
        self.capture_calls = 0

    async def __aenter__(self) -> Self:
        self._client = httpx.AsyncClient(
            transport=self._transport,
            timeout=httpx.Timeout(self._settings.fetch.timeout.total_seconds()),
            follow_redirects=False,  # a redirect is an answer about the capture, not a detour
            headers={"User-Agent": self._settings.fetch.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def list_page(
        self, url: str, *, since: date | None = None, until: date | None = None, resume_key: str | None = None
    ) -> CdxPage:
        """One page of the CDX listing of ``url``; ``resume_key`` continues a previous page."""
        params = cdx_params(url, since=since, until=until, limit=self.page_limit, resume_key=resume_key)
        answer = await self._get(self._api, f"{self.base_url}/cdx/search/cdx", params)
        if answer.status != 200:
            raise ArchiveError(f"CDX listing of {url} answered HTTP {answer.status}")
        try:
            payload = json.loads(answer.body or b"[]")
        except ValueError:
            raise ArchiveError(f"CDX listing of {url} is not JSON") from None
        return parse_cdx_json(payload)

    async def fetch_capture(self, row: CdxRow) -> Capture:
        """The raw capture of ``row`` at its exact timestamp, classified (see :class:`Capture`)."""
        answer = await self._get(self._captures, capture_url(self.base_url, row), None)
        kind = classify_capture(row, answer)
        return Capture(
            row=row,
            kind=kind,
            url=answer.url,
            status=answer.status,
            body=answer.body if kind == "ok" else b"",
            content_type=answer.headers.get("content-type") or row.mimetype,
            headers={name: answer.headers[name] for name in KEPT_HEADERS if name in answer.headers},
            memento_at=parse_memento_datetime(answer.headers.get("memento-datetime")),
        )

    async def _get(self, gate: RateGate, url: str, params: dict[str, str] | None) -> _Answer:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._settings.wayback.retries + 1),
            wait=self._backoff,
            retry=retry_if_exception_type((_ServerError, _RateLimited)),
            reraise=True,
        )
        return await retrying(self._attempt, gate, url, params)

    def _backoff(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, _RateLimited):
            return 0.0  # the shared pause is the wait; the gate enforces it
        initial = self._settings.fetch.retry_backoff.total_seconds()
        return float(min(MAX_BACKOFF, initial * 2 ** (state.attempt_number - 1)))

    async def _attempt(self, gate: RateGate, url: str, params: dict[str, str] | None) -> _Answer:
        client = self._require_client()
        await gate.wait()
        if gate is self._api:
            self.api_calls += 1
        else:
            self.capture_calls += 1
        try:
            async with client.stream("GET", url, params=params) as response:
                await self._raise_for_retry(response)
                body, too_large = await self._read(response)
        except httpx.HTTPError as error:
            raise _ServerError(f"archive request {url} failed: {error!r}") from error
        headers = {name.lower(): value for name, value in response.headers.items()}
        return _Answer(response.status_code, headers, body, str(response.url), too_large)

    async def _read(self, response: httpx.Response) -> tuple[bytes, bool]:
        """The body, decoded within ``fetch.max_bytes``/``max_compression_ratio``, or (b"", True)."""
        fetch = self._settings.fetch
        try:
            return await read_body(response, BodyLimits(fetch.max_bytes, fetch.max_compression_ratio)), False
        except ContentTooLarge as error:
            log.info("archive answer refused: %s", error)
            return b"", True

    async def _raise_for_retry(self, response: httpx.Response) -> None:
        status = response.status_code
        if status == 429:
            until = utcnow() + self._settings.wayback.rate_limit_pause
            self._pause.until = max(until, self._pause.until or until)
            await asyncio.to_thread(pause, self._engine, ALL_LIMITERS, until)
            log.warning("archive answered 429; pausing all archive requests until %s", until.isoformat())
            raise _RateLimited(f"the archive rate-limited us (HTTP 429 from {response.url})")
        if status >= 500:
            raise _ServerError(f"archive answered HTTP {status} for {response.url}")

    def _require_client(self) -> httpx.AsyncClient:
        if self._client is None:
            raise RuntimeError("use WaybackClient as an async context manager")
        return self._client
