"""Benchmark alert rendering and outbox delivery on loopback.

Run by hand: ``.venv/bin/python bench/alerts_bench.py [--alerts 300] [--renders 500]``.

* **render**: subject + text + HTML (e-mail), webhook JSON and Slack blocks for the corpus change
  ``qnet`` v01 → v02, per alert;
* **deliver**: ``deliver_pending`` over N queued alerts on SQLite, to an aiosmtpd server and a webhook
  receiver on 127.0.0.1 (both from ``tests/support``), one message per alert and then as one digest.
  Every alert is one SMTP session or one HTTP POST plus two short transactions (claim is batched).

Nothing is asserted: the figures are printed for the README and for regressions.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from monitor.run.delivery import deliver_pending  # noqa: E402
from notifiers.documents import slack_payload, webhook_document  # noqa: E402
from notifiers.render import render_email  # noqa: E402
from storage.engine import session_scope  # noqa: E402
from storage.models import Alert, utcnow  # noqa: E402
from tests.notifiers.helpers import corpus_message  # noqa: E402
from tests.support.outbox import make_outbox  # noqa: E402
from tests.support.smtp import SmtpServer  # noqa: E402
from tests.support.webhook import WebhookReceiver  # noqa: E402


def bench_render(count: int) -> None:
    message = corpus_message()
    render_email([message])  # template compilation is a one-off
    started = time.perf_counter()
    for _ in range(count):
        render_email([message])
        webhook_document([message], sent_at=utcnow())
        slack_payload([message])
    per_alert = (time.perf_counter() - started) / count
    print(f"render  {count} alerts: {per_alert * 1e6:,.0f} µs per alert (e-mail + JSON + Slack)")


def _queue(outbox_engine: object, change_id: int, policy_id: int, count: int, notifiers: list[str]) -> None:
    with session_scope(outbox_engine) as session:  # type: ignore[arg-type]
        for index in range(count):
            for notifier_id in notifiers:
                session.add(Alert(key=f"bench:{index}:{notifier_id}", policy_id=policy_id,
                                  change_id=change_id,
                                  notifier_id=notifier_id, severity="high"))


def bench_deliver(count: int, *, digest: bool) -> None:
    with tempfile.TemporaryDirectory() as folder, SmtpServer() as smtp, WebhookReceiver() as hook:
        outbox = make_outbox(Path(folder), notifiers={
            "mail": smtp.settings(digest=digest), "hook": hook.settings(digest=digest)})
        stored = outbox.store_change("qnet", 1, 2, alerts=False)
        assert stored.change_id is not None
        _queue(outbox.engine, stored.change_id, 1, count, ["mail", "hook"])
        started = time.perf_counter()
        summary = asyncio.run(deliver_pending(outbox.settings, outbox.engine, worker="bench"))
        elapsed = time.perf_counter() - started
        smtp.wait_for_messages(1 if digest else count)
        label = "digest " if digest else "deliver"
        print(
            f"{label} {2 * count} alerts ({count} e-mail + {count} webhook) in {summary.messages} messages: "
            f"{elapsed:.2f} s, {2 * count / elapsed:,.0f} alerts/s; "
            f"SMTP got {len(smtp.messages)}, webhook got {len(hook.accepted)}"
        )
        outbox.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=300)
    parser.add_argument("--renders", type=int, default=500)
    args = parser.parse_args()
    bench_render(args.renders)
    bench_deliver(args.alerts, digest=False)
    bench_deliver(args.alerts, digest=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
