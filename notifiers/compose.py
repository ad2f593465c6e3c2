"""Composers: the facts of one outgoing message in, a complete :class:`~notifiers.base.Message` out (pure).

One composer per notifier kind. Everything a transport would otherwise decide is decided here, from the
notifier's settings: the e-mail's sender, recipients, Message-ID and automatic-reply headers; the webhook's
document format and event headers. What stays with the transport is the protocol and the secrets (SMTP
login, the HMAC signature over the body it sends).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from monitor.config import EmailNotifierSettings, NotifierSettings, WebhookNotifierSettings
from monitor.errors import ConfigError
from notifiers.base import AlertFacts, Message
from notifiers.documents import slack_payload, webhook_document
from notifiers.render import delivery_id, render_email, subject_line

#: RFC 3834: an automatic message; stops vacation auto-replies and mail loops.
EMAIL_HEADERS: Final = (("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All"))
DELIVERY_HEADER: Final = "X-Policywatch-Delivery"
EVENT_HEADER: Final = "X-Policywatch-Event"


def message_id_for(facts: Sequence[AlertFacts], sender: str) -> str:
    """A Message-ID derived from the alert keys: a resend after a crash carries the same id."""
    domain = sender.rpartition("@")[2].strip(" >") or "policywatch.invalid"
    digest = hashlib.sha256(delivery_id(facts).encode("utf-8")).hexdigest()[:32]
    return f"<{digest}.alert@{domain}>"


def event_of(facts: Sequence[AlertFacts]) -> str:
    return facts[0].kind if len(facts) == 1 else "digest"


def _needs(facts: Sequence[AlertFacts]) -> None:
    if not facts:
        raise ValueError("a message needs at least one alert")


def compose_email(facts: Sequence[AlertFacts], settings: NotifierSettings, *, sent_at: datetime) -> Message:
    """A multipart/alternative e-mail: subject, text and HTML parts, addressed as the notifier says."""
    if not isinstance(settings, EmailNotifierSettings):
        raise ConfigError("compose_email: not an e-mail notifier's settings")
    _needs(facts)
    rendered = render_email(facts)
    return Message(
        delivery_id=delivery_id(facts),
        event=event_of(facts),
        subject=rendered.subject,
        sent_at=sent_at,
        alert_keys=rendered.keys,
        text=rendered.text,
        html=rendered.html,
        message_id=message_id_for(facts, settings.sender),
        sender=settings.sender,
        recipients=tuple(settings.to),
        headers=EMAIL_HEADERS,
    )


def compose_webhook(facts: Sequence[AlertFacts], settings: NotifierSettings, *, sent_at: datetime) -> Message:
    """A JSON document (``format = "json"``, with ``sent_at`` in the signed body) or Slack blocks."""
    if not isinstance(settings, WebhookNotifierSettings):
        raise ConfigError("compose_webhook: not a webhook notifier's settings")
    _needs(facts)
    slack = settings.format == "slack"
    payload = slack_payload(facts) if slack else webhook_document(facts, sent_at=sent_at)
    identity = delivery_id(facts)
    event = event_of(facts)
    return Message(
        delivery_id=identity,
        event=event,
        subject=subject_line(facts),
        sent_at=sent_at,
        alert_keys=tuple(f.key for f in facts),
        payload=payload,
        headers=((DELIVERY_HEADER, identity), (EVENT_HEADER, event)),
    )
