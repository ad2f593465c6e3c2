"""The alert delivery loop: claim due alerts, build their facts, compose, send, record every attempt.

The statements it runs are in ``storage.outbox``; the facts it builds from rows are in
``monitor.run.alert_facts``; composing and sending belong to the notifier's kind (``notifiers``).

Guarantees, and how they hold:

* **Never lost.** An alert row is written in the transaction that stores its change (``storage.outbox``),
  and it leaves ``pending`` only as ``delivered`` or ``dead``; a dead alert stays listed by
  ``policywatch alerts --failed`` and counted by ``policywatch status`` until ``--retry`` re-queues it.
* **One delivery per change per notifier.** The row's unique key (change id + notifier id) admits one row;
  a worker *claims* rows with a lease in one transaction (``SELECT … FOR UPDATE SKIP LOCKED`` on
  PostgreSQL; on SQLite the engine's ``BEGIN IMMEDIATE`` makes the select-then-update atomic, so only the
  dialect differs), and a delivered row is never claimed again. A worker that crashes holding a lease
  leaves rows that another claims once the lease expires.
* **At least once, at the edge.** If the process dies after the SMTP server or webhook accepted a message
  but before the ``delivered`` commit, the next claim sends it again. The window is kept to one message:
  each send is recorded in its own transaction right after it returns. Resends carry the same
  Message-ID / ``X-Policywatch-Delivery`` id, so receivers can drop them.
* **One bad notifier never blocks another.** Each notifier is served by its own task, and each message
  is one attempt: whatever goes wrong while composing or sending it (a :class:`DeliveryError`, or any
  other exception, such as the email library refusing a header with a line break) is recorded as a failed
  attempt of that message's alerts, with its reason, and their claim is released. The other messages and
  the other notifiers go on in the same pass. Every failed attempt is also logged as one JSON line
  (``policywatch.delivery``, event ``delivery failed``).

Failures back off exponentially from ``alerts.retry_backoff`` up to ``alerts.max_backoff``; after
``alerts.max_attempts`` tries (or at once, for a permanent error such as a webhook answering 404) the
alert is ``dead``. Within one pass, a notifier that fails transiently (a :class:`DeliveryError` that is
not permanent: its server is down) is not tried again: its other alerts stay due for the next pass rather
than each waiting out the same outage. Claims last ``alerts.claim_lease``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from monitor.config import NotifierSettings, Settings
from monitor.errors import DeliveryError
from monitor.run.alert_facts import FactsReader
from notifiers import NotifierKind, Transport, notifier_kind
from notifiers.base import AlertFacts
from storage.engine import session_scope
from storage.models import Alert, utcnow
from storage.outbox import DeliveryRun, FailedAttempt, lease_due, record_failure, record_success, release

log = logging.getLogger("policywatch.delivery")
# A one-shot command (``check``) configures no log sink: its summary line says what failed, and Python's
# last-resort handler must not print the JSON-less records to stderr. The daemon's root handler still
# receives them (records propagate past a NullHandler).
log.addHandler(logging.NullHandler())


@dataclass(frozen=True)
class DeliverySummary:
    """What one ``deliver_pending`` pass did, counted in alerts (``messages``: e-mails/posts sent)."""

    messages: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    errors: tuple[str, ...] = ()

    def __add__(self, other: DeliverySummary) -> DeliverySummary:
        return DeliverySummary(
            self.messages + other.messages,
            self.delivered + other.delivered,
            self.retrying + other.retrying,
            self.dead + other.dead,
            self.errors + other.errors,
        )

    def line(self) -> str:
        """``deliveries: 2 sent, 1 retrying, 0 dead``: what ``check`` prints."""
        return f"deliveries: {self.delivered} sent, {self.retrying} retrying, {self.dead} dead"


@dataclass(frozen=True)
class _Claimed:
    """A leased alert, with its facts, or why they could not be read (then it fails without a send)."""

    alert: Alert
    facts: AlertFacts | None
    problem: str | None = None


@dataclass(frozen=True)
class _Notifier:
    """One notifier for one pass: its settings, its plugin and its open transport."""

    notifier_id: str
    settings: NotifierSettings
    kind: NotifierKind
    transport: Transport


# -- claiming -------------------------------------------------------------------------------------------


def _facts(session: Session, alerts: Sequence[Alert], base_url: str) -> list[_Claimed]:
    reader = FactsReader(session, alerts, base_url)
    claimed = []
    for alert in alerts:
        try:
            claimed.append(_Claimed(alert, reader.facts(alert)))
        except LookupError as error:  # a row deleted under the alert: this alert fails, the rest go
            claimed.append(_Claimed(alert, None, str(error)))
    return claimed


def claim(
    engine: Engine, settings: Settings, run: DeliveryRun, notifier_id: str, seen: set[int]
) -> list[_Claimed]:
    """Lease a notifier's due alerts (not in ``seen``) for ``alerts.claim_lease``, with their facts."""
    with session_scope(engine) as session:
        alerts = lease_due(session, run, notifier_id, seen, settings.alerts.claim_lease)
        claimed = _facts(session, alerts, settings.web.base_url) if alerts else []
    seen.update(a.id for a in alerts if a.id is not None)
    return claimed


