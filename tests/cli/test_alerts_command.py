"""``policywatch alerts`` and ``status``: dead deliveries stay visible, ``--retry`` re-drives them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from monitor.cli import app
from monitor.run.delivery import deliver_pending
from tests.support.outbox import Outbox, make_outbox
from tests.support.smtp import SmtpServer
from tests.support.webhook import WebhookReceiver

runner = CliRunner()


def run_cli(*args: str) -> Any:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def as_json(*args: str) -> Any:
    return json.loads(run_cli(*args, "--json").stdout)


def dead_mail_outbox(tmp_path: Path, smtp: SmtpServer, hook: WebhookReceiver) -> tuple[Outbox, str]:
    """A qnet change whose e-mail died (SMTP down, one attempt allowed) and whose webhook was delivered."""
    outbox = make_outbox(
        tmp_path, notifiers={"mail": smtp.settings(), "hook": hook.settings()}, alerts={"max_attempts": 1}
    )
    outbox.store_change("qnet", 1, 2)
    smtp.stop()
    asyncio.run(deliver_pending(outbox.settings, outbox.engine, worker="test"))
    return outbox, str(tmp_path / "config.toml")


def test_failed_lists_the_dead_alert_with_its_error(
    tmp_path: Path, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver
) -> None:
    _outbox, config = dead_mail_outbox(tmp_path, smtp_server, webhook_receiver)

    [row] = as_json("alerts", "--failed", "--config", config)
    assert row["policy"] == "qnet" and row["notifier"] == "mail" and row["status"] == "dead"
    assert row["attempts"] == 1 and row["last_error"].startswith("SMTP 127.0.0.1")
    every = as_json("alerts", "--config", config)
    assert sorted(r["status"] for r in every) == ["dead", "delivered"]
    assert as_json("alerts", "--pending", "--config", config) == []

    table = run_cli("alerts", "--failed", "--config", config).stdout
    assert "qnet" in table and "dead" in table


def test_status_counts_dead_alerts_per_policy(
    tmp_path: Path, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver
) -> None:
    _outbox, config = dead_mail_outbox(tmp_path, smtp_server, webhook_receiver)

    rows = {row["policy"]: row["alerts"] for row in as_json("status", "--config", config)}
    assert rows["qnet"] == {"pending": 0, "delivered": 1, "dead": 1}
    assert "1 dead" in run_cli("status", "--config", config).stdout


def test_retry_redrives_dead_alerts_once_the_server_is_back(
    tmp_path: Path, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver
) -> None:
    _outbox, config = dead_mail_outbox(tmp_path, smtp_server, webhook_receiver)
    smtp_server.start()

    result = as_json("alerts", "--retry", "--config", config)
    again = as_json("alerts", "--retry", "--config", config)

    assert result["retry"]["requeued"] == 1 and result["retry"]["delivered"] == 1
    assert again["retry"]["requeued"] == 0 and again["retry"]["messages"] == 0
    assert {row["status"] for row in result["alerts"]} == {"delivered"}
    assert len(smtp_server.messages) == 1 and len(webhook_receiver.accepted) == 1


def test_retry_while_still_down_keeps_the_alert_visible(
    tmp_path: Path, smtp_server: SmtpServer, webhook_receiver: WebhookReceiver
) -> None:
    _outbox, config = dead_mail_outbox(tmp_path, smtp_server, webhook_receiver)

    output = run_cli("alerts", "--retry", "--failed", "--config", config).stdout

    assert "re-queued 1; delivered 0" in output and "1 dead" in output
    [row] = as_json("alerts", "--failed", "--config", config)
    assert row["status"] == "dead"
