"""Composing: the facts of an outgoing message in, a complete frozen Message out, per notifier kind."""

from __future__ import annotations

import ast
import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import EmailNotifierSettings, WebhookNotifierSettings
from monitor.errors import ConfigError
from notifiers import NOTIFIER_KINDS, notifier_kind
from notifiers.compose import compose_email, compose_webhook
from notifiers.email import EmailTransport, build_email
from notifiers.webhook import WebhookTransport
from tests.notifiers.helpers import corpus_message

SENT_AT = datetime(2024, 3, 2, 10, 30, tzinfo=UTC)
MAIL = EmailNotifierSettings.model_validate(
    {"kind": "email", "host": "127.0.0.1", "from": "Policywatch <alerts@watch.example>",
     "to": ["a@example.org", "b@example.org"]}
)  # fmt: skip
HOOK = WebhookNotifierSettings.model_validate({"kind": "webhook", "url": "http://127.0.0.1:9/hook"})
NOTIFIERS = Path(__file__).resolve().parents[2] / "notifiers"


def test_an_email_message_carries_its_parts_addresses_and_a_message_id_stable_across_retries() -> None:
    message = compose_email([corpus_message()], MAIL, sent_at=SENT_AT)
    retried = compose_email([corpus_message()], MAIL, sent_at=datetime(2024, 3, 3, tzinfo=UTC))

    assert message.subject.startswith("[policywatch] HIGH: qnet privacy policy now allows sale of data")
    assert "Words: QNET [-does not-]{+may+} share" in message.text and "<del style=" in message.html
    assert message.sender == "Policywatch <alerts@watch.example>"
    assert message.recipients == ("a@example.org", "b@example.org")
    assert message.message_id.endswith(".alert@watch.example>")
    assert message.message_id == retried.message_id and message.delivery_id == "change:7:mail"
    assert dict(message.headers)["Auto-Submitted"] == "auto-generated"
    assert message.event == "change" and message.alert_keys == ("change:7:mail",)
    assert message.payload is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.subject = "changed"  # type: ignore[misc]


def test_the_mime_message_is_built_from_the_message_value_alone() -> None:
    email = build_email(compose_email([corpus_message()], MAIL, sent_at=SENT_AT))

    assert email["To"] == "a@example.org, b@example.org"
    assert email["Date"] == "Sat, 02 Mar 2024 10:30:00 +0000"
    assert email["X-Auto-Response-Suppress"] == "All"
    assert [part.get_content_type() for part in email.iter_parts()] == ["text/plain", "text/html"]


def test_a_webhook_message_carries_the_signed_document_and_its_event_headers() -> None:
    single = compose_webhook([corpus_message()], HOOK, sent_at=SENT_AT)
    digest = compose_webhook(
        [corpus_message(), corpus_message("qeg", 0, 1, key="change:8:mail")], HOOK, sent_at=SENT_AT
    )

    assert single.payload is not None and single.payload["sent_at"] == "2024-03-02T10:30:00+00:00"
    assert dict(single.headers) == {
        "X-Policywatch-Delivery": "change:7:mail",
        "X-Policywatch-Event": "change",
    }
    assert digest.event == "digest" and digest.delivery_id.startswith("digest:")
    assert digest.payload is not None and len(digest.payload["alerts"]) == 2
    slack = compose_webhook([corpus_message()], HOOK.model_copy(update={"format": "slack"}), sent_at=SENT_AT)
    assert slack.payload is not None and set(slack.payload) == {"text", "blocks"}


def test_a_message_needs_at_least_one_alert() -> None:
    with pytest.raises(ValueError, match="at least one alert"):
        compose_webhook([], HOOK, sent_at=SENT_AT)


def test_kinds_are_declared_as_data_and_an_unknown_kind_names_the_key() -> None:
    assert NOTIFIER_KINDS["email"].compose is compose_email
    assert NOTIFIER_KINDS["email"].transport is EmailTransport
    assert NOTIFIER_KINDS["webhook"].transport is WebhookTransport
    assert notifier_kind("hook", HOOK) is NOTIFIER_KINDS["webhook"]
    with pytest.raises(ConfigError, match=r"notifiers\.pager\.kind: unknown kind 'pager'"):
        notifier_kind("pager", HOOK.model_copy(update={"kind": "pager"}))


def imported_modules(path: Path) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.append(node.module)
    return modules


def test_notifiers_never_import_storage_the_orm_or_the_layers_above() -> None:
    forbidden = ("storage", "sqlmodel", "sqlalchemy", "monitor.run", "monitor.pipeline")
    found = [
        f"{path.name}: {module}"
        for path in sorted(NOTIFIERS.glob("*.py"))
        for module in imported_modules(path)
        if any(module == root or module.startswith(root + ".") for root in forbidden)
    ]
    assert found == []