# -- sending --------------------------------------------------------------------------------------------


def group_for_sending(digest: bool, claimed: Sequence[_Claimed]) -> list[list[_Claimed]]:
    """One group per outgoing message.

    Change alerts that share a ``digest_group`` go out together (a backfill queues its changes as one
    digest for every notifier). A ``digest = true`` notifier also batches its ungrouped change alerts of
    this pass. Health alerts ("tracking broken"/"recovered") always go out alone: they should not wait in
    or hide inside a digest. An alert whose facts could not be read goes alone too, to fail alone.
    """
    groups: dict[str | None, list[_Claimed]] = {}
    singles: list[list[_Claimed]] = []
    for item in claimed:
        alert = item.alert
        if item.problem is None and alert.kind == "change" and (alert.digest_group is not None or digest):
            groups.setdefault(alert.digest_group, []).append(item)
        else:
            singles.append([item])
    return [*groups.values(), *singles]


def _ids(group: Sequence[_Claimed]) -> list[int]:
    return [item.alert.id for item in group if item.alert.id is not None]


def describe(error: BaseException) -> str:
    """``ValueError: Header values may not contain linefeed …``: the reason kept with the attempt."""
    return f"{type(error).__name__}: {str(error) or type(error).__name__}"


async def _attempt(notifier: _Notifier, group: Sequence[_Claimed]) -> None:
    """Compose and send one message; raises whatever went wrong."""
    problem = next((item.problem for item in group if item.problem is not None), None)
    if problem is not None:
        raise DeliveryError(f"cannot build the alert: {problem}")
    facts = [item.facts for item in group if item.facts is not None]
    message = notifier.kind.compose(facts, notifier.settings, sent_at=utcnow())
    await notifier.transport.send(message)


def log_failures(
    notifier_id: str,
    run: DeliveryRun,
    failures: Sequence[FailedAttempt],
    error: DeliveryError,
    duration_ms: int,
    caught: Exception | None,
) -> None:
    """One JSON line per failed attempt (the daemon's log), with the traceback of an unexpected error."""
    for failure in failures:
        fields = {
            "notifier": notifier_id, "alert_id": failure.alert_id, "alert": failure.key,
            "attempt": failure.attempts, "error": str(error), "permanent": error.permanent,
            "result": "dead" if failure.dead else "retrying",
            "next_attempt_at": failure.next_attempt_at.isoformat() if failure.next_attempt_at else None,
            "duration_ms": duration_ms, "worker": run.worker,
        }  # fmt: skip
        log.warning("delivery failed", exc_info=caught, extra={"fields": fields})


async def _send_one(
    engine: Engine, settings: Settings, run: DeliveryRun, notifier: _Notifier, group: Sequence[_Claimed]
) -> tuple[DeliverySummary, bool]:
    """Send one message; returns what happened and whether the notifier failed transiently (an outage)."""
    started = time.perf_counter()
    caught: Exception | None = None
    try:
        await _attempt(notifier, group)
    except DeliveryError as error:
        failure = error
    except Exception as error:  # the boundary of one attempt: whatever failed is this message's alone
        caught, failure = error, DeliveryError(describe(error))
    else:
        elapsed = int((time.perf_counter() - started) * 1000)
        delivered = await asyncio.to_thread(record_success, engine, run, _ids(group), elapsed)
        return DeliverySummary(messages=1, delivered=delivered), False
    elapsed = int((time.perf_counter() - started) * 1000)
    failures = await asyncio.to_thread(
        record_failure, engine, settings.alerts, run, _ids(group), failure, elapsed
    )
    log_failures(notifier.notifier_id, run, failures, failure, elapsed, caught)
    dead = sum(f.dead for f in failures)
    summary = DeliverySummary(
        retrying=len(failures) - dead, dead=dead, errors=(f"{notifier.notifier_id}: {failure}",)
    )
    # Only a clean transient error means "the server is down": an unexpected one may be this message's.
    return summary, caught is None and not failure.permanent


