"""The webhook transport against a loopback receiver: JSON and Slack payloads, HMAC, status handling."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from monitor.config import WebhookNotifierSettings
from monitor.errors import DeliveryError
from notifiers import build_transport
from notifiers.webhook import WebhookTransport, verify
from tests.notifiers.helpers import send_once
from tests.support.webhook import WebhookReceiver

SECRET_ENV = "POLICYWATCH_TEST_HOOK_SECRET"
SECRET = "hook-secret-42"


def notifier(values: dict[str, Any]) -> tuple[WebhookTransport, WebhookNotifierSettings]:
    settings = WebhookNotifierSettings.model_validate(values)
    built = build_transport("hook", settings)
    assert isinstance(built, WebhookTransport)
    return built, settings


async def test_json_post_is_signed_over_the_raw_body(
    webhook_receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    before = int(time.time())
    await send_once(
        *notifier(webhook_receiver.settings(secret_env=SECRET_ENV, headers={"X-Team": "privacy"}))
    )

    [request] = webhook_receiver.wait_for(1)
    headers = request.headers
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert verify(SECRET, request.body, headers["x-policywatch-signature"])
    assert not verify("another-secret", request.body, headers["x-policywatch-signature"])
    assert before <= int(headers["x-policywatch-timestamp"]) <= int(time.time())
    assert headers["x-policywatch-delivery"] == "change:7:mail" and headers["x-policywatch-event"] == "change"
    assert headers["x-team"] == "privacy"
    document = json.loads(request.body)
    assert document["policy"] == "qnet" and document["severity"] == "high"
    assert document["versions"] == {"from": 2, "to": 3} and document["changes"][0]["kind"] == "modified"


async def test_unsigned_without_a_secret(webhook_receiver: WebhookReceiver) -> None:
    await send_once(*notifier(webhook_receiver.settings()))
    [request] = webhook_receiver.wait_for(1)
    assert "x-policywatch-signature" not in request.headers


async def test_slack_format_posts_text_and_blocks(webhook_receiver: WebhookReceiver) -> None:
    await send_once(*notifier(webhook_receiver.settings(format="slack")))
    [payload] = webhook_receiver.json()
    assert set(payload) == {"text", "blocks"}
    assert payload["text"].startswith("[policywatch] HIGH: qnet privacy policy now allows sale of data")
    assert payload["blocks"][0]["type"] == "header"


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(500, False), (503, False), (429, False), (408, False), (404, True), (400, True), (410, True)],
)
async def test_status_decides_whether_to_retry(
    webhook_receiver: WebhookReceiver, status: int, permanent: bool
) -> None:
    webhook_receiver.answer(status)
    with pytest.raises(DeliveryError) as caught:
        await send_once(*notifier(webhook_receiver.settings()))
    assert caught.value.permanent is permanent and f"HTTP {status}" in str(caught.value)


async def test_unreachable_receiver_is_retryable_and_the_url_path_is_not_logged(
    webhook_receiver: WebhookReceiver,
) -> None:
    url = webhook_receiver.url.replace("/hooks/", "/services/T000/B000/token-xyz/")
    webhook_receiver.stop()
    with pytest.raises(DeliveryError) as caught:
        await send_once(*notifier(webhook_receiver.settings(url=url)))
    assert not caught.value.permanent and "token-xyz" not in str(caught.value)


async def test_unset_secret_variable_fails_before_posting(
    webhook_receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with pytest.raises(DeliveryError, match=SECRET_ENV):
        await send_once(*notifier(webhook_receiver.settings(secret_env=SECRET_ENV)))
    assert webhook_receiver.requests == []
