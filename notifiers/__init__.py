"""Alert notifiers: pure transports of composed messages, declared as data by ``kind``.

``[notifiers.<id>]`` tables in the config declare notifiers; ``kind`` picks an entry of
:data:`NOTIFIER_KINDS`, which says how that kind's messages are composed and which transport sends them::

    kind = notifier_kind("security-team", settings)
    message = kind.compose([facts], settings, sent_at=now)          # pure: notifiers.compose
    transport = kind.transport("security-team", settings)
    await transport.send(message)                                    # I/O only: notifiers.email / .webhook
    await transport.close()

Nothing here touches the database: the outbox (``storage.outbox``) queues alerts inside the store
transaction, and the delivery loop (``monitor.run.delivery``) claims them, builds their
:class:`AlertFacts`, composes, sends and records each attempt. A new kind is one more
:class:`NotifierKind` entry (a composer and a transport) plus a config model in the ``NotifierSettings``
union.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from monitor.config import NotifierSettings
from monitor.errors import ConfigError
from notifiers.base import AlertFacts, Composer, Message, NotifierKind, RenderedAlert, Transport
from notifiers.compose import compose_email, compose_webhook
from notifiers.email import EmailTransport
from notifiers.webhook import WebhookTransport

NOTIFIER_KINDS: Mapping[str, NotifierKind] = MappingProxyType({
    "email": NotifierKind(
        kind="email",
        description="multipart/alternative e-mail over SMTP (STARTTLS, implicit TLS or plain)",
        compose=compose_email,
        transport=EmailTransport,
    ),
    "webhook": NotifierKind(
        kind="webhook",
        description="JSON or Slack-compatible POST over HTTP(S), optionally HMAC-signed",
        compose=compose_webhook,
        transport=WebhookTransport,
    ),
})  # fmt: skip


def notifier_kind(notifier_id: str, settings: NotifierSettings) -> NotifierKind:
    """The plugin a notifier's ``kind`` names; a config error naming the key when there is none."""
    try:
        return NOTIFIER_KINDS[settings.kind]
    except KeyError:
        known = ", ".join(sorted(NOTIFIER_KINDS))
        raise ConfigError(
            f"notifiers.{notifier_id}.kind: unknown kind {settings.kind!r} (known: {known})"
        ) from None


def build_transport(notifier_id: str, settings: NotifierSettings) -> Transport:
    return notifier_kind(notifier_id, settings).transport(notifier_id, settings)


__all__ = [
    "NOTIFIER_KINDS",
    "AlertFacts",
    "Composer",
    "Message",
    "NotifierKind",
    "RenderedAlert",
    "Transport",
    "build_transport",
    "notifier_kind",
]
