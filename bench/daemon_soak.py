"""Soak test: ``policywatch run`` for a long time against a loopback site that changes, fails and recovers.

Run by hand: ``.venv/bin/python bench/daemon_soak.py [--minutes 60] [--policies 12] [--seed 1]``.

Every ``--period`` seconds one scripted episode happens to one policy (never two at once to the same one):

* ``change``: a material edit of the page → exactly one new version and one change alert;
* ``outage``: HTTP 500 (or a connection reset, or a bot-challenge page) for longer than the failure
  threshold → exactly one "broken" and one "recovered" alert, no version;
* ``blip``: one 429 with ``Retry-After: 1``, one 503, or one reset, absorbed by the retries → nothing;
* ``restart``: SIGTERM and start again, or ``kill -9`` and start again (leases expire and are reclaimed).

At the end the daemon is left to settle, stopped with SIGTERM, and the database is compared with what the
script implies: versions per policy, change alerts, broken/recovered alerts, every alert delivered once to
the webhook receiver. Any difference is printed and the exit status is 1.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.conftest import render_config  # noqa: E402
from tests.run.daemon_harness import BOT_CHALLENGE, DaemonProcess, Store  # noqa: E402
from tests.support.pages import policy_page  # noqa: E402
from tests.support.polling import wait_until  # noqa: E402
from tests.support.site import LoopbackSite  # noqa: E402

INTERVAL = 2.0
OUTAGE_SECONDS = 14.0  # ~7 checks at a 2 s interval: well past the threshold of 3 ...
FAILURES_PER_OUTAGE = 4  # ... unless restarts ate into it: then the outage lasts until this many
STALL_SECONDS = 60.0  # an outage that cannot reach FAILURES_PER_OUTAGE by then means checks stopped


def page(name: str, revision: int) -> str:
    return policy_page(f"""# {name.title()} Privacy Policy

## Information we collect

We collect your name, e-mail address and payment details when you create an account.

## Sharing

We do not sell your personal information. We share data only with service providers who process it.

## Retention

