"""Delivery across real processes: a killed worker's claim, and the daemon's log of failed attempts."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from monitor.run.delivery import deliver_pending
from storage.models import utcnow
from tests.run.daemon_harness import FAST_SCHEDULE, REPO, Store, running_daemon, wait_for
from tests.support.outbox import make_outbox
from tests.support.pages import policy_page
from tests.support.site import LoopbackSite
from tests.support.smtp import SmtpServer
from tests.support.webhook import WebhookReceiver

#: Seconds a fresh process may take to start and do its first work (imports are slow on a busy machine).
STARTUP = 60.0

#: A delivery worker that claims the mail notifier's alerts and then hangs, until it is killed.
CLAIM_AND_HANG = """
import sys
from monitor.config import load_config
from monitor.run.delivery import claim
from storage.outbox import DeliveryRun
from storage.engine import make_engine

settings = load_config(sys.argv[1])
claim(make_engine(settings.database_url), settings, DeliveryRun("doomed", "doomed:1:x", None), "mail", set())
sys.stdin.read()
"""

POLICY = """# Acme Privacy Policy

## Sharing

We share personal information with service providers who process it on our behalf under contract.
We do not sell your personal information.
"""
SOLD = POLICY.replace(
    "We do not sell your personal information.",
    "We may sell your personal information to data brokers and advertising partners.",
)


async def test_a_killed_workers_claim_expires_after_the_configured_lease(
    tmp_path: Path, db_url: str, smtp_server: SmtpServer
) -> None:
    outbox = make_outbox(
        tmp_path, db_url=db_url, notifiers={"mail": smtp_server.settings()}, alerts={"claim_lease": "90s"}
    )
    outbox.store_change("qnet", 1, 2)
    before = utcnow()
    worker = subprocess.Popen(
        [sys.executable, "-c", CLAIM_AND_HANG, str(tmp_path / "config.toml")],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        # A generous deadline: on a loaded machine a fresh interpreter takes seconds to import.
        wait_for(lambda: outbox.alerts()[0].lease_owner == "doomed:1:x", timeout=STARTUP)
        after = utcnow()
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    [held] = outbox.alerts()
    expires = held.lease_expires_at
    assert expires is not None
    assert before + timedelta(seconds=90) <= expires <= after + timedelta(seconds=90)

    early = await deliver_pending(
        outbox.settings, outbox.engine, worker="next", now=expires - timedelta(seconds=1)
    )
    assert early.messages == 0 and smtp_server.messages == []
    # 90 s after the claim: the default 5-minute lease would still hold the alert here.
    on_time = await deliver_pending(outbox.settings, outbox.engine, worker="next", now=expires)
    assert on_time.delivered == 1 and len(smtp_server.messages) == 1
    [alert] = outbox.alerts()
    assert alert.status == "delivered" and alert.attempts == 1


def test_the_daemon_logs_every_failed_attempt_as_a_json_line_and_the_good_notifier_delivers(
    site: LoopbackSite,
    webhook_receiver: WebhookReceiver,
    make_config: Callable[..., Path],
    tmp_path: Path,
) -> None:
    refusing = SmtpServer().start()
    refusing.reply_next("451 4.3.0 mailbox temporarily unavailable", times=1000)
    site.set("/acme", policy_page(POLICY))
    config = make_config(
        storage_url=f"sqlite:///{tmp_path / 'daemon.db'}",
        policies=[{"name": "acme", "url": site.url("/acme")}],
        notifiers={"refusing": refusing.settings(), "hook": webhook_receiver.settings()},
        sections={
            "schedule": dict(FAST_SCHEDULE),
            "alerts": {"deliver_interval": "200ms", "retry_backoff": "100ms", "max_backoff": "200ms"},
            "daemon": {"grace_period": "5s"},
        },
    )
    store = Store(config)
    try:
        with running_daemon(config, tmp_path / "daemon.log") as daemon:
            wait_for(lambda: len(store.versions("acme")) == 1, timeout=STARTUP)
            site.set("/acme", policy_page(SOLD))
            webhook_receiver.wait_for(1, timeout=STARTUP)

            def failed_attempts() -> list[dict[str, object]]:
                return [line for line in daemon.lines() if line.get("event") == "delivery failed"]

            wait_for(lambda: len(failed_attempts()) >= 2, timeout=STARTUP)
            daemon.signal(signal.SIGTERM)
            assert daemon.wait(STARTUP) == 0
            logged = failed_attempts()
        [alert] = [a for a in store.alerts("acme") if a.notifier_id == "refusing"]
    finally:
        refusing.stop()
        store.close()

    first, second = logged[:2]
    assert first["level"] == "warning" and first["logger"] == "policywatch.delivery"
    assert first["notifier"] == "refusing" and first["alert"] == alert.key
    assert (first["attempt"], second["attempt"]) == (1, 2)
    assert first["result"] == "retrying" and first["next_attempt_at"]
    assert str(first["error"]).startswith(f"SMTP 127.0.0.1:{refusing.port}: ") and "451" in str(
        first["error"]
    )
    assert {line["notifier"] for line in logged} == {"refusing"}  # the webhook never failed
    assert alert.attempts == len(logged) and alert.status == "pending"  # every attempt, one line each
    assert refusing.messages == [] and len(webhook_receiver.accepted) == 1
