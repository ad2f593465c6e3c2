"""Health bookkeeping, inside the caller's transaction: failure streaks, "tracking broken" and "recovered".

Both functions change the locked policy row and queue operational alerts in the same transaction as the
check's other writes, so a crash never leaves a failure counted without its alert (or the reverse).
"""

from __future__ import annotations

from sqlmodel import Session

from monitor.config import PolicySettings, Settings
from monitor.pipeline.values import Failure, LiveCheck
from storage.models import CheckEvent, Policy, utcnow
from storage.outbox import enqueue_health_alert


def record_failure(
    session: Session,
    settings: Settings,
    policy_settings: PolicySettings,
    policy: Policy,
    failure: Failure,
    *,
    duration_ms: int,
    worker: str,
    snapshot_id: int | None = None,
) -> None:
    """Count a failed check; the threshold-th consecutive failure queues one "tracking broken" alert."""
    assert policy.id is not None
    now = utcnow()
    policy.consecutive_failures += 1
    policy.failing_since = policy.failing_since or now
    policy.last_check_at = now
    policy.last_outcome = failure.outcome
    policy.last_error = failure.error[:2000]
    policy.last_http_status = failure.http_status
    session.add(
        CheckEvent(
            policy_id=policy.id,
            at=now,
            outcome=failure.outcome,
            http_status=failure.http_status,
            error=policy.last_error,
            duration_ms=duration_ms,
            worker=worker,
            snapshot_id=snapshot_id,
        )
    )
    if policy.consecutive_failures >= settings.alerts.failure_threshold and not policy.broken_alerted:
        policy.broken_alerted = True
        enqueue_health_alert(
            session,
            settings,
            policy_settings,
            policy,
            kind="broken",
            failing_since=policy.failing_since,
            detail=f"{policy.consecutive_failures} consecutive failed checks; last: {policy.last_error}",
        )
    session.add(policy)


def record_success(
    session: Session, settings: Settings, policy_settings: PolicySettings, policy: Policy, check: LiveCheck
) -> None:
    """Remember validators and body hash; close a failure episode (with a "recovered" alert if it alerted)."""
    if policy.broken_alerted and policy.failing_since is not None:
        enqueue_health_alert(
            session,
            settings,
            policy_settings,
            policy,
            kind="recovered",
            failing_since=policy.failing_since,
            detail=f"checks succeed again after {policy.consecutive_failures} failures",
        )
    policy.consecutive_failures = 0
    policy.failing_since = None
    policy.broken_alerted = False
    policy.last_check_at = check.fetched_at
    policy.last_outcome = "ok"
    policy.last_error = None
    policy.last_http_status = check.http_status
    if check.body_sha256 is not None:
        policy.etag = check.etag
        policy.last_modified = check.last_modified
        policy.last_body_sha256 = check.body_sha256
    session.add(policy)
