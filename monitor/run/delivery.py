"""The alert outbox, delivery side: claim due alerts, send them, record every attempt.

Guarantees, and how they hold:

* **Never lost.** An alert row is written in the transaction that stores its change (``storage.outbox``),
  and it leaves ``pending`` only as ``delivered`` or ``dead``; a dead alert stays listed by
  ``policywatch alerts --failed`` and counted by ``policywatch status`` until ``--retry`` re-queues it.
* **One delivery per change per notifier.** The row's unique key (change id + notifier id) admits one row;
  a worker *claims* rows with a lease in one transaction (``SELECT … FOR UPDATE SKIP LOCKED`` on
  PostgreSQL; on SQLite the engine's ``BEGIN IMMEDIATE`` makes the select-then-update atomic, so only the
  dialect differs), and a delivered row is never claimed again. A worker that crashes holding a lease
  leaves rows that another claims once the lease expires.
* **At least once, at the edge.** If the process dies after the SMTP server or webhook accepted a message
  but before the ``delivered`` commit, the next claim sends it again. The window is kept to one message:
  each send is recorded in its own transaction right after it returns. Resends carry the same
  Message-ID / ``X-Policywatch-Delivery`` id, so receivers can drop them.

Failures back off exponentially from ``alerts.retry_backoff`` up to ``alerts.max_backoff``; after
``alerts.max_attempts`` tries (or at once, for a permanent error such as a webhook answering 404) the
alert is ``dead``. Within one pass, a notifier that fails transiently is not tried again: its other
alerts stay due for the next pass rather than each waiting out the same outage.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from monitor.config import AlertSettings, Settings
from monitor.errors import DeliveryError
from notifiers import build_notifier
from notifiers.base import AlertMessage, Notifier
from notifiers.messages import change_message, health_message
from storage.engine import session_scope
from storage.models import Alert, Change, DeliveryAttempt, Policy, Version, utcnow

CLAIM_BATCH = 100
#: How long a claim is held; far longer than a send, and a crashed worker's rows come back after it.
CLAIM_LEASE = timedelta(minutes=5)
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


@dataclass(frozen=True)
class DeliverySummary:
    """What one ``deliver_pending`` pass did, counted in alerts (``messages``: e-mails/posts sent)."""

    messages: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    errors: tuple[str, ...] = ()

    def __add__(self, other: DeliverySummary) -> DeliverySummary:
        return DeliverySummary(
            self.messages + other.messages, self.delivered + other.delivered,
            self.retrying + other.retrying, self.dead + other.dead, self.errors + other.errors,
        )


@dataclass(frozen=True)
class _Claimed:
    alert: Alert
    message: AlertMessage


@dataclass(frozen=True)
class DeliveryRun:
    """One pass's identity and clock: a unique lease owner per call, even for workers sharing a name."""

    worker: str
    owner: str
    fixed_now: datetime | None

    def now(self) -> datetime:
        return self.fixed_now or utcnow()


def backoff(attempts: int, settings: AlertSettings) -> timedelta:
    """The wait after the ``attempts``-th failure: retry_backoff, doubled each time, capped."""
    exponent = min(max(attempts - 1, 0), 32)
    grown: timedelta = settings.retry_backoff * (2**exponent)
    return min(grown, settings.max_backoff)


# -- claiming -------------------------------------------------------------------------------------------


def _due(now: datetime, notifier_id: str, seen: Iterable[int]) -> SelectOfScalar[Alert]:
    query = (
        select(Alert)
        .where(
            Alert.status == PENDING,
            col(Alert.next_attempt_at) <= now,
            sa.or_(col(Alert.lease_expires_at).is_(None), col(Alert.lease_expires_at) <= now),
            Alert.notifier_id == notifier_id,
        )
        .order_by(col(Alert.id))
        .limit(CLAIM_BATCH)
    )
    skip = list(seen)
    if skip:
        query = query.where(col(Alert.id).not_in(skip))
    # PostgreSQL: concurrent workers skip each other's rows. SQLite renders no FOR UPDATE; its
    # BEGIN IMMEDIATE already serialises the whole claim transaction.
    return query.with_for_update(skip_locked=True)


def _messages(session: Session, alerts: Sequence[Alert], base_url: str) -> list[AlertMessage]:
    policy_ids = list({a.policy_id for a in alerts})
    policies = {p.id: p for p in session.exec(select(Policy).where(col(Policy.id).in_(policy_ids)))}
    change_ids = {a.change_id for a in alerts if a.change_id is not None}
    changes = {c.id: c for c in session.exec(select(Change).where(col(Change.id).in_(list(change_ids))))}
    version_ids = {v for c in changes.values() for v in (c.from_version_id, c.to_version_id)}
    versions = {v.id: v for v in session.exec(select(Version).where(col(Version.id).in_(list(version_ids))))}
    out = []
    for alert in alerts:
        policy = policies[alert.policy_id]
        if alert.change_id is None:
            out.append(health_message(alert, policy, base_url=base_url))
            continue
        change = changes[alert.change_id]
        old, new = versions.get(change.from_version_id), versions.get(change.to_version_id)
        out.append(change_message(
            alert, policy, change, from_version=old.number if old else None,
            to_version=new.number if new else None, observed_at=new.observed_at if new else None,
            base_url=base_url,
        ))
    return out