async def _send_groups(
    engine: Engine, settings: Settings, run: DeliveryRun, notifier: _Notifier, claimed: Sequence[_Claimed]
) -> tuple[DeliverySummary, bool]:
    """Send a claimed batch; True when the pass should stop for this notifier (outage, lease running out)."""
    deadline = time.monotonic() + settings.alerts.claim_lease.total_seconds() * 0.8
    summary = DeliverySummary()
    groups = group_for_sending(notifier.settings.digest, claimed)
    for index, group in enumerate(groups):
        if time.monotonic() > deadline:
            # Our lease is about to run out: another worker may claim these, so do not send them.
            await asyncio.to_thread(release, engine, run, [i for g in groups[index:] for i in _ids(g)])
            return summary, True
        result, outage = await _send_one(engine, settings, run, notifier, group)
        summary += result
        if outage:
            await asyncio.to_thread(release, engine, run, [i for g in groups[index + 1 :] for i in _ids(g)])
            return summary, True
    return summary, False


async def _deliver_for(
    engine: Engine, settings: Settings, run: DeliveryRun, notifier_id: str
) -> DeliverySummary:
    """Claim and send one notifier's due alerts, batch after batch, over one connection where possible."""
    notifier_settings = settings.notifiers[notifier_id]
    kind = notifier_kind(notifier_id, notifier_settings)
    transport = kind.transport(notifier_id, notifier_settings)
    notifier = _Notifier(notifier_id, notifier_settings, kind, transport)
    summary = DeliverySummary()
    seen: set[int] = set()  # alerts this pass already handled; a zero backoff must not loop
    try:
        while True:
            claimed = await asyncio.to_thread(claim, engine, settings, run, notifier_id, seen)
            if not claimed:
                return summary
            result, stop = await _send_groups(engine, settings, run, notifier, claimed)
            summary += result
            if stop:
                return summary
    finally:
        await transport.close()


async def _isolated(
    engine: Engine, settings: Settings, run: DeliveryRun, notifier_id: str
) -> DeliverySummary:
    """A notifier's pass, at its job boundary: a failure outside one attempt (its database reads, its
    transport's set-up) ends this notifier's pass only. Claimed rows it could not record come back when
    their lease expires."""
    try:
        return await _deliver_for(engine, settings, run, notifier_id)
    except Exception as error:  # job boundary: recorded in the log and the summary, never raised
        fields = {"notifier": notifier_id, "error": describe(error), "worker": run.worker}
        log.error("delivery pass failed", exc_info=error, extra={"fields": fields})
        return DeliverySummary(errors=(f"{notifier_id}: {describe(error)}",))


async def deliver_pending(
    settings: Settings,
    engine: Engine,
    *,
    worker: str,
    notifier_ids: Sequence[str] | None = None,
    now: datetime | None = None,
) -> DeliverySummary:
    """Deliver every due alert of the configured notifiers (or of ``notifier_ids``) once.

    Notifiers are served concurrently and apart, each claiming its alerts in batches of ``CLAIM_BATCH``
    (so a digest holds at most that many); one failing never holds up another. The daemon calls this
    every ``alerts.deliver_interval``; ``policywatch check`` calls it before it exits. ``now`` fixes the
    clock (tests). Alerts of notifiers no longer in the config stay pending.
    """
    asked = notifier_ids if notifier_ids is not None else list(settings.notifiers)
    wanted = [notifier_id for notifier_id in asked if notifier_id in settings.notifiers]
    run = DeliveryRun(worker, f"{worker}:{os.getpid()}:{uuid.uuid4().hex[:8]}", now)
    results = await asyncio.gather(*(_isolated(engine, settings, run, notifier) for notifier in wanted))
    total = DeliverySummary()
    for result in results:
        total += result
    return total
