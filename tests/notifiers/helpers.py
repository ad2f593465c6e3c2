"""Alert facts from the corpus, for the rendering and transport tests."""

from __future__ import annotations

from monitor.config import NotifierSettings
from monitor.core.analysis import analyse
from monitor.run.alert_facts import change_facts
from notifiers import NOTIFIER_KINDS, Transport
from notifiers.base import AlertFacts
from storage.models import Alert, Change, Policy, Version, utcnow
from tests.support.outbox import BASE_URL, T0, corpus_text

__all__ = ["BASE_URL", "T0", "corpus_message", "send_once"]


def corpus_message(
    policy: str = "qnet",
    old: int = 1,
    new: int = 2,
    *,
    key: str = "change:7:mail",
    alert_id: int = 1,
    change_id: int = 7,
) -> AlertFacts:
    """The facts of a corpus change, built exactly as delivery builds them (from the stored report)."""
    analysis = analyse(corpus_text(policy, old), corpus_text(policy, new))
    judgement = analysis.judgement
    change = Change(
        id=change_id,
        policy_id=1,
        from_version_id=old + 1,
        to_version_id=new + 1,
        material=judgement.material,
        severity=judgement.severity,
        direction=judgement.direction,
        categories=list(judgement.categories),
        summary=judgement.summary,
        report=analysis.report(),
    )
    alert = Alert(id=alert_id, key=key, policy_id=1, change_id=change_id, notifier_id="mail", created_at=T0)
    row = Policy(id=1, name=policy, url=f"https://www.{policy}.example/privacy")
    versions = [
        Version(id=number + 1, policy_id=1, number=number + 1, observed_at=T0) for number in (old, new)
    ]
    return change_facts(alert, row, change, *versions, base_url=BASE_URL)


async def send_once(transport: Transport, settings: NotifierSettings, *facts: AlertFacts) -> None:
    """Compose the corpus alert (or ``facts``) as the notifier's kind does, send it, and close the
    transport, as a delivery pass does."""
    message = NOTIFIER_KINDS[settings.kind].compose(facts or (corpus_message(),), settings, sent_at=utcnow())
    try:
        await transport.send(message)
    finally:
        await transport.close()
