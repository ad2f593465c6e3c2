"""The store and notify steps, and the reads and analysis they need.

* :func:`read_neighbours` — one short read: the versions around the observed moment, with their texts;
* :func:`plan` — pure: the analyses (segment → diff → classify) of the pairs the new text forms;
* :func:`store` — inside the caller's transaction: extend a version or add one with its change records,
  snapshot, search index, check event and health; ``None`` when another writer moved the neighbours;
* :func:`notify` — in the same transaction: queue the material change's alerts in the outbox;
* :func:`keep_rejected` — a capture that is no version (an anomaly) is kept for inspection, and for a
  live check counted as a failed check, in one transaction.

The analysis runs before the write transaction, so a SQLite write lock is held for milliseconds, and a
crash at any point leaves either the whole version (change, alerts, health) or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from monitor.config import PolicySettings, Settings
from monitor.core.analysis import Analysis, analyse
from monitor.core.extract import body_charset
from monitor.core.facts import version_facts
from monitor.pipeline.health import record_failure, record_success
from monitor.pipeline.values import (
    Failure,
    LiveCheck,
    Neighbours,
    Observation,
    Plan,
    Provenance,
    RawCapture,
    Stored,
    VersionRef,
)
from storage import queries
from storage.codec import sha256_hex
from storage.engine import session_scope
from storage.models import ARCHIVE, LIVE, Change, CheckEvent, Policy, Snapshot, Version
from storage.outbox import enqueue_change_alerts
from storage.search import index_version
from storage.snapshots import encode_body
from storage.texts import encode_new_version

__all__ = [
    "IngestResult", "Provenance", "RawCapture", "SeriesItem", "Written", "keep_rejected", "new_snapshot",
    "notify", "plan", "read_neighbours", "store", "version_ref",
]

#: What the store step did for one text (the name imports use).
IngestResult = Stored
REEXTRACTION_NOTE = "Re-extraction (technical or declaration upgrade), not a change of the document. "


@dataclass(frozen=True)
class SeriesItem:
    """One text of a time-ordered import run (see ``monitor.pipeline.chain.ingest_series``)."""

    text: str
    observed_at: datetime
    provenance: Provenance | None = None
    #: The text is a re-extraction of the same document: its change is stored but never material.
    reextraction: bool = False

def version_ref(version: Version | None) -> VersionRef | None:
    if version is None:
        return None
    assert version.id is not None
    return VersionRef(version.id, version.number, version.text_sha256, version.language)


def read_neighbours(engine: Engine, policy_id: int, observed_at: datetime, text_sha256: str) -> Neighbours:
    """The versions around ``observed_at``; their texts are decoded only if a change must be analysed."""
    with session_scope(engine) as session:
        before, after = queries.time_neighbours(session, policy_id, observed_at)
        same = any(v is not None and v.text_sha256 == text_sha256 for v in (before, after))
        before_text = queries.version_text(before) if before is not None and not same else None
        after_text = queries.version_text(after) if after is not None and not same else None
        return Neighbours(version_ref(before), version_ref(after), before_text, after_text)


def plan(neighbours: Neighbours, text: str, text_sha256: str) -> Plan:
    """The analyses of the change records to write: pure, run before the write transaction."""
    if neighbours.holds(text_sha256) is not None:
        return Plan(neighbours, None, None)  # an equal neighbour is only extended: nothing to analyse
    before, after = neighbours.before, neighbours.after
    into_new = (
        analyse(neighbours.before_text, text, old_language=before.language if before else None)
        if neighbours.before_text is not None else None
    )
    known = into_new.language if into_new else None
    out_of_new = (
        analyse(text, neighbours.after_text, old_language=known,
                new_language=after.language if after else None)
        if neighbours.after_text is not None else None
    )
    if known is None and out_of_new is not None:
        known = out_of_new.old_language
    return Plan(neighbours, into_new, out_of_new, version_facts(text, language=known))


def new_snapshot(
    session: Session, policy_id: int, raw: RawCapture, *, version_id: int | None = None
) -> Snapshot:
    codec, blob = encode_body(session, policy_id, raw.body)
    return Snapshot(
        policy_id=policy_id,
        source=raw.source,
        fetched_at=raw.fetched_at,
        archived_at=raw.archived_at,
        archive_digest=raw.archive_digest,
        url=raw.url,
        status_code=raw.status_code,
        content_type=raw.content_type,
        headers=raw.headers,
        body_sha256=sha256_hex(raw.body),
        body_size=len(raw.body),
        body_codec=codec,
        body=blob,
        charset=raw.charset if raw.charset is not None else body_charset(raw.body, raw.content_type),
        version_id=version_id,
    )


@dataclass
class Written:
    """What :func:`store` wrote, for :func:`notify` in the same transaction."""

    stored: Stored
    policy: Policy
    change: Change | None


def _change(
    policy_id: int, old_id: int, new_id: int, analysis: Analysis, *, reverted: int | None,
    reextraction: bool = False,
) -> Change:
    judgement = analysis.judgement
    quiet = reverted is not None or reextraction
    note = f"Reverted to version {reverted}. " if reverted else ""
    note += REEXTRACTION_NOTE if reextraction else ""
    return Change(
        policy_id=policy_id,
        from_version_id=old_id,
        to_version_id=new_id,
        material=judgement.material and not quiet,
        severity="none" if quiet else judgement.severity,
        direction=judgement.direction,
        categories=list(judgement.categories),
        anomaly=judgement.anomaly,
        summary=note + judgement.summary,
        reverted_to=reverted,
        report=analysis.report(),
        reextraction=reextraction,
        notice=None if quiet else analysis.notice,
    )


def _extend(version: Version, observation: Observation) -> None:
    at = observation.observed_at
    version.last_seen = max(version.last_seen, at)
    if at < version.first_seen:
        version.first_seen = at
    if at < version.observed_at:
        version.observed_at = at
        if observation.archived_at is not None:
            version.archived_at = observation.archived_at


def _remember_latest(policy: Policy, observation: Observation) -> None:
    """The observation is now the latest text: keep its hash and fingerprint for the next pass."""
    policy.latest_text_sha256 = observation.text_sha256
    policy.extract_fingerprint = observation.fingerprint
    if observation.source != LIVE:
        policy.last_body_sha256 = None  # the last live body no longer shows the latest text


def store(
    session: Session,
    settings: Settings,
    policy_settings: PolicySettings,
    observation: Observation,
    planned: Plan,
    check: LiveCheck | None,
) -> Written | None:
    """Write the observation; None when the neighbours are no longer those the plan analysed."""
    policy = queries.get_policy(session, policy_settings.name, for_update=True)
    assert policy.id is not None
    before, after = queries.time_neighbours(session, policy.id, observation.observed_at)
    if (version_ref(before), version_ref(after)) != (planned.neighbours.before, planned.neighbours.after):
        return None
    if after is None:
        _remember_latest(policy, observation)
    if check is not None:
        record_success(session, settings, policy_settings, policy, check)
    same = planned.neighbours.holds(observation.text_sha256)
    if same is not None:
        version = before if before is not None and before.id == same.id else after
        assert version is not None and version.id is not None
        _extend(version, observation)
        # A live page whose bytes changed but whose text did not (a rotating nonce) would store a body on
        # every check; archive captures are kept so that a re-run knows their digests.
        if observation.raw is not None and observation.source == ARCHIVE:
            session.add(new_snapshot(session, policy.id, observation.raw, version_id=version.id))
        session.add(version)
        session.add(policy)
        return Written(Stored("unchanged", version.number, version.id, None, False, "none"), policy, None)
    return _add_version(session, policy, observation, planned, before, after, check)


def _add_version(
    session: Session,
    policy: Policy,
    observation: Observation,
    planned: Plan,
    before: Version | None,
    after: Version | None,
    check: LiveCheck | None,
) -> Written:
    assert policy.id is not None
    at, text = observation.observed_at, observation.text
    earlier = queries.earlier_version_with_text(session, policy.id, observation.text_sha256, before=at)
    reverted = earlier.number if earlier is not None else None
    number = queries.next_version_number(session, policy.id)
    codec, blob = encode_new_version(session, policy.id, number, text)
    facts = planned.facts or (planned.into_new.facts if planned.into_new is not None else version_facts(text))
    version = Version(
        policy_id=policy.id, number=number, text_sha256=observation.text_sha256,
        text_size=len(text.encode("utf-8")), text_codec=codec, text_blob=blob, source=observation.source,
        observed_at=at, first_seen=at, last_seen=at, archived_at=observation.archived_at,
        reverted_to=reverted,
        ota_commit=observation.provenance.commit if observation.provenance else None,
        ota_collection=observation.provenance.collection if observation.provenance else None,
        renderer=observation.raw.renderer if observation.raw is not None else "static",
        language=facts.language,
        stated_date=facts.stated_date.iso if facts.stated_date else None,
    )
    session.add(version)
    session.flush()
    assert version.id is not None
    index_version(session, version, text)
    if observation.raw is not None:
        session.add(new_snapshot(session, policy.id, observation.raw, version_id=version.id))
    change: Change | None = None
    if before is not None and before.id is not None and planned.into_new is not None:
        change = _change(policy.id, before.id, version.id, planned.into_new, reverted=reverted,
                         reextraction=observation.reextraction)
        session.add(change)
    if after is not None and after.id is not None and planned.out_of_new is not None:
        if before is not None:
            old_link = queries.change_into(session, after.id)
            if old_link is not None:
                old_link.superseded = True
                session.add(old_link)
        session.add(_change(policy.id, version.id, after.id, planned.out_of_new, reverted=after.reverted_to))
    if check is not None:
        session.add(CheckEvent(
            policy_id=policy.id, version_id=version.id, outcome="changed", http_status=check.http_status,
            duration_ms=check.duration_ms, worker=check.worker,
        ))
    session.add(policy)
    session.flush()
    first = before is None and after is None
    outcome = "first_version" if first else "reverted" if reverted else "new_version"
    stored = Stored(
        outcome, version.number, version.id, change.id if change else None,
        bool(change and change.material), change.severity if change else "none",
    )
    return Written(stored, policy, change)


def notify(
    session: Session,
    settings: Settings,
    policy_settings: PolicySettings,
    observation: Observation,
    written: Written,
) -> Stored:
    """Queue the alerts of a material change in the outbox, in the store step's transaction."""
    change = written.change
    if change is None or not change.material or not (observation.alerts and observation.source == LIVE):
        return written.stored
    queued = enqueue_change_alerts(
        session, settings, policy_settings, written.policy, change, digest_group=observation.digest_group
    )
    return replace(written.stored, alerts=len(queued))


def keep_rejected(
    engine: Engine,
    settings: Settings,
    policy_settings: PolicySettings,
    raw: RawCapture | None,
    failure: Failure,
    *,
    duration_ms: int,
    worker: str,
) -> None:
    """One transaction: keep the capture (if any) and, for a live check, count the failure."""
    with session_scope(engine) as session:
        policy = queries.get_policy(session, policy_settings.name, for_update=True)
        assert policy.id is not None
        snapshot = new_snapshot(session, policy.id, raw) if raw is not None else None
        if snapshot is not None:
            session.add(snapshot)
            session.flush()
        if raw is None or raw.source == LIVE:
            snapshot_id = snapshot.id if snapshot is not None else None
            record_failure(session, settings, policy_settings, policy, failure, duration_ms=duration_ms,
                           worker=worker, snapshot_id=snapshot_id)
