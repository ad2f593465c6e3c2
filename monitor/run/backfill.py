"""Archive backfill: bring a policy's Wayback Machine captures into the same history as live checks.

Each usable CDX row goes through the same chain as a live check (:meth:`monitor.pipeline.chain.Pipeline.run`),
entering at the extract step with the archived body: extract → anomaly → segment → diff → classify →
store, with ``archived_at`` = the capture time, so archived and live versions interleave in one history by
time. A digest already stored enters at the store step with its stored text.

Idempotent and resumable:

* every capture fetched is kept as an archive snapshot with its CDX digest, including those judged not a
  version (anomalies, redirects), so a re-run requests nothing it has seen;
* a digest seen before at another time is not fetched again: its stored text is ingested at the new time;
* the CDX resume key of the page being worked on is saved in ``backfill_state``, so an interrupted run
  lists again from that page and skips what it already stored.

History sends no alerts; with ``notify=True`` the run's material changes are queued as one digest.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine

from monitor.config import PolicySettings, Settings
from monitor.errors import ArchiveError, ArchiveRateLimited
from monitor.pipeline.chain import CheckOutcome, Pipeline
from monitor.pipeline.values import Observation
from monitor.run import backfill_state as state
from monitor.run.backfill_state import Run, Seen, policies_to_backfill, raw_capture
from monitor.sources.wayback import Capture, WaybackClient
from monitor.sources.wayback_cdx import CdxPage, CdxRow, RowDeduper
from storage.codec import sha256_hex
from storage.models import ARCHIVE

__all__ = ["BackfillSummary", "Progress", "backfill_policy", "policies_to_backfill"]


@dataclass
class BackfillSummary:
    """What one ``backfill_policy`` call did (a resumed run counts only its own part)."""

    policy: str
    listed: int = 0  # usable capture rows listed
    processed: int = 0  # of those, handled so far
    skipped_known: int = 0  # rows whose digest was already stored: no request
    fetched: int = 0  # captures downloaded that were versions or anomalies
    new_versions: int = 0
    unchanged: int = 0  # same text as the neighbouring version: its time range grew
    anomalies: int = 0  # error pages, bot walls, truncated captures: kept as seen, no version
    redirects: int = 0  # 3xx rows and captures that redirect or answer for another timestamp
    revisits: int = 0
    duplicates: int = 0
    malformed: int = 0
    unusable: int = 0  # other statuses, non-text types, captures too large or gone
    failed: int = 0  # captures that could not be fetched now; a re-run retries them
    api_calls: int = 0
    capture_calls: int = 0
    alerts: int = 0
    resumed: bool = False
    complete: bool = False


Progress = Callable[[BackfillSummary], None]


class _Backfill:
    """One run over the CDX pages of one policy; counts into ``summary`` as it goes."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        policy: PolicySettings,
        wayback: WaybackClient,
        run: Run,
        summary: BackfillSummary,
        progress: Progress | None,
    ) -> None:
        self.settings, self.engine, self.policy, self.wayback = settings, engine, policy, wayback
        self.pipeline = Pipeline(settings, engine, worker="backfill")
        self.run, self.summary, self.progress = run, summary, progress
        self.seen = Seen()
        self.dedupe = RowDeduper()
        # A client passed in may have served other policies already: count only this run's calls.
        self.calls_before = (wayback.api_calls, wayback.capture_calls)

    def _tell(self) -> None:
        self.summary.api_calls = self.wayback.api_calls - self.calls_before[0]
        self.summary.capture_calls = self.wayback.capture_calls - self.calls_before[1]
        if self.progress is not None:
            self.progress(self.summary)

    async def pages(
        self, since: date | None, until: date | None
    ) -> AsyncGenerator[tuple[CdxPage, str | None]]:
        key = self.run.resume_key
        while True:
            page = await self.wayback.list_page(self.policy.url, since=since, until=until, resume_key=key)
            yield page, key
            if page.resume_key is None or page.resume_key == key:
                return
            key = page.resume_key

    def count_page(self, page: CdxPage, rows: tuple[CdxRow, ...], duplicates: int) -> None:
        summary = self.summary
        summary.listed += len(rows)
        summary.revisits += page.revisits
        summary.redirects += page.redirects
        summary.unusable += page.unusable
        summary.malformed += page.malformed
        summary.duplicates += duplicates
        self._tell()

    async def row(self, row: CdxRow) -> None:
        times = self.seen.times.get(row.digest)
        if times is not None:
            self.summary.skipped_known += 1
            version_id = self.seen.version_of.get(row.digest)
            if row.captured_at not in times and version_id is not None:
                # The same bytes at another time (a return to an earlier text, say): no request needed;
                # the stored text enters the chain at the store step.
                text = await asyncio.to_thread(state.text_of_version, self.engine, version_id)
                observation = Observation(
                    policy=self.policy.name, text=text, text_sha256=sha256_hex(text),
                    observed_at=row.captured_at, source=ARCHIVE, archived_at=row.captured_at, alerts=False,
                )
                self.count(row, await self.pipeline.run(self.policy, observation), kept=False)
            return
        try:
            capture = await self.wayback.fetch_capture(row)
        except ArchiveRateLimited:
            raise  # still limited after the pauses: going on would get the IP blocked; resume later
        except ArchiveError:
            self.summary.failed += 1  # this capture only; the next run retries it
            return
        await self.capture(capture)

    async def capture(self, capture: Capture) -> None:
        if not capture.is_version:
            if capture.kind in ("redirect", "other_timestamp"):
                self.summary.redirects += 1
            else:
                self.summary.unusable += 1
            await asyncio.to_thread(state.record_not_a_version, self.engine, self.run.policy_id, capture)
            self.seen.add(capture.row.digest, capture.row.captured_at, None)
            return
        self.summary.fetched += 1
        # The chain from its extract step: extract → anomaly → segment → diff → classify → store.
        self.count(capture.row, await self.pipeline.run(self.policy, raw_capture(capture)), kept=True)

    def count(self, row: CdxRow, outcome: CheckOutcome, *, kept: bool) -> None:
        if outcome.outcome == "anomaly":
            self.summary.anomalies += 1  # kept as a snapshot that is no version
        elif outcome.outcome == "failed":
            self.summary.unusable += 1  # no text in it (an image, a scanned PDF): kept, no version
        elif outcome.outcome == "unchanged":
            self.summary.unchanged += 1
        else:
            self.summary.new_versions += 1
        if kept:
            self.seen.add(row.digest, row.captured_at, outcome.version_id)
        self._tell()

    async def go(self, since: date | None, until: date | None) -> None:
        base = await asyncio.to_thread(state.counters, self.engine, self.run.policy_id)
        self.seen = await asyncio.to_thread(state.load_seen, self.engine, self.run.policy_id)
        key: str | None = self.run.resume_key
        try:
            async with aclosing(self.pages(since, until)) as pages:
                async for page, key in pages:
                    rows, duplicates = self.dedupe.fresh(page.rows)
                    self.count_page(page, rows, duplicates)
                    for row in rows:
                        await self.row(row)
                        self.summary.processed += 1
                        self._tell()
                    key = page.resume_key
                    await asyncio.to_thread(
                        state.save_progress, self.engine, self.run.policy_id, key, base, self.summary
                    )
        except BaseException:
            # Interrupted (Ctrl-C, cancel, a failing CDX call): keep the counters; the resume key
            # already points at the page in progress.
            state.save_progress(self.engine, self.run.policy_id, key, base, self.summary)
            raise
        self.summary.complete = self.summary.failed == 0
        await asyncio.to_thread(state.finish, self.engine, self.run.policy_id, complete=self.summary.complete)
        self._tell()


