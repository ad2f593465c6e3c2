"""Archive backfill: bring a policy's Wayback Machine captures into the same history as live checks.

Each usable CDX row goes through the same steps as a live check — extract, anomaly check, then
:func:`monitor.store.ingest_text` (segment → diff → classify → store) — with ``source="archive"`` and
``archived_at`` = the capture time, so archived and live versions interleave in one history by time.

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
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.config import PolicySettings, Settings
from monitor.errors import ArchiveError, ConfigError
from monitor.extract import extract
from monitor.materiality import detect_anomaly
from monitor.store import RawCapture, ingest_text
from monitor.wayback import Capture, WaybackClient
from monitor.wayback_cdx import CdxPage, CdxRow, RowDeduper
from notifiers.outbox import enqueue_backfill_digest
from storage import queries
from storage.codec import encode, sha256_hex
from storage.engine import session_scope
from storage.models import ARCHIVE, BackfillState, Change, Policy, Snapshot, Version, utcnow

#: Bodies larger than this are extracted in a worker thread, so a big capture cannot stall the loop.
THREAD_EXTRACT_BYTES = 200_000


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


@dataclass(frozen=True)
class _Run:
    policy_id: int
    started_at: datetime
    resume_key: str | None
    resumed: bool


@dataclass
class _Seen:
    """Digests stored for the policy: when each was captured, and the version it became (None: not one)."""

    times: dict[str, set[datetime]] = field(default_factory=dict)
    version_of: dict[str, int | None] = field(default_factory=dict)

    def add(self, digest: str, at: datetime, version_id: int | None) -> None:
        self.times.setdefault(digest, set()).add(at)
        if version_id is not None or digest not in self.version_of:
            self.version_of[digest] = version_id


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _policy_row(session: Session, settings: Settings, name: str) -> Policy:
    row = session.exec(select(Policy).where(Policy.name == name)).first()
    if row is None:
        queries.sync_policies(session, settings)
        row = queries.get_policy(session, name)
    return row


def _start_run(engine: Engine, settings: Settings, name: str, since: date | None, until: date | None) -> _Run:
    """Resume the unfinished run with the same range, or start a new one."""
    with session_scope(engine) as session:
        policy = _policy_row(session, settings, name)
        assert policy.id is not None
        state = session.get(BackfillState, policy.id)
        same_range = state is not None and (state.since, state.until) == (_iso(since), _iso(until))
        if state is not None and state.completed_at is None and same_range and state.started_at:
            return _Run(policy.id, state.started_at, state.resume_key, True)
        state = state or BackfillState(policy_id=policy.id)
        state.since, state.until, state.resume_key = _iso(since), _iso(until), None
        state.listed = state.fetched = state.new_versions = 0
        state.started_at, state.completed_at = utcnow(), None
        session.add(state)
        return _Run(policy.id, state.started_at, None, False)


def _load_seen(engine: Engine, policy_id: int) -> _Seen:
    seen = _Seen()
    with session_scope(engine) as session:
        rows = session.exec(
            select(Snapshot.archive_digest, Snapshot.archived_at, Snapshot.version_id).where(
                Snapshot.policy_id == policy_id,
                Snapshot.source == ARCHIVE,
                col(Snapshot.archive_digest).is_not(None),
            )
        ).all()
    for digest, archived_at, version_id in rows:
        if digest is not None and archived_at is not None:
            seen.add(digest, archived_at, version_id)
    return seen


def _save_progress(
    engine: Engine, policy_id: int, resume_key: str | None, base: BackfillState, summary: BackfillSummary
) -> None:
    with session_scope(engine) as session:
        state = session.get(BackfillState, policy_id)
        if state is None:
            return
        state.resume_key = resume_key
        state.listed = base.listed + summary.listed
        state.fetched = base.fetched + summary.fetched
        state.new_versions = base.new_versions + summary.new_versions
        session.add(state)


def _finish(engine: Engine, policy_id: int, *, complete: bool) -> None:
    """Close the run; only a run with nothing left to retry marks the policy as backfilled."""
    now = utcnow()
    with session_scope(engine) as session:
        state = session.get(BackfillState, policy_id)
        if state is not None:
            state.resume_key = None
            state.completed_at = now if complete else None
            session.add(state)
        if complete:
            policy = session.get(Policy, policy_id)
            if policy is not None:
                policy.backfilled_at = now
                session.add(policy)


def _counters(engine: Engine, policy_id: int) -> BackfillState:
    with session_scope(engine) as session:
        state = session.get(BackfillState, policy_id)
        return BackfillState(
            policy_id=policy_id,
            listed=state.listed if state else 0,
            fetched=state.fetched if state else 0,
            new_versions=state.new_versions if state else 0,
        )


def _text_of_version(engine: Engine, version_id: int) -> str:
    with session_scope(engine) as session:
        version = session.get(Version, version_id)
        assert version is not None
        return queries.version_text(version)


def _text_before(engine: Engine, policy_id: int, moment: datetime) -> str | None:
    with session_scope(engine) as session:
        before, _after = queries.time_neighbours(session, policy_id, moment)
        return queries.version_text(before) if before is not None else None


def _record_not_a_version(engine: Engine, policy_id: int, capture: Capture) -> None:
    """Keep the digest of a capture that is no version, so no later run fetches it again."""
    codec, blob = encode(capture.body)
    with session_scope(engine) as session:
        session.add(
            Snapshot(
                policy_id=policy_id,
                source=ARCHIVE,
                fetched_at=utcnow(),
                archived_at=capture.row.captured_at,
                archive_digest=capture.row.digest,
                url=capture.url,
                status_code=capture.status,
                content_type=capture.content_type,
                headers=capture.headers,
                body_sha256=sha256_hex(capture.body),
                body_size=len(capture.body),
                body_codec=codec,
                body=blob,
                version_id=None,
            )
        )


class _Backfill:
    """One run over the CDX pages of one policy; counts into ``summary`` as it goes."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        policy: PolicySettings,
        wayback: WaybackClient,
        run: _Run,
        summary: BackfillSummary,
        progress: Progress | None,
    ) -> None:
        self.settings, self.engine, self.policy, self.wayback = settings, engine, policy, wayback
        self.run, self.summary, self.progress = run, summary, progress
        self.seen = _Seen()
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
                # The same bytes at another time (a return to an earlier text, say): no request needed.
                text = await asyncio.to_thread(_text_of_version, self.engine, version_id)
                await self.ingest(row, text, raw=None)
            return
        try:
            capture = await self.wayback.fetch_capture(row)
        except ArchiveError:
            self.summary.failed += 1
            return
        await self.capture(capture)

    async def capture(self, capture: Capture) -> None:
        row = capture.row
        if not capture.is_version:
            if capture.kind in ("redirect", "other_timestamp"):
                self.summary.redirects += 1
            else:
                self.summary.unusable += 1
            await self.not_a_version(capture)
            return
        self.summary.fetched += 1
        text = await self.extract(capture)
        previous = await asyncio.to_thread(_text_before, self.engine, self.run.policy_id, row.captured_at)
        if detect_anomaly(previous, text) is not None:
            self.summary.anomalies += 1
            await self.not_a_version(capture)
            return
        raw = RawCapture(
            url=capture.url,
            body=capture.body,
            status_code=capture.status,
            content_type=capture.content_type,
            headers=capture.headers,
            fetched_at=utcnow(),
            archive_digest=row.digest,
        )
        await self.ingest(row, text, raw=raw)

    async def not_a_version(self, capture: Capture) -> None:
        await asyncio.to_thread(_record_not_a_version, self.engine, self.run.policy_id, capture)
        self.seen.add(capture.row.digest, capture.row.captured_at, None)

    async def extract(self, capture: Capture) -> str:
        def run() -> str:
            try:
                return extract(
                    capture.body,
                    content_type=capture.content_type,
                    url=capture.row.original,
                    select=self.policy.select,
                    remove=self.policy.remove,
                )
            except ValueError as error:
                raise ConfigError(f"policies.{self.policy.name}: select/remove: {error}") from None

        if len(capture.body) > THREAD_EXTRACT_BYTES:
            return await asyncio.to_thread(run)
        return run()

    async def ingest(self, row: CdxRow, text: str, *, raw: RawCapture | None) -> None:
        at = row.captured_at
        result = await asyncio.to_thread(
            ingest_text,
            self.engine,
            self.settings,
            self.policy,
            text,
            observed_at=at,
            source=ARCHIVE,
            archived_at=at,
            raw=raw,
            alerts=False,
        )
        if result.outcome == "unchanged":
            self.summary.unchanged += 1
        else:
            self.summary.new_versions += 1
        if raw is not None:
            self.seen.add(row.digest, at, result.version_id)
        self._tell()

    async def go(self, since: date | None, until: date | None) -> None:
        base = await asyncio.to_thread(_counters, self.engine, self.run.policy_id)
        self.seen = await asyncio.to_thread(_load_seen, self.engine, self.run.policy_id)
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
                        _save_progress, self.engine, self.run.policy_id, key, base, self.summary
                    )
        except BaseException:
            # Interrupted (Ctrl-C, cancel, a failing CDX call): keep the counters; the resume key
            # already points at the page in progress.
            _save_progress(self.engine, self.run.policy_id, key, base, self.summary)
            raise
        self.summary.complete = self.summary.failed == 0
        await asyncio.to_thread(_finish, self.engine, self.run.policy_id, complete=self.summary.complete)
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


