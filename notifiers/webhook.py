"""The webhook transport: one JSON POST per message with httpx, optionally signed with HMAC-SHA256.

With ``secret_env`` set, ``X-Policywatch-Signature: sha256=<hex>`` is the HMAC of the raw request body
under that secret, and ``X-Policywatch-Timestamp`` carries the send time (the JSON format also has it
in the signed body as ``sent_at``). A 2xx answer is a delivery; 408, 429, 5xx, timeouts and connection
errors are retried; any other answer is permanent (a wrong URL or a rejected payload will not heal).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

import httpx

from monitor.config import NotifierSettings, WebhookNotifierSettings, secret_from_env
from monitor.errors import ConfigError, DeliveryError
from notifiers.base import Message

USER_AGENT = "policywatch/0.1 (alerts)"
SIGNATURE_HEADER = "X-Policywatch-Signature"
TIMESTAMP_HEADER = "X-Policywatch-Timestamp"
RETRYABLE_STATUSES = frozenset({408, 425, 429})


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute the HMAC and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), signature)


def encode_body(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def redacted(url: str) -> str:
    """The URL without path or query: chat webhook URLs carry their token in the path."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "(invalid URL)"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}/…"


def status_error(status: int, url: str, body: str) -> DeliveryError | None:
    """None for a 2xx; otherwise the error, permanent unless a retry can succeed."""
    if 200 <= status < 300:
        return None
    permanent = status < 500 and status not in RETRYABLE_STATUSES
    snippet = " ".join(body.split())[:200]
    detail = f"webhook {redacted(url)}: HTTP {status}" + (f": {snippet}" if snippet else "")
    return DeliveryError(detail, permanent=permanent)


class WebhookTransport:
    """POSTs each message's JSON payload to ``url``, over one connection pool per delivery pass."""

    def __init__(self, notifier_id: str, settings: NotifierSettings) -> None:
        if not isinstance(settings, WebhookNotifierSettings):
            raise ConfigError(f"notifiers.{notifier_id}: not a webhook notifier")
        self.notifier_id = notifier_id
        self.settings = settings
        # One client per pass: making one builds a TLS context, which costs more than a local POST.
        self._client: httpx.AsyncClient | None = None

    def _secret(self) -> str | None:
        try:
            return secret_from_env(self.settings.secret_env, key=f"notifiers.{self.notifier_id}.secret_env")
        except ConfigError as error:
            raise DeliveryError(str(error)) from None

    def request(self, message: Message) -> tuple[bytes, dict[str, str]]:
        """The body and headers to POST (no I/O but the secret's environment variable)."""
        if message.payload is None:
            detail = f"notifiers.{self.notifier_id}: message {message.delivery_id} has no JSON payload"
            raise DeliveryError(detail, permanent=True)
        body = encode_body(message.payload)
        headers = {
            **self.settings.headers,
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            TIMESTAMP_HEADER: str(int(message.sent_at.timestamp())),
            **dict(message.headers),
        }
        secret = self._secret()
        if secret is not None:
            headers[SIGNATURE_HEADER] = sign(secret, body)
        return body, headers

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            timeout = self.settings.timeout.total_seconds()
            self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        return self._client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def send(self, message: Message) -> None:
        body, headers = self.request(message)
        url = self.settings.url
        try:
            response = await self._http().post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            detail = str(error).replace(url, redacted(url))  # the path may be a token
            raise DeliveryError(f"webhook {redacted(url)}: {type(error).__name__}: {detail}") from None
        failure = status_error(response.status_code, url, response.text)
        if failure is not None:
            raise failure
