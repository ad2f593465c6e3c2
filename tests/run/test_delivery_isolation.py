"""One bad notifier never blocks another: each failure is that notifier's attempt, recorded and released.

Real servers on 127.0.0.1 (aiosmtpd, a webhook receiver, the loopback site); the broken notifiers are
broken the way real ones are: an SMTP server that refuses, a sender address with a line break that makes
the email library raise, a transport that cannot even be set up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import monitor.run.delivery as delivery
from monitor.cli import app
from monitor.config import NotifierSettings, Settings
from monitor.run.delivery import deliver_pending
from notifiers import NotifierKind, Transport, notifier_kind
from notifiers.base import Message
from tests.support.outbox import Outbox, make_outbox
from tests.support.pages import policy_page
from tests.support.site import LoopbackSite
from tests.support.smtp import SmtpServer
from tests.support.webhook import WebhookReceiver

POLICY = """# Acme Privacy Policy

## Sharing

We share personal information with service providers who process it on our behalf under contract.
We do not sell your personal information.
"""
SOLD = POLICY.replace(
    "We do not sell your personal information.",
    "We may sell your personal information to data brokers and advertising partners.",
)


def with_sender(settings: Settings, notifier_id: str, sender: str) -> Settings:
    """The settings with one notifier's ``from`` replaced, past validation (as a config that let a bad
    address through would hand it over)."""
    notifiers = dict(settings.notifiers)
    notifiers[notifier_id] = notifiers[notifier_id].model_copy(update={"sender": sender})
    return settings.model_copy(update={"notifiers": notifiers})


def by_notifier(outbox: Outbox) -> dict[str, Any]:
    return {alert.notifier_id: alert for alert in outbox.alerts()}


async def test_a_header_the_email_library_refuses_fails_that_notifier_only(
    tmp_path: Path, db_url: str, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver
) -> None:
    good_mail = SmtpServer().start()
    try:
        outbox = make_outbox(
            tmp_path,
            db_url=db_url,
            notifiers={
                "bad": smtp_server.settings(),
                "good": good_mail.settings(),
                "hook": webhook_receiver.settings(),
            },
        )
        outbox.store_change("qnet", 1, 2)
        settings = with_sender(outbox.settings, "bad", "policywatch@alerts.example\r\nBcc: all@example.org")

        summary = await deliver_pending(settings, outbox.engine, worker="test")

        assert len(good_mail.messages) == 1 and len(webhook_receiver.accepted) == 1
    finally:
        good_mail.stop()
    alerts = by_notifier(outbox)
    assert alerts["good"].status == alerts["hook"].status == "delivered"
    bad = alerts["bad"]
    assert bad.status == "pending" and bad.attempts == 1
    assert bad.lease_owner is None and bad.lease_expires_at is None  # the claim is released
    assert bad.last_error is not None and bad.last_error.startswith("ValueError: ")
    assert "linefeed" in bad.last_error
    assert smtp_server.messages == []  # nothing half-sent, not even the Bcc
    failed = [a for a in outbox.attempts() if not a.ok]
    assert [a.alert_id for a in failed] == [bad.id] and failed[0].error == bad.last_error
    assert (summary.delivered, summary.retrying, summary.dead) == (2, 1, 0)
    assert summary.errors == (f"bad: {bad.last_error}",)


async def test_an_unexpected_failure_is_retried_and_the_notifiers_other_alerts_still_go(
    tmp_path: Path, webhook_receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = make_outbox(tmp_path, notifiers={"hook": webhook_receiver.settings()})
    outbox.store_change("qnet", 1, 2)
    outbox.store_change("qeg", 0, 1)
    first_key = outbox.alerts()[0].key
    real = notifier_kind("hook", outbox.settings.notifiers["hook"])

    def compose_failing_first(facts: Any, settings: NotifierSettings, *, sent_at: Any) -> Message:
        if facts[0].key == first_key:
            raise KeyError("a report field the renderer did not expect")
        return real.compose(facts, settings, sent_at=sent_at)

    patched = dataclasses.replace(real, compose=compose_failing_first)
    monkeypatch.setattr(delivery, "notifier_kind", lambda _id, _settings: patched)

    summary = await deliver_pending(outbox.settings, outbox.engine, worker="test")

    failed, sent = outbox.alerts()
    assert failed.status == "pending" and failed.attempts == 1 and failed.lease_owner is None
    assert failed.last_error == "KeyError: 'a report field the renderer did not expect'"
    assert sent.status == "delivered" and len(webhook_receiver.accepted) == 1
    assert (summary.delivered, summary.retrying) == (1, 1)


async def test_a_transport_that_cannot_be_set_up_leaves_the_other_notifiers_delivering(
    tmp_path: Path,
    smtp_server: SmtpServer,
    webhook_receiver: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outbox = make_outbox(
        tmp_path, notifiers={"mail": smtp_server.settings(), "hook": webhook_receiver.settings()}
    )
    outbox.store_change("qnet", 1, 2)

    def broken_transport(notifier_id: str, settings: NotifierSettings) -> Transport:
        raise OSError(24, "Too many open files")

    def kinds(notifier_id: str, settings: NotifierSettings) -> NotifierKind:
        kind = notifier_kind(notifier_id, settings)
        return dataclasses.replace(kind, transport=broken_transport) if notifier_id == "hook" else kind

    monkeypatch.setattr(delivery, "notifier_kind", kinds)

    summary = await deliver_pending(outbox.settings, outbox.engine, worker="test")

    alerts = by_notifier(outbox)
    assert alerts["mail"].status == "delivered" and len(smtp_server.messages) == 1
    assert alerts["hook"].status == "pending" and alerts["hook"].lease_owner is None  # never claimed
    assert summary.delivered == 1 and summary.errors == ("hook: OSError: [Errno 24] Too many open files",)


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def check(config: Path) -> str:
    return cli("check", "--config", str(config))


def test_check_delivers_to_the_good_notifier_while_the_other_smtp_server_refuses_and_says_so(
    site: LoopbackSite,
    smtp_server: SmtpServer,
    webhook_receiver: WebhookReceiver,
    make_config: Callable[..., Path],
    tmp_path: Path,
) -> None:
    refusing = SmtpServer().start()
    refusing.reply_next("451 4.3.0 mailbox temporarily unavailable", times=10)
    try:
        site.set("/privacy", policy_page(POLICY))
        config = make_config(
            storage_url=f"sqlite:///{tmp_path / 'alerts.db'}",
            policies=[{"name": "acme", "url": site.url("/privacy")}],
            notifiers={
                "refusing": refusing.settings(),
                "mail": smtp_server.settings(),
                "hook": webhook_receiver.settings(),
            },
        )
        cli("init", "--config", str(config))
        first = check(config)
        site.set("/privacy", policy_page(SOLD))
        changed = check(config)
    finally:
        refusing.stop()

    assert "deliveries: 0 sent, 0 retrying, 0 dead" in first
    assert len(smtp_server.messages) == 1 and len(webhook_receiver.accepted) == 1
    assert refusing.messages == []
    assert "deliveries: 2 sent, 1 retrying, 0 dead" in changed
    assert "refusing: SMTP 127.0.0.1" in changed and "451" in changed
