"""``policywatch alerts``: list the alert outbox, and re-drive failed deliveries with ``--retry``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor.cli import app
from monitor.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    handle_errors,
    open_engine,
    print_json,
    settings_from,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from monitor.config import Settings
    from monitor.run.delivery import DeliverySummary
    from storage.models import Alert

STATUS_STYLE = {"delivered": "green", "dead": "bold red", "retrying": "yellow", "pending": ""}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def shown_status(alert: Alert) -> str:
    """``retrying`` is a pending alert that has failed at least once."""
    from storage.outbox import PENDING

    return "retrying" if alert.status == PENDING and alert.attempts else alert.status


def alert_rows(
    session: Session, settings: Settings, *, pending: bool, failed: bool, policy: str | None, limit: int
) -> list[dict[str, Any]]:
    import sqlalchemy as sa
    from sqlmodel import col, select

    from storage import queries
    from storage.models import Alert, Policy
    from storage.outbox import DEAD, PENDING

    query = select(Alert, Policy.name).join(Policy, col(Policy.id) == col(Alert.policy_id))
    status, attempts = col(Alert.status), col(Alert.attempts)
    wanted = []
    if pending:
        wanted.append(status == PENDING)
    if failed:
        wanted.append((status == DEAD) | ((status == PENDING) & (attempts > 0)))
    if wanted:
        query = query.where(sa.or_(*wanted))
    if policy is not None:
        query = query.where(Alert.policy_id == queries.get_policy(session, policy).id)
    query = query.order_by(col(Alert.created_at).desc(), col(Alert.id).desc()).limit(limit)
    return [_row(alert, name, settings) for alert, name in session.exec(query).all()]


def _row(alert: Alert, policy_name: str, settings: Settings) -> dict[str, Any]:
    from storage.outbox import PENDING

    return {
        "id": alert.id,
        "key": alert.key,
        "policy": policy_name,
        "kind": alert.kind,
        "notifier": alert.notifier_id,
        "notifier_configured": alert.notifier_id in settings.notifiers,
        "severity": alert.severity,
        "status": shown_status(alert),
        "attempts": alert.attempts,
        "last_error": alert.last_error,
        "change_id": alert.change_id,
        "created_at": _iso(alert.created_at),
        "next_attempt_at": _iso(alert.next_attempt_at) if alert.status == PENDING else None,
        "delivered_at": _iso(alert.delivered_at),
    }


def _print_table(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table("id", "policy", "kind", "notifier", "severity", "status", "tries", "last error", "created",
                  "delivered / next try")
    for row in rows:
        style = STATUS_STYLE.get(row["status"], "")
        notifier = row["notifier"] + ("" if row["notifier_configured"] else " (not configured)")
        when = row["delivered_at"] or row["next_attempt_at"] or ""
        table.add_row(
            str(row["id"]), row["policy"], row["kind"], notifier, row["severity"],
            f"[{style}]{row['status']}[/]" if style else row["status"], str(row["attempts"]),
            (row["last_error"] or "")[:160], row["created_at"][:19], when[:19],
        )
    console.print(table)
    if not rows:
        console.print("no alerts")


def _retry(settings: Settings, policy: str | None) -> tuple[int, DeliverySummary]:
    import asyncio

    from monitor.run.delivery import deliver_pending
    from storage import queries
    from storage.engine import session_scope
    from storage.outbox import requeue

    engine = open_engine(settings)
    policy_id = None
    if policy is not None:
        with session_scope(engine) as session:
            policy_id = queries.get_policy(session, policy).id
    count = requeue(engine, policy_id=policy_id)
    summary = asyncio.run(deliver_pending(settings, engine, worker="cli-retry"))
    return count, summary


@app.command("alerts")
@handle_errors
def alerts_command(
    pending: Annotated[bool, typer.Option("--pending", help="Only alerts not delivered yet.")] = False,
    failed: Annotated[
        bool, typer.Option("--failed", help="Only dead alerts and alerts that failed and wait for a retry.")
    ] = False,
    retry: Annotated[
        bool, typer.Option("--retry", help="Re-queue dead alerts, make waiting ones due, and deliver now.")
    ] = False,
    policy: Annotated[str | None, typer.Option("--policy", help="Only this policy's alerts.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most this many (newest first).")] = 50,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """The alert outbox: what was sent, what waits, what failed. Dead alerts stay here until retried."""
    from storage.engine import session_scope

    settings = settings_from(config)
    summary: DeliverySummary | None = None
    requeued = 0
    if retry:
        requeued, summary = _retry(settings, policy)
    engine = open_engine(settings, readonly=True)
    with session_scope(engine) as session:
        rows = alert_rows(session, settings, pending=pending, failed=failed, policy=policy, limit=limit)
    if as_json:
        print_json(rows if summary is None else {"retry": _summary_json(requeued, summary), "alerts": rows})
        return
    if summary is not None:
        console.print(
            f"re-queued {requeued}; delivered {summary.delivered} in {summary.messages} message(s), "
            f"{summary.retrying} will retry, {summary.dead} dead"
        )
        for error in summary.errors:
            console.print(f"[red]{error}[/]", highlight=False)
    _print_table(rows)


def _summary_json(requeued: int, summary: DeliverySummary) -> dict[str, Any]:
    return {
        "requeued": requeued, "messages": summary.messages, "delivered": summary.delivered,
        "retrying": summary.retrying, "dead": summary.dead, "errors": list(summary.errors),
    }
