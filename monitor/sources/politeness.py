"""Politeness for the fetcher: a global concurrency cap, per-host spacing and robots.txt rules.

Kept apart from ``monitor/sources/fetch.py`` so the HTTP attempt logic stays short; nothing here sends a
request itself: :class:`RobotsCache` is handed a download function by the fetcher.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from protego import Protego

log = logging.getLogger(__name__)

# How long an unreachable/5xx robots.txt is trusted as "allow all" before asking again: short, because
# the real rules may forbid us and a transient outage should not hide them for the whole cache TTL.
UNREACHABLE_ROBOTS_TTL = 300.0
# A Crawl-delay above this is capped: longer waits would make a check outlive its scheduling lease, and
# one request a minute is already far below any crawl rate a site could mean to forbid.
MAX_CRAWL_DELAY = 60.0


def host_key(url: str) -> str:
    """The politeness key of a URL: scheme-less ``host[:port]``, lower-case."""
    netloc = urlsplit(url).netloc.lower()
    return netloc.rsplit("@", 1)[-1]


@dataclass
class _HostGate:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0
    interval: float = 0.0


class Throttle:
    """A global concurrency cap plus a minimum interval between request starts on each host."""

    def __init__(self, concurrency: int, *, default_interval: float = 0.0) -> None:
        self._semaphore = asyncio.Semaphore(concurrency)
        self._gates: dict[str, _HostGate] = {}
        self._default_interval = default_interval

    def _gate(self, host: str) -> _HostGate:
        return self._gates.setdefault(host, _HostGate(interval=self._default_interval))

    @asynccontextmanager
    async def slot(self, host: str, min_interval: float) -> AsyncIterator[None]:
        """Wait for the host's next start time and a free global slot; hold the slot while inside.

        The host lock is held while waiting for the global slot so that two requests to one host can
        never start closer than ``min_interval``; sleeping happens before taking a global slot so a
        slow host does not occupy capacity other hosts could use.
        """
        gate = self._gate(host)
        async with gate.lock:
            # A loop, because request_started() may push next_start later while we sleep.
            while (delay := gate.next_start - time.monotonic()) > 0:
                await asyncio.sleep(delay)
            await self._semaphore.acquire()
            gate.interval = min_interval
            gate.next_start = time.monotonic() + min_interval
        try:
            yield
        finally:
            self._semaphore.release()

    def request_started(self, host: str) -> None:
        """A request (or a redirect hop) went on the wire: spacing counts from now, not from the grant.

        Under load the gap between being granted a slot and sending can vary by tens of milliseconds;
        counting from the send keeps the promised spacing exact, and also spaces redirect hops.
        """
        gate = self._gate(host)
        gate.next_start = max(gate.next_start, time.monotonic() + gate.interval)


@dataclass(frozen=True)
class RobotsRules:
    """The parsed robots.txt of one host; ``parser is None`` means everything is allowed."""

    parser: Protego | None
    expires_at: float

    def allows(self, url: str, user_agent: str) -> bool:
        return self.parser is None or bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float:
        if self.parser is None:
            return 0.0
        delay = self.parser.crawl_delay(user_agent)
        return min(float(delay), MAX_CRAWL_DELAY) if delay else 0.0


@dataclass(frozen=True)
class RobotsAnswer:
    """What downloading robots.txt gave: a status (None when unreachable) and the text."""

    status: int | None
    text: str = ""


RobotsDownloader = Callable[[str], Awaitable[RobotsAnswer]]


class RobotsCache:
    """robots.txt per host, downloaded once per ``ttl`` seconds even under concurrent checks."""

    def __init__(self, download: RobotsDownloader, *, ttl: float) -> None:
        self._download = download
        self._ttl = ttl
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def rules_for(self, url: str) -> RobotsRules:
        parts = urlsplit(url)
        host = host_key(url)
        async with self._locks.setdefault(host, asyncio.Lock()):
            cached = self._rules.get(host)
            if cached is not None and cached.expires_at > time.monotonic():
                return cached
            robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
            rules = self._interpret(robots_url, await self._download(robots_url))
            self._rules[host] = rules
            return rules

    def _interpret(self, robots_url: str, answer: RobotsAnswer) -> RobotsRules:
        now = time.monotonic()
        if answer.status is not None and 200 <= answer.status < 300:
            return RobotsRules(Protego.parse(answer.text), now + self._ttl)
        if answer.status is not None and 400 <= answer.status < 500:
            # No robots.txt (or a forbidden one) means no restrictions, per RFC 9309.
            return RobotsRules(None, now + self._ttl)
        log.warning(
            "robots.txt unavailable (%s) at %s; allowing fetches for now",
            answer.status if answer.status is not None else "unreachable",
            robots_url,
        )
        return RobotsRules(None, now + min(self._ttl, UNREACHABLE_ROBOTS_TTL))