@asynccontextmanager
async def _client_scope(
    settings: Settings, engine: Engine, client: WaybackClient | None
) -> AsyncIterator[WaybackClient]:
    if client is not None:
        yield client
        return
    async with WaybackClient(settings, engine) as owned:
        yield owned


async def backfill_policy(
    settings: Settings,
    engine: Engine,
    policy_settings: PolicySettings,
    *,
    since: date | None = None,
    until: date | None = None,
    notify: bool = False,
    progress: Progress | None = None,
    client: WaybackClient | None = None,
) -> BackfillSummary:
    """Import the policy's archived captures between ``since`` and ``until`` (whole days, included).

    Raises ArchiveError when the CDX listing cannot be read, and ArchiveRateLimited when the archive
    keeps answering 429 after the pauses; the run stays resumable. Captures that fail otherwise are
    counted in ``failed`` and retried by the next run.
    """
    run = await asyncio.to_thread(state.start_run, engine, policy_settings.name, since, until)
    summary = BackfillSummary(policy=policy_settings.name, resumed=run.resumed)
    async with _client_scope(settings, engine, client) as wayback:
        backfill = _Backfill(settings, engine, policy_settings, wayback, run, summary, progress)
        await backfill.go(since, until)
    if notify and summary.complete:
        summary.alerts = await asyncio.to_thread(state.queue_digest, engine, settings, policy_settings, run)
    return summary
