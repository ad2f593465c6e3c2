"""The values notifiers work on, and the two roles a notifier kind plays: composing and sending.

Three steps, three owners, no storage in between:

1. ``monitor.run.delivery`` reads the outbox rows and builds one :class:`AlertFacts` per alert;
2. the kind's *composer* (``notifiers.compose``) turns the facts of one outgoing message (one alert, or a
   digest of several) into a :class:`Message`: subject, text and HTML parts, JSON payload, headers,
   Message-ID, sender and recipients, all decided;
3. the kind's :class:`Transport` puts that message on the wire and reports success or a
   :class:`~monitor.errors.DeliveryError`.

Composing is pure (no network, no database, no clock but the ``sent_at`` it is given), so a rendering is
testable without a server; a transport never formats, so it is testable with any message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from monitor.config import NotifierSettings


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """The facts of one alert, as the notifiers show them (built from the outbox row and stored report).

    ``kind`` is ``change`` (a material change), ``broken`` or ``recovered`` (tracking health). ``changes``
    holds the report's material clause entries (kind, section, old, new, inline, severity, categories,
    direction, reasons), in document order.
    """

    alert_id: int
    key: str
    kind: str
    policy: str
    policy_url: str
    severity: str
    link: str
    created_at: datetime
    summary: str = ""
    categories: tuple[str, ...] = ()
    direction: str = "neutral"
    reasons: tuple[str, ...] = ()
    changes: tuple[dict[str, Any], ...] = ()
    change_id: int | None = None
    from_version: int | None = None
    to_version: int | None = None
    observed_at: datetime | None = None
    #: Clauses changed in total, material or not (the report's stats), for "and N other edits".
    other_edits: int = 0
    #: The report's ``notice`` ("undated", "redated") when the change came without a fitting date.
    notice: str | None = None
    #: The new version's stated "last updated" date (``2025-03-03``), for "still dated …".
    stated_date: str | None = None
    #: Health alerts: what failed, since when, how many checks in a row.
    detail: str = ""
    failing_since: str | None = None
    failures: int = 0


@dataclass(frozen=True, slots=True)
class RenderedAlert:
    """One e-mail's content: a digest when it covers several alerts."""

    subject: str
    text: str
    html: str
    keys: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Message:
    """One outgoing message, complete: what a transport sends, and all it needs to know about it.

    ``delivery_id`` is stable across retries (the alert key, or a hash of a digest's keys) and
    ``message_id`` is the RFC 5322 Message-ID derived from it, so a receiver can drop a resend. ``event``
    is ``change``, ``broken``, ``recovered`` or ``digest``. ``payload`` is the JSON document a webhook
    posts (None for e-mail); ``headers`` are the message's own headers, in order (a transport adds its
    protocol's: Date, Content-Type, a signature ...). ``sent_at`` is the composition time, which the
    signed JSON body repeats.
    """

    delivery_id: str
    event: str
    subject: str
    sent_at: datetime
    alert_keys: tuple[str, ...]
    text: str = ""
    html: str = ""
    payload: Mapping[str, Any] | None = None
    message_id: str = ""
    sender: str = ""
    recipients: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()


class Composer(Protocol):
    """Builds the message of one kind of notifier from the facts it covers (a digest if several)."""

    def __call__(
        self, facts: Sequence[AlertFacts], settings: NotifierSettings, *, sent_at: datetime
    ) -> Message: ...


class Transport(Protocol):
    """Sends messages. ``send`` raises :class:`monitor.errors.DeliveryError` when one did not get through,
    with ``permanent=True`` when retrying cannot help (a webhook answering 404, say).

    A transport lives for one delivery pass and may keep a connection open between sends; ``close`` ends
    it and never raises.
    """

    notifier_id: str

    async def send(self, message: Message) -> None: ...

    async def close(self) -> None: ...


class TransportFactory(Protocol):
    def __call__(self, notifier_id: str, settings: NotifierSettings) -> Transport: ...


@dataclass(frozen=True, slots=True)
class NotifierKind:
    """A notifier plugin, declared as data: the ``kind`` a ``[notifiers.<id>]`` table names, how its
    messages are composed and which transport sends them."""

    kind: str
    description: str
    compose: Composer
    transport: TransportFactory
