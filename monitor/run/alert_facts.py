"""Outbox rows in, :class:`~notifiers.base.AlertFacts` out: the one place alerts are read for sending.

A change alert reads the change's stored report (the ``compare --json`` document); nothing is re-diffed.
Links point at the history browser's stable routes under ``[web] base_url``. The notifiers never see a
row: they get these values, so they cannot touch the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from monitor.core.report import all_reasons, material_changes, report_stated_date
from notifiers.base import AlertFacts
from storage.models import Alert, Change, Policy, Version


def policy_link(base_url: str, policy: str) -> str:
    return f"{base_url.rstrip('/')}/policies/{policy}"


def change_link(base_url: str, policy: str, change_id: int) -> str:
    return f"{policy_link(base_url, policy)}/changes/{change_id}"


def _other_edits(report: dict[str, Any], material: int) -> int:
    stats = report.get("stats") or {}
    total = sum(int(stats.get(key, 0)) for key in ("added", "removed", "modified", "moved"))
    return max(0, total - material)


def change_facts(
    alert: Alert, policy: Policy, change: Change, old: Version | None, new: Version | None, *, base_url: str
) -> AlertFacts:
    """The facts of a material change, from its stored report."""
    assert alert.id is not None and change.id is not None
    report = change.report or {}
    material = material_changes(report)
    notice = change.notice or report.get("notice")
    return AlertFacts(
        alert_id=alert.id,
        key=alert.key,
        kind="change",
        policy=policy.name,
        policy_url=policy.url,
        severity=change.severity,
        link=change_link(base_url, policy.name, change.id),
        created_at=alert.created_at,
        summary=change.summary or str(report.get("summary", "")),
        categories=tuple(change.categories or report.get("categories") or ()),
        direction=change.direction,
        reasons=tuple(all_reasons(report)),
        changes=tuple(material),
        change_id=change.id,
        from_version=old.number if old else None,
        to_version=new.number if new else None,
        observed_at=new.observed_at if new else None,
        other_edits=_other_edits(report, len(material)),
        notice=str(notice) if notice else None,
        stated_date=report_stated_date(report),
    )


def health_facts(alert: Alert, policy: Policy, *, base_url: str) -> AlertFacts:
    """The facts of a "tracking broken" or "recovered" alert, from the payload the outbox stored."""
    assert alert.id is not None
    payload = alert.payload or {}
    return AlertFacts(
        alert_id=alert.id,
        key=alert.key,
        kind=alert.kind,
        policy=policy.name,
        policy_url=policy.url,
        severity=alert.severity,
        link=policy_link(base_url, policy.name),
        created_at=alert.created_at,
        detail=str(payload.get("detail", "")),
        failing_since=payload.get("failing_since"),
        failures=int(payload.get("failures") or 0),
    )


class FactsReader:
    """Reads, in a few queries, what the facts of a batch of alerts need; then builds them one by one."""

    def __init__(self, session: Session, alerts: Sequence[Alert], base_url: str) -> None:
        self.base_url = base_url
        policy_ids = list({a.policy_id for a in alerts})
        self.policies = {p.id: p for p in session.exec(select(Policy).where(col(Policy.id).in_(policy_ids)))}
        change_ids = list({a.change_id for a in alerts if a.change_id is not None})
        self.changes = {c.id: c for c in session.exec(select(Change).where(col(Change.id).in_(change_ids)))}
        version_ids = list({v for c in self.changes.values() for v in (c.from_version_id, c.to_version_id)})
        self.versions = {
            v.id: v for v in session.exec(select(Version).where(col(Version.id).in_(version_ids)))
        }

    def facts(self, alert: Alert) -> AlertFacts:
        """Raises LookupError when a row the alert points at is gone."""
        policy = self.policies.get(alert.policy_id)
        if policy is None:
            raise LookupError(f"alert {alert.id}: policy {alert.policy_id} not found")
        if alert.change_id is None:
            return health_facts(alert, policy, base_url=self.base_url)
        change = self.changes.get(alert.change_id)
        if change is None:
            raise LookupError(f"alert {alert.id}: change {alert.change_id} not found")
        old, new = self.versions.get(change.from_version_id), self.versions.get(change.to_version_id)
        return change_facts(alert, policy, change, old, new, base_url=self.base_url)
