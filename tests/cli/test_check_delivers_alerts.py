"""End to end: a policy page on a loopback site, ``policywatch check`` twice, one e-mail and one webhook."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from tests.conftest import ConfigFactory
from tests.support.pages import policy_page
from tests.support.site import LoopbackSite
from tests.support.smtp import SmtpServer
from tests.support.webhook import WebhookReceiver

POLICY = """# Acme Privacy Policy

Last updated: March 1, 2024

## Information we collect

We collect your name, e-mail address and payment details when you create an account.

## How we share information

We share personal information with service providers who process it on our behalf under contract.
We do not sell your personal information.

## Retention

We keep your data for as long as your account is active.
"""
SOLD = POLICY.replace(
    "We do not sell your personal information.",
    "We do not sell your personal information. We may sell your personal information to data brokers.",
)
REDATED = SOLD.replace("Last updated: March 1, 2024", "Last updated: April 2, 2024")
SECRET_ENV = "POLICYWATCH_E2E_HOOK_SECRET"

runner = CliRunner()


def check(config: Path) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["check", "--config", str(config), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_check_delivers_one_email_and_one_webhook_per_material_change_and_nothing_for_a_date(
    site: LoopbackSite,
    smtp_server: SmtpServer,
    webhook_receiver: WebhookReceiver,
    make_config: ConfigFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SECRET_ENV, "e2e-secret")
    site.set("/privacy", policy_page(POLICY))
    config = make_config(
        policies=[{"name": "acme", "url": site.url("/privacy")}],
        notifiers={"mail": smtp_server.settings(), "hook": webhook_receiver.settings(secret_env=SECRET_ENV)},
        sections={"web": {"base_url": "http://history.test"}},
    )
    assert runner.invoke(app, ["init", "--config", str(config)]).exit_code == 0

    [first] = check(config)
    assert first["outcome"] == "first_version" and first["alerts"] == 0
    assert smtp_server.messages == [] and webhook_receiver.requests == []

    site.set("/privacy", policy_page(SOLD))
    [changed] = check(config)
    assert changed["outcome"] == "new_version" and changed["material"] and changed["alerts"] == 2
    # check delivers before it exits: both are already there, nothing to wait for.
    [mail] = smtp_server.messages
    [hook] = webhook_receiver.accepted
    assert mail.message["Subject"].startswith(
        "[policywatch] HIGH: acme privacy policy now allows sale of data"
    )
    assert mail.message.get_content_type() == "multipart/alternative"
    text = mail.message.get_body(("plain",))
    assert text is not None
    assert "{+We may sell your personal information to data brokers.+}" in text.get_content() or (
        "New: We may sell your personal information to data brokers." in text.get_content()
    )
    assert f"http://history.test/policies/acme/changes/{changed['change_id']}" in text.get_content()
    document = json.loads(hook.body)
    assert document["policy"] == "acme" and document["change_id"] == changed["change_id"]
    assert document["severity"] == "high" and "sale" in document["categories"]

    site.set("/privacy", policy_page(REDATED))
    [dated] = check(config)
    assert dated["outcome"] == "new_version" and not dated["material"] and dated["alerts"] == 0
    assert len(smtp_server.messages) == 1 and len(webhook_receiver.requests) == 1