def claim(
    engine: Engine, settings: Settings, run: DeliveryRun, notifier_id: str, seen: set[int]
) -> list[_Claimed]:
    """Lease a notifier's due alerts (not in ``seen``) to this pass, and read what their messages need."""
    now = run.now()
    with session_scope(engine) as session:
        alerts = list(session.exec(_due(now, notifier_id, seen)).all())
        for alert in alerts:
            alert.lease_owner, alert.lease_expires_at = run.owner, now + CLAIM_LEASE
            session.add(alert)
        session.flush()
        messages = _messages(session, alerts, settings.web.base_url) if alerts else []
    seen.update(a.id for a in alerts if a.id is not None)
    return [_Claimed(alert, message) for alert, message in zip(alerts, messages, strict=True)]


# -- recording ------------------------------------------------------------------------------------------


def _owned(session: Session, ids: Sequence[int]) -> list[Alert]:
    return list(session.exec(select(Alert).where(col(Alert.id).in_(list(ids)))).all())


def record_success(engine: Engine, run: DeliveryRun, ids: Sequence[int], duration_ms: int) -> int:
    """Mark sent alerts delivered at once: the only thing that keeps a crash from resending them."""
    now, delivered = run.now(), 0
    with session_scope(engine) as session:
        for alert in _owned(session, ids):
            if alert.status != PENDING:
                continue  # a worker that took over an expired lease got there first
            alert.status, alert.delivered_at, alert.last_error = DELIVERED, now, None
            alert.attempts += 1
            alert.lease_owner = alert.lease_expires_at = None
            session.add(alert)
            assert alert.id is not None
            session.add(DeliveryAttempt(
                alert_id=alert.id, at=now, ok=True, duration_ms=duration_ms, worker=run.worker
            ))
            delivered += 1
    return delivered


def record_failure(
    engine: Engine,
    settings: AlertSettings,
    run: DeliveryRun,
    ids: Sequence[int],
    error: DeliveryError,
    duration_ms: int,
) -> tuple[int, int]:
    """Count a failed try: back off, or give up after ``max_attempts`` or a permanent error."""
    now, retrying, dead = run.now(), 0, 0
    with session_scope(engine) as session:
        for alert in _owned(session, ids):
            if alert.status != PENDING or alert.lease_owner != run.owner:
                continue  # our lease expired and another worker owns the row now
            alert.attempts += 1
            alert.last_error = str(error)[:2000]
            alert.lease_owner = alert.lease_expires_at = None
            if error.permanent or alert.attempts >= settings.max_attempts:
                alert.status = DEAD
                dead += 1
            else:
                alert.next_attempt_at = now + backoff(alert.attempts, settings)
                retrying += 1
            session.add(alert)
            assert alert.id is not None
            session.add(DeliveryAttempt(alert_id=alert.id, at=now, ok=False, error=alert.last_error,
                                        duration_ms=duration_ms, worker=run.worker))
    return retrying, dead


def release(engine: Engine, run: DeliveryRun, ids: Sequence[int]) -> None:
    """Give back claimed alerts that this pass did not try; they stay due."""
    if not ids:
        return
    with session_scope(engine) as session:
        session.execute(
            sa.update(Alert)
            .where(col(Alert.id).in_(list(ids)), col(Alert.lease_owner) == run.owner)
            .values(lease_owner=None, lease_expires_at=None)
        )


# -- sending --------------------------------------------------------------------------------------------


def group_for_sending(notifier: Notifier, claimed: Sequence[_Claimed]) -> list[list[_Claimed]]:
    """One group per outgoing message.

    Change alerts that share a ``digest_group`` go out together (a backfill queues its changes as one
    digest for every notifier). A ``digest = true`` notifier also batches its ungrouped change alerts of
    this pass. Health alerts ("tracking broken"/"recovered") always go out alone: they should not wait in
    or hide inside a digest.
    """
    groups: dict[str | None, list[_Claimed]] = {}
    singles: list[list[_Claimed]] = []
    for item in claimed:
        alert = item.alert
        if alert.kind == "change" and (alert.digest_group is not None or notifier.digest):
            groups.setdefault(alert.digest_group, []).append(item)
        else:
            singles.append([item])
    return [*groups.values(), *singles]


def _ids(group: Sequence[_Claimed]) -> list[int]:
    return [item.alert.id for item in group if item.alert.id is not None]


