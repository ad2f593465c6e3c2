"""The outbox's database side on a real database: enqueue once, lease, record an attempt, re-queue."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from monitor.config import AlertSettings
from monitor.errors import DeliveryError
from storage.engine import session_scope
from storage.models import utcnow
from storage.outbox import (
    DeliveryRun,
    backoff,
    lease_due,
    record_failure,
    record_success,
    release,
    requeue,
)
from tests.support.outbox import Outbox, make_outbox
from tests.support.webhook import WebhookReceiver


def test_backoff_doubles_from_retry_backoff_up_to_max_backoff() -> None:
    settings = AlertSettings(retry_backoff=timedelta(seconds=30), max_backoff=timedelta(minutes=5))
    assert [backoff(n, settings).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]


def hook_outbox(tmp_path: Path, receiver: WebhookReceiver, **alerts: object) -> Outbox:
    outbox = make_outbox(tmp_path, notifiers={"hook": receiver.settings()}, alerts=dict(alerts))
    outbox.store_change("qnet", 1, 2)
    return outbox


def lease(outbox: Outbox, run: DeliveryRun) -> list[int]:
    with session_scope(outbox.engine) as session:
        leased = lease_due(session, run, "hook", set(), outbox.settings.alerts.claim_lease)
        return [alert.id for alert in leased if alert.id is not None]


def test_a_lease_hides_the_alert_from_other_workers_until_it_expires(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    outbox = hook_outbox(tmp_path, webhook_receiver, claim_lease="2m")
    now = utcnow()
    first = lease(outbox, DeliveryRun("a", "a:1", now))

    assert len(first) == 1 and outbox.alerts()[0].lease_expires_at == now + timedelta(minutes=2)
    assert lease(outbox, DeliveryRun("b", "b:1", now + timedelta(seconds=119))) == []
    assert lease(outbox, DeliveryRun("b", "b:1", now + timedelta(minutes=2))) == first


def test_a_failed_attempt_is_recorded_with_its_reason_and_releases_the_claim(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    outbox = hook_outbox(tmp_path, webhook_receiver)
    now = utcnow()
    run = DeliveryRun("a", "a:1", now)
    ids = lease(outbox, run)

    [failed] = record_failure(outbox.engine, outbox.settings.alerts, run, ids, DeliveryError("boom"), 7)

    [alert] = outbox.alerts()
    assert alert.lease_owner is None and alert.lease_expires_at is None
    assert (alert.status, alert.attempts, alert.last_error) == ("pending", 1, "boom")
    assert failed.next_attempt_at == alert.next_attempt_at == now + timedelta(seconds=10)
    assert not failed.dead and failed.key == alert.key
    [attempt] = outbox.attempts()
    assert (attempt.ok, attempt.error, attempt.duration_ms, attempt.worker) == (False, "boom", 7, "a")


def test_a_worker_whose_lease_was_taken_over_records_nothing_for_it(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    outbox = hook_outbox(tmp_path, webhook_receiver, claim_lease="1m")
    now = utcnow()
    slow = DeliveryRun("slow", "slow:1", now)
    ids = lease(outbox, slow)
    lease(outbox, DeliveryRun("fast", "fast:1", now + timedelta(minutes=1)))

    assert record_failure(outbox.engine, outbox.settings.alerts, slow, ids, DeliveryError("late"), 1) == []
    release(outbox.engine, slow, ids)

    [alert] = outbox.alerts()
    assert alert.lease_owner == "fast:1" and alert.attempts == 0 and outbox.attempts() == []


def test_a_permanent_error_is_dead_at_once_and_requeue_revives_it_but_never_a_delivered_one(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    outbox = hook_outbox(tmp_path, webhook_receiver)
    outbox.store_change("qeg", 0, 1)
    run = DeliveryRun("a", "a:1", utcnow())
    dead_id, sent_id = lease(outbox, run)
    [failed] = record_failure(
        outbox.engine, outbox.settings.alerts, run, [dead_id], DeliveryError("404", permanent=True), 1
    )
    assert record_success(outbox.engine, run, [sent_id], 1) == 1
    assert failed.dead and failed.next_attempt_at is None

    assert requeue(outbox.engine) == 1

    revived, sent = outbox.alerts()
    assert (revived.status, revived.attempts) == ("pending", 0)
    assert sent.status == "delivered"
