"""Alert notifiers: e-mail and webhooks, fed by the outbox and registered by kind.

``[notifiers.<id>]`` tables in the config declare notifiers; ``kind`` picks the class registered here::

    notifier = build_notifier("security-team", settings.notifiers["security-team"])
    await notifier.send([message])

The outbox (``storage.outbox``) queues alerts inside the store transaction; ``monitor.run.delivery`` sends
them with retries. A new transport is a class with ``send`` decorated with ``@register("<kind>")`` plus a
config model in the ``NotifierSettings`` union.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from monitor.config import NotifierSettings
from monitor.errors import ConfigError
from notifiers.base import AlertMessage, Notifier, RenderedAlert

NOTIFIER_KINDS: dict[str, type[Notifier]] = {}

N = TypeVar("N", bound=type[Notifier])


def register(kind: str) -> Callable[[N], N]:
    """Class decorator: make ``kind = "<kind>"`` in a ``[notifiers.<id>]`` table build this class."""

    def decorate(cls: N) -> N:
        NOTIFIER_KINDS[kind] = cls
        return cls

    return decorate


def build_notifier(notifier_id: str, settings: NotifierSettings) -> Notifier:
    try:
        cls = NOTIFIER_KINDS[settings.kind]
    except KeyError:
        known = ", ".join(sorted(NOTIFIER_KINDS))
        raise ConfigError(
            f"notifiers.{notifier_id}.kind: unknown kind {settings.kind!r} (known: {known})"
        ) from None
    return cls(notifier_id, settings)


# The transports register themselves on import; they need ``register`` defined above.
import notifiers.email  # noqa: E402
import notifiers.webhook  # noqa: E402,F401

__all__ = ["NOTIFIER_KINDS", "AlertMessage", "Notifier", "RenderedAlert", "build_notifier", "register"]
