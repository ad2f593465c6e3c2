"""The alert outbox: every database read and write of alert delivery.

* **Enqueue** (the write side, called inside the store transaction): alerts are rows written in the same
  transaction as their cause. Each row's ``key`` is unique (``change:<change id>:<notifier id>`` and so
  on), which is what guarantees one delivery per change per notifier across restarts and processes.
* **Claim, record, release, re-queue** (the delivery side): the statements ``monitor.run.delivery``
  runs around each send. A claim is a lease (``lease_owner``, ``lease_expires_at``); recording an
  attempt, success or failure, always releases it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from monitor.config import AlertSettings, PolicySettings, Settings
from monitor.core.severity import severity_at_least
from monitor.errors import DeliveryError
from storage.engine import session_scope
from storage.models import Alert, Change, DeliveryAttempt, Policy, utcnow

CLAIM_BATCH = 100
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


def _add_once(session: Session, alert: Alert) -> Alert | None:
    if session.exec(select(Alert.id).where(Alert.key == alert.key)).first() is not None:
        return None
    session.add(alert)
    return alert


def enqueue_change_alerts(
    session: Session,
    settings: Settings,
    policy_settings: PolicySettings,
    policy: Policy,
    change: Change,
    *,
    digest_group: str | None = None,
    force_digest: bool = False,
) -> list[Alert]:
    """Queue a material change for every notifier of the policy whose threshold it meets.

    ``digest_group`` applies to notifiers with ``digest = true``, or to all with ``force_digest``.
    """
    assert policy.id is not None and change.id is not None
    queued: list[Alert] = []
    for notifier_id in settings.notifiers_for(policy_settings):
        notifier = settings.notifiers[notifier_id]
        minimum = notifier.min_severity or settings.alerts.min_severity
        if not change.material or not severity_at_least(change.severity, minimum):
            continue
        alert = _add_once(
            session,
            Alert(
                key=f"change:{change.id}:{notifier_id}",
                policy_id=policy.id,
                change_id=change.id,
                notifier_id=notifier_id,
                kind="change",
                severity=change.severity,
                digest_group=digest_group if notifier.digest or force_digest else None,
            ),
        )
        if alert is not None:
            queued.append(alert)
    return queued


def enqueue_backfill_digest(
    session: Session,
    settings: Settings,
    policy_settings: PolicySettings,
    policy: Policy,
    changes: list[Change],
    *,
    group: str,
) -> list[Alert]:
    """Queue a backfill's material changes as one digest per notifier (all share ``group``)."""
    queued: list[Alert] = []
    for change in changes:
        queued += enqueue_change_alerts(
            session, settings, policy_settings, policy, change, digest_group=group, force_digest=True
        )
    return queued


def enqueue_health_alert(
    session: Session,
    settings: Settings,
    policy_settings: PolicySettings,
    policy: Policy,
    *,
    kind: str,
    failing_since: datetime,
    detail: str,
) -> list[Alert]:
    """Queue a "broken" or "recovered" operational alert, once per failure episode."""
    assert policy.id is not None and kind in {"broken", "recovered"}
    queued: list[Alert] = []
    episode = failing_since.isoformat()
    for notifier_id in settings.notifiers_for(policy_settings):
        alert = _add_once(
            session,
            Alert(
                key=f"{kind}:{policy.id}:{episode}:{notifier_id}",
                policy_id=policy.id,
                notifier_id=notifier_id,
                kind=kind,
                severity="high" if kind == "broken" else "low",
                payload={
                    "detail": detail,
                    "failing_since": episode,
                    "failures": policy.consecutive_failures,
                    "at": utcnow().isoformat(),
                },
            ),
        )
        if alert is not None:
            queued.append(alert)
    return queued


# -- delivery side --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryRun:
    """One pass's identity and clock: a unique lease owner per call, even for workers sharing a name."""

    worker: str
    owner: str
    fixed_now: datetime | None

    def now(self) -> datetime:
        return self.fixed_now or utcnow()


@dataclass(frozen=True)
class FailedAttempt:
    """One alert's failed try, as recorded: what the log line says about it."""

    alert_id: int
    key: str
    attempts: int
    dead: bool
    next_attempt_at: datetime | None


def backoff(attempts: int, settings: AlertSettings) -> timedelta:
    """The wait after the ``attempts``-th failure: retry_backoff, doubled each time, capped."""
    exponent = min(max(attempts - 1, 0), 32)
    grown: timedelta = settings.retry_backoff * (2**exponent)
    return min(grown, settings.max_backoff)


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


def lease_due(
    session: Session, run: DeliveryRun, notifier_id: str, seen: Iterable[int], lease: timedelta
) -> list[Alert]:
    """Lease up to ``CLAIM_BATCH`` of a notifier's due alerts (not in ``seen``) to ``run`` for ``lease``."""
    now = run.now()
    alerts = list(session.exec(_due(now, notifier_id, seen)).all())
    for alert in alerts:
        alert.lease_owner, alert.lease_expires_at = run.owner, now + lease
        session.add(alert)
    session.flush()
    return alerts


def _owned(session: Session, ids: Sequence[int]) -> list[Alert]:
    return list(session.exec(select(Alert).where(col(Alert.id).in_(list(ids)))).all())


def record_success(engine: sa.Engine, run: DeliveryRun, ids: Sequence[int], duration_ms: int) -> int:
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
            session.add(
                DeliveryAttempt(
                    alert_id=alert.id, at=now, ok=True, duration_ms=duration_ms, worker=run.worker
                )
            )
            delivered += 1
    return delivered


def record_failure(
    engine: sa.Engine,
    settings: AlertSettings,
    run: DeliveryRun,
    ids: Sequence[int],
    error: DeliveryError,
    duration_ms: int,
) -> list[FailedAttempt]:
    """Count a failed try and release the claim: back off, or give up after ``max_attempts`` or a
    permanent error. Alerts whose lease another worker took over are left to it (and not returned)."""
    now, recorded = run.now(), []
    with session_scope(engine) as session:
        for alert in _owned(session, ids):
            if alert.status != PENDING or alert.lease_owner != run.owner:
                continue  # our lease expired and another worker owns the row now
            alert.attempts += 1
            alert.last_error = str(error)[:2000]
            alert.lease_owner = alert.lease_expires_at = None
            dead = error.permanent or alert.attempts >= settings.max_attempts
            if dead:
                alert.status = DEAD
            else:
                alert.next_attempt_at = now + backoff(alert.attempts, settings)
            session.add(alert)
            assert alert.id is not None
            session.add(
                DeliveryAttempt(
                    alert_id=alert.id,
                    at=now,
                    ok=False,
                    error=alert.last_error,
                    duration_ms=duration_ms,
                    worker=run.worker,
                )
            )
            recorded.append(
                FailedAttempt(
                    alert.id, alert.key, alert.attempts, dead, None if dead else alert.next_attempt_at
                )
            )
    return recorded


def release(engine: sa.Engine, run: DeliveryRun, ids: Sequence[int]) -> None:
    """Give back claimed alerts that this pass did not try; they stay due."""
    if not ids:
        return
    with session_scope(engine) as session:
        session.execute(
            sa.update(Alert)
            .where(col(Alert.id).in_(list(ids)), col(Alert.lease_owner) == run.owner)
            .values(lease_owner=None, lease_expires_at=None)
        )


def requeue(
    engine: sa.Engine,
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