async def _send_one(
    engine: Engine, settings: Settings, run: DeliveryRun, notifier: Notifier, group: Sequence[_Claimed]
) -> tuple[DeliverySummary, bool]:
    """Send one message; returns what happened and whether the notifier failed transiently."""
    started = time.perf_counter()
    try:
        await notifier.send([item.message for item in group])
    except DeliveryError as error:
        elapsed = int((time.perf_counter() - started) * 1000)
        retrying, dead = await asyncio.to_thread(
            record_failure, engine, settings.alerts, run, _ids(group), error, elapsed
        )
        summary = DeliverySummary(retrying=retrying, dead=dead, errors=(f"{notifier.notifier_id}: {error}",))
        return summary, not error.permanent
    elapsed = int((time.perf_counter() - started) * 1000)
    delivered = await asyncio.to_thread(record_success, engine, run, _ids(group), elapsed)
    return DeliverySummary(messages=1, delivered=delivered), False


async def _send_groups(
    engine: Engine, settings: Settings, run: DeliveryRun, notifier: Notifier, claimed: Sequence[_Claimed]
) -> tuple[DeliverySummary, bool]:
    """Send a claimed batch; True when the pass should stop for this notifier (outage, lease running out)."""
    deadline = time.monotonic() + CLAIM_LEASE.total_seconds() * 0.8
    summary = DeliverySummary()
    groups = group_for_sending(notifier, claimed)
    for index, group in enumerate(groups):
        if time.monotonic() > deadline:
            # Our lease is about to run out: another worker may claim these, so do not send them.
            await asyncio.to_thread(release, engine, run, [i for g in groups[index:] for i in _ids(g)])
            return summary, True
        result, outage = await _send_one(engine, settings, run, notifier, group)
        summary += result
        if outage:
            await asyncio.to_thread(release, engine, run, [i for g in groups[index + 1 :] for i in _ids(g)])
            return summary, True
    return summary, False


async def _deliver_for(
    engine: Engine, settings: Settings, run: DeliveryRun, notifier_id: str
) -> DeliverySummary:
    """Claim and send one notifier's due alerts, batch after batch, over one connection where possible."""
    notifier = build_notifier(notifier_id, settings.notifiers[notifier_id])
    summary = DeliverySummary()
    seen: set[int] = set()  # alerts this pass already handled; a zero backoff must not loop
    try:
        while True:
            claimed = await asyncio.to_thread(claim, engine, settings, run, notifier_id, seen)
            if not claimed:
                return summary
            result, stop = await _send_groups(engine, settings, run, notifier, claimed)
            summary += result
            if stop:
                return summary
    finally:
        await notifier.close()


async def deliver_pending(
    settings: Settings,
    engine: Engine,
    *,
    worker: str,
    notifier_ids: Sequence[str] | None = None,
    now: datetime | None = None,
) -> DeliverySummary:
    """Deliver every due alert of the configured notifiers (or of ``notifier_ids``) once.

    Notifiers are served concurrently, each claiming its alerts in batches of ``CLAIM_BATCH`` (so a
    digest holds at most that many). The daemon calls this every ``alerts.deliver_interval``;
    ``policywatch check`` calls it before it exits. ``now`` fixes the clock (tests). Alerts of notifiers
    no longer in the config stay pending.
    """
    asked = notifier_ids if notifier_ids is not None else list(settings.notifiers)
    wanted = [notifier_id for notifier_id in asked if notifier_id in settings.notifiers]
    run = DeliveryRun(worker, f"{worker}:{os.getpid()}:{uuid.uuid4().hex[:8]}", now)
    results = await asyncio.gather(*(_deliver_for(engine, settings, run, notifier) for notifier in wanted))
    total = DeliverySummary()
    for result in results:
        total += result
    return total


# -- re-driving -----------------------------------------------------------------------------------------


def requeue(
    engine: Engine,
    *,
    alert_ids: Sequence[int] | None = None,
    policy_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Make dead alerts pending again with fresh attempts, and waiting ones due now; returns how many.

    Delivered alerts are never re-queued: that is what keeps ``--retry`` from sending anything twice.
    """
    now = now or utcnow()
    waiting = sa.and_(
        col(Alert.status) == PENDING,
        col(Alert.next_attempt_at) > now,
        # A leased row is being sent right now; leave it to its worker.
        sa.or_(col(Alert.lease_expires_at).is_(None), col(Alert.lease_expires_at) <= now),
    )
    conditions = [sa.or_(col(Alert.status) == DEAD, waiting)]
    if alert_ids is not None:
        conditions.append(col(Alert.id).in_(list(alert_ids)))
    if policy_id is not None:
        conditions.append(col(Alert.policy_id) == policy_id)
    with session_scope(engine) as session:
        rows = list(session.exec(select(Alert).where(*conditions)).all())
        for alert in rows:
            if alert.status == DEAD:
                alert.status, alert.attempts = PENDING, 0
                alert.lease_owner = alert.lease_expires_at = None
            alert.next_attempt_at = now
            session.add(alert)
    return len(rows)
