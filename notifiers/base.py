"""What every notifier shares: the alert facts it is given, the rendered e-mail, and the transport protocol.

An :class:`AlertMessage` is built from an outbox row (and, for a change, its stored report) by
``monitor.run.delivery``; ``notifiers.render`` turns one or several of them into a subject, text, HTML or a
JSON document; a :class:`Notifier` only sends. Formatting never touches the network and sending never
formats, so a rendering is testable without a server and a transport without a corpus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from monitor.config import NotifierSettings


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """The facts of one alert, as the notifiers show them.

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
    #: Health alerts: what failed, since when, how many checks in a row.
    detail: str = ""
    failing_since: str | None = None
    failures: int = 0


@dataclass(frozen=True, slots=True)
class RenderedAlert:
    """One outgoing e-mail's content: a digest when it covers several alerts."""

    subject: str
    text: str
    html: str
    keys: tuple[str, ...] = field(default=())


class Notifier(Protocol):
    """A transport. ``send`` delivers one outgoing message covering ``messages`` (a digest if several).

    It raises :class:`monitor.errors.DeliveryError` when the message did not get through, with
    ``permanent=True`` when retrying cannot help (a webhook answering 404, say). A notifier lives for one
    delivery pass and may keep a connection open between sends; ``close`` ends it and never raises.
    """

    notifier_id: str
    digest: bool

    def __init__(self, notifier_id: str, settings: NotifierSettings) -> None: ...

    async def send(self, messages: Sequence[AlertMessage]) -> None: ...

    async def close(self) -> None: ...
