"""The store step: put an observed text into a policy's history, with its change record and alerts.

Live checks and archive backfill both come through :func:`ingest_text`. The expensive part (segment, diff,
classify) runs *outside* the write transaction; the write transaction re-reads the time neighbours and
redoes the analysis only if another writer moved them in between. So a SQLite write lock is held for
milliseconds, and a crash at any point leaves either the whole version (with change and alerts) or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from monitor.config import PolicySettings, Settings
from monitor.core.analysis import Analysis, analyse
from monitor.core.extract import body_charset
from monitor.core.facts import VersionFacts, version_facts
from monitor.errors import StorageError
from storage import queries
from storage.codec import sha256_hex
from storage.engine import session_scope
from storage.models import LIVE, Change, CheckEvent, Policy, Snapshot, Version
from storage.outbox import enqueue_change_alerts
from storage.search import index_version
from storage.snapshots import encode_body
from storage.texts import encode_new_version


@dataclass(frozen=True)
class RawCapture:
    """The raw body behind a text, kept as a snapshot."""

    url: str
    body: bytes
    status_code: int | None
    content_type: str | None
    headers: dict[str, str]
    fetched_at: datetime
    archive_digest: str | None = None
    #: The codec its text was read with (None: not text); found here, outside the write transaction.
    charset: str | None = None
    renderer: str = "static"  # or "browser": what produced the body, recorded on the version

    def __post_init__(self) -> None:
        if self.charset is None:
            object.__setattr__(self, "charset", body_charset(self.body, self.content_type))


@dataclass(frozen=True)
class Provenance:
    """Where an imported text was recorded: the Open Terms Archive commit and collection."""

    commit: str | None = None
    collection: str | None = None


@dataclass(frozen=True)
class SeriesItem:
    """One text of a time-ordered import run (see :func:`ingest_series`)."""

    text: str
    observed_at: datetime
    provenance: Provenance | None = None
    #: The text is a re-extraction of the same document: its change is stored but never material.
    reextraction: bool = False


REEXTRACTION_NOTE = "Re-extraction (technical or declaration upgrade), not a change of the document. "


@dataclass(frozen=True)
class IngestResult:
    outcome: str  # first_version | new_version | reverted | unchanged
    version_number: int
    version_id: int
    change_id: int | None
    material: bool
    severity: str
    alerts: int


@dataclass(frozen=True)
class _Plan:
    before_id: int | None
    after_id: int | None
    into_new: Analysis | None
    out_of_new: Analysis | None
    facts: VersionFacts | None = None  # the new text's language and stated date, detected once


def _plan(engine: Engine, policy_id: int, text: str, observed_at: datetime) -> _Plan:
    with session_scope(engine) as session:
        before, after = queries.time_neighbours(session, policy_id, observed_at)
        before_text = queries.version_text(before) if before else None
        after_text = queries.version_text(after) if after else None
        before_id = before.id if before else None
        after_id = after.id if after else None
    sha = sha256_hex(text)
    if (before and before.text_sha256 == sha) or (after and after.text_sha256 == sha):
        # An equal neighbour is only extended (see _write): no change record, so nothing to analyse.
        return _Plan(before_id, after_id, None, None)
    into_new = (
        analyse(before_text, text, old_language=before.language)
        if before_text is not None and before and before.text_sha256 != sha
        else None
    )
    known = into_new.language if into_new else None
    out_of_new = (
        analyse(text, after_text, old_language=known, new_language=after.language)
        if after_text is not None and after and after.text_sha256 != sha
        else None
    )
    if known is None and out_of_new is not None:
        known = out_of_new.old_language
    return _Plan(before_id, after_id, into_new, out_of_new, version_facts(text, language=known))


def new_snapshot(
    session: Session, policy_id: int, raw: RawCapture, *, source: str, archived_at: datetime | None
) -> Snapshot:
    codec, blob = encode_body(session, policy_id, raw.body)
    return Snapshot(
        policy_id=policy_id,
        source=source,
        fetched_at=raw.fetched_at,
        archived_at=archived_at,
        archive_digest=raw.archive_digest,
        url=raw.url,
        status_code=raw.status_code,
        content_type=raw.content_type,
        headers=raw.headers,
        body_sha256=sha256_hex(raw.body),
        body_size=len(raw.body),
        body_codec=codec,
        body=blob,
        charset=raw.charset,
    )


def _change(
    policy_id: int,
    old: Version,
    new: Version,
    analysis: Analysis,
    *,
    reverted: int | None,
    reextraction: bool = False,
) -> Change:
    assert old.id is not None and new.id is not None
    judgement = analysis.judgement
    quiet = reverted is not None or reextraction
    note = (f"Reverted to version {reverted}. " if reverted else "") + (
        REEXTRACTION_NOTE if reextraction else ""
    )
    return Change(
        policy_id=policy_id,
        from_version_id=old.id,
        to_version_id=new.id,
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


def _extend(version: Version, observed_at: datetime, archived_at: datetime | None) -> None:
    version.last_seen = max(version.last_seen, observed_at)
    if observed_at < version.first_seen:
        version.first_seen = observed_at
    if observed_at < version.observed_at:
        version.observed_at = observed_at
        if archived_at is not None:
            version.archived_at = archived_at


def ingest_text(
    engine: Engine,
    settings: Settings,
    policy_settings: PolicySettings,
    text: str,
    *,
    observed_at: datetime,
    source: str = LIVE,
    archived_at: datetime | None = None,
    raw: RawCapture | None = None,
    alerts: bool = True,
    digest_group: str | None = None,
    event: dict[str, Any] | None = None,
    provenance: Provenance | None = None,
    reextraction: bool = False,
) -> IngestResult:
    """Store ``text`` as seen at ``observed_at``: extend a version, or add one with its change records."""
    sha = sha256_hex(text)
    with session_scope(engine) as session:
        policy_id = queries.get_policy(session, policy_settings.name).id
    assert policy_id is not None
    for _attempt in range(5):
        plan = _plan(engine, policy_id, text, observed_at)
        with session_scope(engine) as session:
            policy = queries.get_policy(session, policy_settings.name, for_update=True)
            before, after = queries.time_neighbours(session, policy_id, observed_at)
            if (before.id if before else None, after.id if after else None) != (
                plan.before_id,
                plan.after_id,
            ):
                continue  # another writer changed the neighbourhood; plan again
            return _write(
                session,
                settings,
                policy_settings,
                policy,
                text,
                sha,
                before,
                after,
                plan,
                observed_at=observed_at,
                source=source,
                archived_at=archived_at,
                raw=raw,
                alerts=alerts and source == LIVE,
                digest_group=digest_group,
                event=event,
                provenance=provenance,
                reextraction=reextraction,
            )
    raise StorageError(f"{policy_settings.name}: history kept changing under a concurrent writer")


def _write(
    session: Session,
    settings: Settings,
    policy_settings: PolicySettings,
    policy: Policy,
    text: str,
    sha: str,
    before: Version | None,
    after: Version | None,
    plan: _Plan,
    *,
    observed_at: datetime,
    source: str,
    archived_at: datetime | None,
    raw: RawCapture | None,
    alerts: bool,
    digest_group: str | None,
    event: dict[str, Any] | None,
    provenance: Provenance | None = None,
    reextraction: bool = False,
) -> IngestResult:
    assert policy.id is not None
    snapshot = new_snapshot(session, policy.id, raw, source=source, archived_at=archived_at) if raw else None
    same = before if before is not None and before.text_sha256 == sha else None
    if same is None and after is not None and after.text_sha256 == sha:
        same = after
    if same is not None:
        _extend(same, observed_at, archived_at)
        # A live page whose bytes changed but whose text did not (a rotating nonce, say) would store a
        # body on every check; archive captures are kept so a re-run knows their digests.
        if snapshot is not None and source != LIVE:
            snapshot.version_id = same.id
            session.add(snapshot)
        session.add(same)
        assert same.id is not None
        return IngestResult("unchanged", same.number, same.id, None, False, "none", 0)

    earlier = queries.earlier_version_with_text(session, policy.id, sha, before=observed_at)
    reverted = earlier.number if earlier is not None else None
    number = queries.next_version_number(session, policy.id)
    codec, blob = encode_new_version(session, policy.id, number, text)
    facts = plan.facts or (plan.into_new.facts if plan.into_new is not None else version_facts(text))
    version = Version(
        policy_id=policy.id,
        number=number,
        text_sha256=sha,
        text_size=len(text.encode("utf-8")),
        text_codec=codec,
        text_blob=blob,
        source=source,
        observed_at=observed_at,
        first_seen=observed_at,
        last_seen=observed_at,
        archived_at=archived_at,
        reverted_to=reverted,
        ota_commit=provenance.commit if provenance else None,
        ota_collection=provenance.collection if provenance else None,
        renderer=raw.renderer if raw is not None else "static",
        language=facts.language,
        stated_date=facts.stated_date.iso if facts.stated_date else None,
    )
    session.add(version)
    session.flush()
    assert version.id is not None
    index_version(session, version, text)
    if snapshot is not None:
        snapshot.version_id = version.id
        session.add(snapshot)

    change: Change | None = None
    queued = 0
    if before is not None and plan.into_new is not None:
        change = _change(
            policy.id, before, version, plan.into_new, reverted=reverted, reextraction=reextraction
        )
        session.add(change)
    if after is not None and plan.out_of_new is not None:
        if before is not None:
            old_link = queries.change_into(session, after.id) if after.id is not None else None
            if old_link is not None:
                old_link.superseded = True
                session.add(old_link)
        later_reverted = after.reverted_to
        session.add(_change(policy.id, version, after, plan.out_of_new, reverted=later_reverted))
    session.flush()
    if change is not None and alerts and change.material:
        queued = len(
            enqueue_change_alerts(
                session, settings, policy_settings, policy, change, digest_group=digest_group
            )
        )
    if event is not None:
        session.add(CheckEvent(policy_id=policy.id, version_id=version.id, **event))
    outcome = (
        "first_version" if before is None and after is None else "reverted" if reverted else "new_version"
    )
    return IngestResult(
        outcome,
        version.number,
        version.id,
        change.id if change else None,
        bool(change and change.material),
        change.severity if change else "none",
        queued,
    )


def ingest_series(
    engine: Engine,
    settings: Settings,
    policy_settings: PolicySettings,
    items: Sequence[SeriesItem],
    *,
    source: str,
    in_transaction: Callable[[Session], None] | None = None,
    analyser: Callable[[str | None, str], Analysis] = analyse,
) -> list[IngestResult]:
    """Store a time-ordered run of archived texts (an import) with as few reads and writes as possible.

    Texts newer than the policy's latest version are analysed in memory, each against the one before it
    (nothing just written is read back), then written in one transaction; ``in_transaction`` runs inside
    it, so a caller's progress record commits with the versions. Texts that fall among existing versions
    go through :func:`ingest_text` one by one. History never alerts. ``analyser`` may hand out analyses
    computed ahead (see ``monitor.run.ota_analysis``); it must equal :func:`analyse` in result.
    """
    with session_scope(engine) as session:
        policy_id = queries.get_policy(session, policy_settings.name).id
        assert policy_id is not None
        latest = queries.latest_version(session, policy_id)
        latest_id, latest_at = (latest.id, latest.observed_at) if latest else (None, None)
        previous = queries.version_text(latest) if latest else None
    results = []
    for item in (item for item in items if latest_at is not None and item.observed_at <= latest_at):
        results.append(_ingest_item(engine, settings, policy_settings, item, source=source))
    tail = [item for item in items if latest_at is None or item.observed_at > latest_at]
    if results and tail:  # the earlier items may have moved the latest version: plan the rest afresh
        return results + ingest_series(
            engine, settings, policy_settings, tail, source=source, in_transaction=in_transaction,
            analyser=analyser,
        )  # fmt: skip
    planned = _plan_series(previous, tail, analyser)
    with session_scope(engine) as session:
        policy = queries.get_policy(session, policy_settings.name, for_update=True)
        before = queries.latest_version(session, policy_id)
        moved = (before.id if before else None) != latest_id
        for item, sha, analysis in [] if moved else planned:
            plan = _Plan(before.id if before else None, None, analysis, None)
            result = _write(
                session, settings, policy_settings, policy, item.text, sha, before, None, plan,
                observed_at=item.observed_at, source=source, archived_at=item.observed_at, raw=None,
                alerts=False, digest_group=None, event=None, provenance=item.provenance,
                reextraction=item.reextraction,
            )  # fmt: skip
            results.append(result)
            before = session.get(Version, result.version_id)  # from the identity map: no query
        if in_transaction is not None and not moved:
            in_transaction(session)
    if moved:  # a live check stored a version meanwhile: place each text among the versions
        results.extend(_ingest_item(engine, settings, policy_settings, item, source=source) for item in tail)
        if in_transaction is not None:
            with session_scope(engine) as session:
                in_transaction(session)
    return results


def _plan_series(
    previous: str | None, items: Sequence[SeriesItem], analyser: Callable[[str | None, str], Analysis]
) -> list[tuple[SeriesItem, str, Analysis | None]]:
    pairs: list[tuple[SeriesItem, str, str | None]] = []  # (item, its sha, the text it is compared with)
    previous_sha = sha256_hex(previous) if previous is not None else None
    for item in items:
        sha = sha256_hex(item.text)
        if sha == previous_sha:
            pairs.append((item, sha, None))  # the same text again: the version's time range grows
            continue
        pairs.append((item, sha, previous))
        previous, previous_sha = item.text, sha
    return [(item, sha, analyser(old, item.text) if old is not None else None) for item, sha, old in pairs]


def _ingest_item(
    engine: Engine, settings: Settings, policy_settings: PolicySettings, item: SeriesItem, *, source: str
) -> IngestResult:
    return ingest_text(
        engine, settings, policy_settings, item.text, observed_at=item.observed_at, source=source,
        archived_at=item.observed_at, alerts=False, provenance=item.provenance,
        reextraction=item.reextraction,
    )  # fmt: skip