We keep your personal data for {revision + 1} years after your account is closed, then delete it.
""")


@dataclass
class Expected:
    versions: Counter[str] = field(default_factory=Counter)
    outages: Counter[str] = field(default_factory=Counter)
    revision: Counter[str] = field(default_factory=Counter)


class Soak:
    def __init__(self, args: argparse.Namespace, folder: Path) -> None:
        self.rng = random.Random(args.seed)
        self.names = [f"policy-{index:02d}" for index in range(args.policies)]
        self.site = LoopbackSite().start()
        self.hook = LoopbackSite().start()
        self.hook.set("/hook", "ok", content_type="text/plain")
        self.folder = folder
        self.expected = Expected()
        self.busy_until: dict[str, float] = {}
        self.restores: list[tuple[str, str, float]] = []  # (policy, kind of outage, when to end it)
        self.stalls: list[str] = []
        self.config = folder / "config.toml"
        self.config.write_text(self._config(), encoding="utf-8")
        self.store = Store(self.config)
        self.runs = 0
        self.daemon = self._start()
        for name in self.names:
            self.site.set(f"/{name}", page(name, 0))
            self.expected.versions[name] = 1

    def _config(self) -> str:
        return render_config(
            storage_url=f"sqlite:///{self.folder / 'soak.db'}",
            policies=[{"name": name, "url": self.site.url(f"/{name}")} for name in self.names],
            sections={
                "schedule": {"interval": f"{INTERVAL}s", "min_interval": "1s", "jitter": "500ms",
                             "tick": "200ms", "lease": "3s"},
                "fetch": {"timeout": "1s", "retries": 1, "retry_backoff": "100ms"},
                "alerts": {"failure_threshold": 3, "deliver_interval": "500ms", "retry_backoff": "200ms"},
            },
            notifiers={"ops": {"kind": "webhook", "url": self.hook.url("/hook")}},
        )

    def _start(self) -> DaemonProcess:
        self.runs += 1
        return DaemonProcess(self.config, self.folder / f"run-{self.runs:03d}.log").start()

    def idle_policy(self, now: float) -> str | None:
        in_outage = {name for name, _, _ in self.restores}
        idle = [n for n in self.names if self.busy_until.get(n, 0) < now and n not in in_outage]
        return self.rng.choice(idle) if idle else None

    def episode(self, now: float) -> str:
        kind = self.rng.choice(["change", "change", "outage", "blip", "blip", "restart"])
        if kind == "restart":
            return self.restart()
        name = self.idle_policy(now)
        if name is None:
            return "all busy"
        path = f"/{name}"
        if kind == "change":
            self.expected.revision[name] += 1
            self.expected.versions[name] += 1
            self.site.set(path, page(name, self.expected.revision[name]))
            self.busy_until[name] = now + 4 * INTERVAL
            return f"change {name}"
        if kind == "outage":
            how = self.rng.choice(["500", "reset", "bot"])
            if how == "bot":
                self.site.set(path, BOT_CHALLENGE)
            else:
                self.site.fail(path, 500 if how == "500" else None, reset=how == "reset")
            self.expected.outages[name] += 1
            self.busy_until[name] = now + OUTAGE_SECONDS + 4 * INTERVAL
            self.restores.append((name, how, now + OUTAGE_SECONDS))
            return f"outage {name} ({how})"
        how = self.rng.choice(["429", "503", "reset"])
        if how == "reset":
            self.site.fail(path, None, reset=True, times=1)
        else:
            self.site.fail(path, int(how), times=1, retry_after=1)
        self.busy_until[name] = now + 2 * INTERVAL
        return f"blip {name} ({how})"

    def restore_due(self, now: float) -> None:
        """End outages that lasted their time *and* reached the failure threshold (restarts slow them)."""
        for name, how, until in [item for item in self.restores if item[2] <= now]:
            if self.store.failures(name) < FAILURES_PER_OUTAGE:
                if now - until > STALL_SECONDS:
                    self.stalls.append(f"{name}: outage stuck at {self.store.failures(name)} failures")
                else:
                    continue
            self.site.clear_fault(f"/{name}")
            if how == "bot":
                self.site.set(f"/{name}", page(name, self.expected.revision[name]))
            self.restores.remove((name, how, until))

    def restart(self) -> str:
        if self.rng.random() < 0.5:
            self.daemon.signal(signal.SIGTERM)
            code = self.daemon.wait(30)
            if code != 0:
                raise SystemExit(f"daemon exited {code} after SIGTERM")
            how = "SIGTERM"
        else:
            self.daemon.kill9()
            how = "kill -9"
        self.daemon = self._start()
        return f"restart ({how})"

    def settle(self) -> None:
        def settled() -> bool:
            for name in self.names:
                versions = self.store.versions(name)
                if len(versions) != self.expected.versions[name] or self.store.failures(name):
                    return False
                if any(alert.status != "delivered" for alert in self.store.alerts(name)):
                    return False
            return True

        wait_until(settled, timeout=120, interval=0.5)
        self.daemon.signal(signal.SIGTERM)
        if self.daemon.wait(30) != 0:
            raise SystemExit("daemon did not stop cleanly")

    def verify(self) -> list[str]:
        problems = list(self.stalls)
        for name in self.names:
            versions = self.store.versions(name)
            changes = self.store.alerts(name, "change")
            broken = self.store.alerts(name, "broken")
            recovered = self.store.alerts(name, "recovered")
            expect_versions, outages = self.expected.versions[name], self.expected.outages[name]
            if [v.number for v in versions] != list(range(1, expect_versions + 1)):
                numbers = [v.number for v in versions]
                problems.append(f"{name}: versions {numbers}, expected 1..{expect_versions}")
            if len(changes) != expect_versions - 1:
                problems.append(f"{name}: {len(changes)} change alerts, expected {expect_versions - 1}")
            if len(broken) != outages or len(recovered) != outages:
                counts = f"{len(broken)} broken, {len(recovered)} recovered"
                problems.append(f"{name}: {counts}; expected {outages} of each")
        all_alerts = sum(len(self.store.alerts(name)) for name in self.names)
        self.posts = self.hook.count("/hook")
        # kill -9 between a webhook post and its "delivered" mark re-sends it: at least once, not exactly.
        if self.posts < all_alerts:
            problems.append(f"webhook received {self.posts} posts for {all_alerts} alerts")
        return problems


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--policies", type=int, default=12)
    parser.add_argument("--period", type=float, default=6.0, help="seconds between episodes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep the database and daemon logs in this folder")
    args = parser.parse_args()
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="policywatch-soak-") as scratch:
        folder = str(args.keep or scratch)
        soak = Soak(args, Path(folder))
        started = time.monotonic()
        deadline = started + args.minutes * 60
        next_episode = started + args.period
        episodes: Counter[str] = Counter()
        try:
            while time.monotonic() < deadline:
                now = time.monotonic()
                soak.restore_due(now)
                if now >= next_episode:
                    what = soak.episode(now)
                    episodes[what.split(" ")[0]] += 1
                    print(f"{now - started:8.1f}s  {what}", flush=True)
                    next_episode = now + args.period
                time.sleep(0.2)  # the driver's own pacing loop, not a test wait
            while soak.restores:
                soak.restore_due(time.monotonic())
                time.sleep(0.2)
            soak.settle()
            problems = soak.verify()
        finally:
            soak.daemon.stop()
            soak.site.stop()
            soak.hook.stop()
        total_versions = sum(soak.expected.versions.values())
        minutes = (time.monotonic() - started) / 60
        print(f"\n{minutes:.1f} min, {soak.runs} daemon runs, episodes {dict(episodes)},"
              f" {total_versions} versions, {sum(soak.expected.outages.values())} outages,"
              f" {soak.posts} webhook posts")
        if problems:
            print("MISMATCHES:\n  " + "\n  ".join(problems))
            raise SystemExit(1)
        print("OK: exactly the expected versions and alerts, every alert delivered")


if __name__ == "__main__":
    main()
