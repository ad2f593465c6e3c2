"""The alert outbox, write side: alerts are rows written in the same transaction as their cause.

Each row's ``key`` is unique (``change:<change id>:<notifier id>`` and so on), which is what guarantees
one delivery per change per notifier across restarts and processes. Delivery is ``monitor.run.delivery``.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from monitor.config import PolicySettings, Settings
from storage.models import Alert, Change, Policy, utcnow

SEVERITY_RANK = {"none": 0, "low": 1, "medium": 2, "high": 3}


def severity_at_least(severity: str, minimum: str) -> bool:
    return SEVERITY_RANK.get(severity, 0) >= SEVERITY_RANK[minimum]


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
