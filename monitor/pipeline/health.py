"""Health bookkeeping after each check: failure streaks, "tracking broken" and "recovered" alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.config import PolicySettings
from monitor.sources.fetch import FetchResult
from storage import queries
from storage.engine import session_scope
from storage.models import CheckEvent, utcnow
from storage.outbox import enqueue_health_alert

if TYPE_CHECKING:
    from monitor.pipeline.chain import PipelineContext


def record_failure(
    ctx: PipelineContext,
    policy_settings: PolicySettings,
    outcome: str,
    reason: str,
    message: str,
    status: int | None,
    duration_ms: int,
) -> None:
    """Count a failed check; the threshold-th consecutive failure queues one "tracking broken" alert."""
    now = utcnow()
    with session_scope(ctx.engine) as session:
        policy = queries.get_policy(session, policy_settings.name)
        assert policy.id is not None
        policy.consecutive_failures += 1
        policy.failing_since = policy.failing_since or now
        policy.last_check_at = now
        policy.last_outcome = outcome
        policy.last_error = f"{reason}: {message}"[:2000]
        policy.last_http_status = status
        session.add(
            CheckEvent(
                policy_id=policy.id,
                at=now,
                outcome=outcome,
                http_status=status,
                error=policy.last_error,
                duration_ms=duration_ms,
                worker=ctx.worker,
            )
        )
        threshold = ctx.settings.alerts.failure_threshold
        if policy.consecutive_failures >= threshold and not policy.broken_alerted:
            policy.broken_alerted = True
            enqueue_health_alert(
                session,
                ctx.settings,
                policy_settings,
                policy,
                kind="broken",
                failing_since=policy.failing_since,
                detail=f"{policy.consecutive_failures} consecutive failed checks; last: {policy.last_error}",
            )
        session.add(policy)


def record_success(
    ctx: PipelineContext,
    policy_settings: PolicySettings,
    result: FetchResult,
    body_sha256: str | None,
) -> None:
    """Remember validators and body hash; close a failure episode (with a "recovered" alert if it alerted)."""
    with session_scope(ctx.engine) as session:
        policy = queries.get_policy(session, policy_settings.name)
        if policy.broken_alerted and policy.failing_since is not None:
            enqueue_health_alert(
                session,
                ctx.settings,
                policy_settings,
                policy,
                kind="recovered",
                failing_since=policy.failing_since,
                detail=f"checks succeed again after {policy.consecutive_failures} failures",
            )
        policy.consecutive_failures = 0
        policy.failing_since = None
        policy.broken_alerted = False
        policy.last_check_at = result.fetched_at
        policy.last_outcome = "ok"
        policy.last_error = None
        policy.last_http_status = result.status
        if not result.not_modified:
            policy.etag = result.etag
            policy.last_modified = result.last_modified
            policy.last_body_sha256 = body_sha256
        session.add(policy)
