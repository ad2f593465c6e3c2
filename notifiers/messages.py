"""Turning outbox rows into :class:`~notifiers.base.AlertMessage` values (pure: rows in, values out).

A change alert reads the change's stored report (the ``compare --json`` document); nothing is re-diffed.
Links point at the history browser's stable routes under ``[web] base_url``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.core.report import all_reasons, material_changes
from notifiers.base import AlertMessage
from storage.models import Alert, Change, Policy


def policy_link(base_url: str, policy: str) -> str:
    return f"{base_url.rstrip('/')}/policies/{policy}"


def change_link(base_url: str, policy: str, change_id: int) -> str:
    return f"{policy_link(base_url, policy)}/changes/{change_id}"


def _other_edits(report: dict[str, Any], material: int) -> int:
    stats = report.get("stats") or {}
    total = sum(int(stats.get(key, 0)) for key in ("added", "removed", "modified", "moved"))
    return max(0, total - material)


def change_message(
    alert: Alert,
    policy: Policy,
    change: Change,
    *,
    from_version: int | None,
    to_version: int | None,
    observed_at: datetime | None,
    base_url: str,
) -> AlertMessage:
    """The message for a material change, from its stored report."""
    assert alert.id is not None and change.id is not None
    report = change.report or {}
    material = material_changes(report)
    return AlertMessage(
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
        from_version=from_version,
        to_version=to_version,
        observed_at=observed_at,
        other_edits=_other_edits(report, len(material)),
    )


def health_message(alert: Alert, policy: Policy, *, base_url: str) -> AlertMessage:
    """The message for a "tracking broken" or "recovered" alert, from the payload the outbox stored."""
    assert alert.id is not None
    payload = alert.payload or {}
    return AlertMessage(
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
