"""The database side of archive backfill: run state, stored digests, and small reads and writes.

Every function is one short transaction; :mod:`monitor.run.backfill` calls them from a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from monitor.config import PolicySettings, Settings
from monitor.pipeline.ingest import RawCapture, new_snapshot
from monitor.sources.wayback import Capture
from storage import queries
from storage.engine import session_scope
from storage.models import ARCHIVE, BackfillState, Change, Policy, Snapshot, Version, utcnow
from storage.outbox import enqueue_backfill_digest


class Counted(Protocol):
    """The counters of a run that ``backfill_state`` keeps (a BackfillSummary)."""

    listed: int
    fetched: int
    new_versions: int


@dataclass(frozen=True)
class Run:
    """One backfill run of a policy: new or resumed, when it started, and the CDX page to list first."""

    policy_id: int
    started_at: datetime
    resume_key: str | None
    resumed: bool


@dataclass
class Seen:
    """Digests stored for the policy: when each was captured, and the version it became (None: not one)."""

    times: dict[str, set[datetime]] = field(default_factory=dict)
    version_of: dict[str, int | None] = field(default_factory=dict)

    def add(self, digest: str, at: datetime, version_id: int | None) -> None:
        self.times.setdefault(digest, set()).add(at)
        if version_id is not None or digest not in self.version_of:
            self.version_of[digest] = version_id


def iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def start_run(engine: Engine, name: str, since: date | None, until: date | None) -> Run:
    """Resume the unfinished run with the same range, or start a new one (the command synced the policies)."""
    with session_scope(engine) as session:
        policy = queries.get_policy(session, name)
        assert policy.id is not None
        state = session.get(BackfillState, policy.id)
        same_range = state is not None and (state.since, state.until) == (iso(since), iso(until))
        if state is not None and state.completed_at is None and same_range and state.started_at:
            return Run(policy.id, state.started_at, state.resume_key, True)
        state = state or BackfillState(policy_id=policy.id)
        state.since, state.until, state.resume_key = iso(since), iso(until), None
        state.listed = state.fetched = state.new_versions = 0
        state.started_at, state.completed_at = utcnow(), None
        session.add(state)
        return Run(policy.id, state.started_at, None, False)


def load_seen(engine: Engine, policy_id: int) -> Seen:
    seen = Seen()
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


def save_progress(
    engine: Engine, policy_id: int, resume_key: str | None, base: BackfillState, summary: Counted
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


def finish(engine: Engine, policy_id: int, *, complete: bool) -> None:
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


def counters(engine: Engine, policy_id: int) -> BackfillState:
    with session_scope(engine) as session:
        state = session.get(BackfillState, policy_id)
        return BackfillState(
            policy_id=policy_id,
            listed=state.listed if state else 0,
            fetched=state.fetched if state else 0,
            new_versions=state.new_versions if state else 0,
        )


def text_of_version(engine: Engine, version_id: int) -> str:
    with session_scope(engine) as session:
        version = session.get(Version, version_id)
        assert version is not None
        return queries.version_text(version)


def raw_capture(capture: Capture) -> RawCapture:
    """A capture as the store step keeps it: the original bytes, with the archive's digest."""
    return RawCapture(
        url=capture.url,
        body=capture.body,
        status_code=capture.status,
        content_type=capture.content_type,
        headers=capture.headers,
        fetched_at=utcnow(),
        archive_digest=capture.row.digest,
        archived_at=capture.row.captured_at,
    )


def record_not_a_version(engine: Engine, policy_id: int, capture: Capture) -> None:
    """Keep the digest of a capture that is no version, so no later run fetches it again."""
    with session_scope(engine) as session:
        session.add(new_snapshot(session, policy_id, raw_capture(capture)))


def queue_digest(engine: Engine, settings: Settings, policy_settings: PolicySettings, run: Run) -> int:
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