def _queue_digest(engine: Engine, settings: Settings, policy_settings: PolicySettings, run: _Run) -> int:
    """Queue the run's material changes as one digest per notifier."""
    with session_scope(engine) as session:
        policy = session.get(Policy, run.policy_id)
        assert policy is not None
        changes = list(
            session.exec(
                select(Change)
                .where(
                    Change.policy_id == run.policy_id,
                    col(Change.material).is_(True),
                    col(Change.superseded).is_(False),
                    col(Change.created_at) >= run.started_at,
                )
                .order_by(col(Change.id))
            ).all()
        )
        group = f"backfill:{policy_settings.name}:{run.started_at.isoformat()}"
        return len(enqueue_backfill_digest(session, settings, policy_settings, policy, changes, group=group))


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

    Raises ArchiveError when the CDX listing cannot be read (the run stays resumable); captures that
    fail are counted in ``failed`` and retried by the next run.
    """
    run = await asyncio.to_thread(_start_run, engine, settings, policy_settings.name, since, until)
    summary = BackfillSummary(policy=policy_settings.name, resumed=run.resumed)
    async with _client_scope(settings, engine, client) as wayback:
        backfill = _Backfill(settings, engine, policy_settings, wayback, run, summary, progress)
        await backfill.go(since, until)
    if notify and summary.complete:
        summary.alerts = await asyncio.to_thread(_queue_digest, engine, settings, policy_settings, run)
    return summary


def policies_to_backfill(engine: Engine, settings: Settings) -> list[PolicySettings]:
    """Enabled policies with ``archive = true`` whose backfill has not completed yet (for the daemon)."""
    wanted = [policy for policy in settings.policies if policy.archive and policy.enabled]
    if not wanted:
        return []
    with session_scope(engine) as session:
        done = set(
            session.exec(
                select(Policy.name).where(
                    col(Policy.name).in_([policy.name for policy in wanted]),
                    col(Policy.backfilled_at).is_not(None),
                )
            ).all()
        )
    return [policy for policy in wanted if policy.name not in done]
