"""The outbox worker on real databases and servers: one delivery per change and notifier, retries, dead ends.

Time is passed in as ``now`` so backoffs are proven without sleeping.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from monitor.run.delivery import claim, deliver_pending
from storage import queries
from storage.engine import make_engine, session_scope
from storage.models import Alert, Change, utcnow
from storage.outbox import DeliveryRun, enqueue_backfill_digest, enqueue_health_alert, requeue
from tests.support.outbox import T0, Outbox, make_outbox
from tests.support.smtp import SmtpServer
from tests.support.webhook import WebhookReceiver


def two_targets(smtp: SmtpServer, hook: WebhookReceiver, **mail: Any) -> dict[str, dict[str, Any]]:
    return {"mail": smtp.settings(**mail), "hook": hook.settings()}


def statuses(outbox: Outbox) -> dict[str, str]:
    """Status per notifier (for tests with one change)."""
    return {alert.notifier_id: alert.status for alert in outbox.alerts()}


async def test_material_change_is_delivered_once_per_notifier(
    tmp_path: Path, db_url: str, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver
) -> None:
    outbox = make_outbox(tmp_path, db_url=db_url, notifiers=two_targets(smtp_server, webhook_receiver))
    stored = outbox.store_change("qnet", 1, 2)
    assert stored.material and stored.alerts == 2

    summary = await deliver_pending(outbox.settings, outbox.engine, worker="test")
    again = await deliver_pending(outbox.settings, outbox.engine, worker="test")

    assert (summary.delivered, summary.messages, summary.retrying, summary.dead) == (2, 2, 0, 0)
    assert again.delivered == again.messages == 0
    assert len(smtp_server.messages) == 1 and len(webhook_receiver.requests) == 1
    assert all(alert.status == "delivered" and alert.delivered_at for alert in outbox.alerts())
    assert [(attempt.ok, attempt.worker) for attempt in outbox.attempts()] == [(True, "test")] * 2


async def test_trivial_change_queues_and_sends_nothing(
    tmp_path: Path, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver
) -> None:
    outbox = make_outbox(tmp_path, notifiers=two_targets(smtp_server, webhook_receiver))
    stored = outbox.store_change("qnet", 0, 1)  # the "last updated" date only
    assert stored.change_id is not None and not stored.material

    summary = await deliver_pending(outbox.settings, outbox.engine, worker="test")

    assert outbox.alerts() == [] and summary.messages == 0
    assert smtp_server.messages == [] and webhook_receiver.requests == []


async def test_smtp_outage_delays_the_alert_and_then_delivers_it_exactly_once(
    tmp_path: Path, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver
) -> None:
    outbox = make_outbox(tmp_path, notifiers=two_targets(smtp_server, webhook_receiver))
    outbox.store_change("qnet", 1, 2)
    start = utcnow()
    smtp_server.stop()

    during = await deliver_pending(outbox.settings, outbox.engine, worker="test", now=start)
    [mail] = [alert for alert in outbox.alerts() if alert.notifier_id == "mail"]
    assert (during.delivered, during.retrying) == (1, 1)  # the webhook went out regardless
    assert mail.status == "pending" and mail.attempts == 1 and "SMTP 127.0.0.1" in (mail.last_error or "")
    assert mail.next_attempt_at == start + timedelta(seconds=10)

    not_due = await deliver_pending(
        outbox.settings, outbox.engine, worker="test", now=start + timedelta(seconds=5)
    )
    assert not_due == type(not_due)()  # nothing was due, nothing was tried

    smtp_server.start()  # back, on the same port
    after = await deliver_pending(
        outbox.settings, outbox.engine, worker="test", now=start + timedelta(seconds=11)
    )
    later = await deliver_pending(
        outbox.settings, outbox.engine, worker="test", now=start + timedelta(hours=1)
    )

    assert after.delivered == 1 and later.delivered == 0
    assert len(smtp_server.messages) == 1 and len(webhook_receiver.accepted) == 1
    mail_attempts = [a.ok for a in outbox.attempts() if a.alert_id == mail.id]
    assert mail_attempts == [False, True]


async def test_webhook_5xx_backs_off_exponentially_then_delivers(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    outbox = make_outbox(tmp_path, notifiers={"hook": webhook_receiver.settings()})
    outbox.store_change("qnet", 1, 2)
    webhook_receiver.fail(503, times=2)
    start = utcnow()

    await deliver_pending(outbox.settings, outbox.engine, worker="test", now=start)
    assert outbox.alerts()[0].next_attempt_at == start + timedelta(seconds=10)
    await deliver_pending(outbox.settings, outbox.engine, worker="test", now=start + timedelta(seconds=10))
    assert outbox.alerts()[0].next_attempt_at == start + timedelta(seconds=30)
    await deliver_pending(outbox.settings, outbox.engine, worker="test", now=start + timedelta(seconds=30))

    [alert] = outbox.alerts()
    assert alert.status == "delivered" and alert.attempts == 3
    assert len(webhook_receiver.requests) == 3 and len(webhook_receiver.accepted) == 1


async def test_alert_is_dead_after_max_attempts_and_stays_dead(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    outbox = make_outbox(tmp_path, notifiers={"mail": smtp_server.settings()}, alerts={"max_attempts": 2})
    outbox.store_change("qnet", 1, 2)
    smtp_server.stop()
    start = utcnow()

    await deliver_pending(outbox.settings, outbox.engine, worker="test", now=start)
    last = await deliver_pending(
        outbox.settings, outbox.engine, worker="test", now=start + timedelta(seconds=10)
    )
    smtp_server.start()
    later = await deliver_pending(
        outbox.settings, outbox.engine, worker="test", now=start + timedelta(days=1)
    )

    [alert] = outbox.alerts()
    assert last.dead == 1 and later.messages == 0
    assert alert.status == "dead" and alert.attempts == 2 and alert.last_error
    assert smtp_server.messages == []
    with session_scope(outbox.engine) as session:
        assert queries.alert_counts(session).dead == 1


async def test_permanent_webhook_error_is_dead_at_once(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    outbox = make_outbox(tmp_path, notifiers={"hook": webhook_receiver.settings()})
    outbox.store_change("qnet", 1, 2)
    webhook_receiver.answer(404)

    summary = await deliver_pending(outbox.settings, outbox.engine, worker="test")

    [alert] = outbox.alerts()
    assert summary.dead == 1 and alert.status == "dead" and alert.attempts == 1
    assert "HTTP 404" in (alert.last_error or "")


async def test_requeue_redrives_dead_alerts_and_never_resends_delivered_ones(
    tmp_path: Path, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver
) -> None:
    outbox = make_outbox(
        tmp_path, notifiers=two_targets(smtp_server, webhook_receiver), alerts={"max_attempts": 1}
    )
    outbox.store_change("qnet", 1, 2)
    smtp_server.stop()
    await deliver_pending(outbox.settings, outbox.engine, worker="test")
    assert statuses(outbox) == {"mail": "dead", "hook": "delivered"}

    smtp_server.start()
    assert requeue(outbox.engine) == 1
    summary = await deliver_pending(outbox.settings, outbox.engine, worker="test")

    assert summary.delivered == 1 and statuses(outbox) == {"mail": "delivered", "hook": "delivered"}
    assert len(smtp_server.messages) == 1 and len(webhook_receiver.accepted) == 1


async def test_digest_notifier_sends_one_message_for_several_changes(
    tmp_path: Path, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver
) -> None:
    outbox = make_outbox(tmp_path, notifiers=two_targets(smtp_server, webhook_receiver, digest=True))
    outbox.store_change("qnet", 1, 2)
    outbox.store_change("qeg", 0, 1)

    summary = await deliver_pending(outbox.settings, outbox.engine, worker="test")

    [digest] = smtp_server.messages
    assert digest.message["Subject"] == "[policywatch] 2 alerts, highest HIGH: qnet, qeg"
    text = digest.message.get_body(("plain",))
    assert (
        text is not None
        and "qnet privacy policy" in text.get_content()
        and "qeg privacy policy" in text.get_content()
    )
    assert len(webhook_receiver.accepted) == 2  # the webhook is not a digest notifier
    assert summary.messages == 3 and summary.delivered == 4
    assert {alert.status for alert in outbox.alerts()} == {"delivered"}


async def test_changes_queued_as_one_digest_group_go_out_together_on_any_notifier(
    tmp_path: Path, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver
) -> None:
    outbox = make_outbox(tmp_path, notifiers=two_targets(smtp_server, webhook_receiver))
    first = outbox.store_change("qnet", 1, 2, alerts=False)
    second = outbox.store("qnet", 3, at=T0 + timedelta(days=2), alerts=False)
    with session_scope(outbox.engine) as session:  # as a Wayback backfill queues what it found
        policy = queries.get_policy(session, "qnet")
        changes = [session.get(Change, first.change_id), session.get(Change, second.change_id)]
        queued = enqueue_backfill_digest(
            session,
            outbox.settings,
            outbox.settings.policy("qnet"),
            policy,
            [c for c in changes if c is not None],
            group="backfill:qnet",
        )
    assert len(queued) == 4

    summary = await deliver_pending(outbox.settings, outbox.engine, worker="test")

    assert summary.messages == 2 and summary.delivered == 4
    [mail] = smtp_server.messages
    assert mail.message["Subject"].startswith("[policywatch] 2 alerts, highest HIGH: qnet")
    [document] = webhook_receiver.json()
    assert document["event"] == "digest" and len(document["alerts"]) == 2


async def test_two_workers_at_once_deliver_each_alert_once(
    tmp_path: Path, db_url: str, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver
) -> None:
    outbox = make_outbox(tmp_path, db_url=db_url, notifiers=two_targets(smtp_server, webhook_receiver))
    outbox.store_change("qnet", 1, 2)
    outbox.store_change("qeg", 0, 1)
    other_process = make_engine(outbox.settings.database_url)  # a second pool, as another process has

    first, second = await asyncio.gather(
        deliver_pending(outbox.settings, outbox.engine, worker="worker-a"),
        deliver_pending(outbox.settings, other_process, worker="worker-b"),
    )
    other_process.dispose()

    assert first.delivered + second.delivered == 4
    ids = [received.message["Message-ID"] for received in smtp_server.messages]
    assert len(ids) == 2 and len(set(ids)) == 2
    assert sorted(r.headers["x-policywatch-delivery"] for r in webhook_receiver.accepted) == sorted(
        f"change:{a.change_id}:hook" for a in outbox.alerts() if a.notifier_id == "hook"
    )


async def test_restart_with_pending_deliveries_sends_each_once(
    tmp_path: Path, db_url: str, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver
) -> None:
    outbox = make_outbox(tmp_path, db_url=db_url, notifiers=two_targets(smtp_server, webhook_receiver))
    outbox.store_change("qnet", 1, 2)
    start = utcnow()
    # A worker claims everything, then its process dies before sending.
    crashed = DeliveryRun("crashed", "crashed:1:x", start)
    for notifier_id in ("mail", "hook"):
        assert len(claim(outbox.engine, outbox.settings, crashed, notifier_id, set())) == 1

    lease = outbox.settings.alerts.claim_lease
    restarted = make_engine(outbox.settings.database_url)
    while_leased = await deliver_pending(outbox.settings, restarted, worker="restarted", now=start)
    after_lease = await deliver_pending(outbox.settings, restarted, worker="restarted", now=start + lease)
    once_more = await deliver_pending(outbox.settings, restarted, worker="again", now=start + 2 * lease)
    restarted.dispose()

    assert while_leased.messages == 0
    assert after_lease.delivered == 2 and once_more.messages == 0
    assert len(smtp_server.messages) == 1 and len(webhook_receiver.accepted) == 1


async def test_outage_in_one_pass_tries_the_notifier_once_and_keeps_the_rest_due(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    outbox = make_outbox(tmp_path, notifiers={"mail": smtp_server.settings()})
    outbox.store_change("qnet", 1, 2)
    outbox.store_change("qeg", 0, 1)
    smtp_server.stop()

    summary = await deliver_pending(outbox.settings, outbox.engine, worker="test")

    first, second = outbox.alerts()
    assert summary.retrying == 1 and len(outbox.attempts()) == 1
    assert first.attempts == 1 and second.attempts == 0
    assert second.lease_owner is None and second.next_attempt_at <= utcnow()


async def test_tracking_broken_alert_goes_through_the_same_notifiers(
    tmp_path: Path, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver
) -> None:
    outbox = make_outbox(tmp_path, notifiers=two_targets(smtp_server, webhook_receiver))
    settings = outbox.settings
    with session_scope(outbox.engine) as session:
        policy = queries.get_policy(session, "qnet")
        policy.consecutive_failures = 3
        queued = enqueue_health_alert(
            session,
            settings,
            settings.policy("qnet"),
            policy,
            kind="broken",
            failing_since=utcnow(),
            detail="3 consecutive failed checks; last: http_503",
        )
    assert len(queued) == 2

    await deliver_pending(settings, outbox.engine, worker="test")

    [mail] = smtp_server.messages
    assert mail.message["Subject"] == "[policywatch] TRACKING BROKEN: qnet"
    [document] = webhook_receiver.json()
    assert document["event"] == "broken" and document["failures"] == 3
    assert document["link"].endswith("/policies/qnet")


async def test_policy_notify_list_and_notifier_threshold_pick_the_targets(
    tmp_path: Path, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver
) -> None:
    outbox = make_outbox(
        tmp_path,
        notifiers={"mail": smtp_server.settings(min_severity="high"), "hook": webhook_receiver.settings()},
        policies=[
            {"name": "qnet", "url": "http://127.0.0.1:9/a", "notify": ["hook"]},
            {"name": "qeg", "url": "http://127.0.0.1:9/b"},
        ],
    )
    outbox.store_change("qnet", 1, 2)  # high, but only "hook" is listed for qnet
    outbox.store_change("qeg", 0, 1)  # medium: below mail's "high"

    await deliver_pending(outbox.settings, outbox.engine, worker="test")

    assert {alert.notifier_id for alert in outbox.alerts()} == {"hook"}
    assert smtp_server.messages == [] and len(webhook_receiver.accepted) == 2


async def test_alerts_of_a_notifier_no_longer_configured_stay_pending(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    outbox = make_outbox(tmp_path, notifiers={"hook": webhook_receiver.settings()})
    outbox.store_change("qnet", 1, 2)
    with session_scope(outbox.engine) as session:
        alert = session.exec(select(Alert)).one()
        alert.notifier_id = "removed"
        session.add(alert)

    summary = await deliver_pending(outbox.settings, outbox.engine, worker="test")

    assert summary.messages == 0 and outbox.alerts()[0].status == "pending"


@pytest.mark.parametrize("notifier_ids", [["hook"], []])
async def test_deliver_pending_can_be_limited_to_some_notifiers(
    tmp_path: Path, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver, notifier_ids: list[str]
) -> None:
    outbox = make_outbox(tmp_path, notifiers=two_targets(smtp_server, webhook_receiver))
    outbox.store_change("qnet", 1, 2)

    await deliver_pending(outbox.settings, outbox.engine, worker="test", notifier_ids=notifier_ids)

    assert smtp_server.messages == []
    assert len(webhook_receiver.accepted) == len(notifier_ids)
