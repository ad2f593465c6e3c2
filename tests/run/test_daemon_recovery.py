"""Crash safety and scale-out: ``kill -9`` at arbitrary moments, and two workers on one database."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.run.daemon_harness import FAST_SCHEDULE, Store, running_daemon, wait_for
from tests.support.pages import policy_page
from tests.support.site import LoopbackSite

ConfigFactory = Callable[..., Path]
NAMES = ("alpha", "beta", "gamma", "delta")


def revision(name: str, number: int) -> str:
    """Policy text whose retention period changes with every revision (a material change)."""
    return f"""# {name.title()} Privacy Policy

## Information we collect

We collect your name, e-mail address and payment details when you create an account.

## Sharing

We do not sell your personal information. We share data only with service providers.

## Retention

We keep your personal data for {number + 1} years after your account is closed, then delete it.
"""


def _config(make_config: ConfigFactory, site: LoopbackSite, hook: str | None, **extra: Any) -> Path:
    notifiers = {"ops": {"kind": "webhook", "url": hook}} if hook else None
    return make_config(
        policies=[{"name": name, "url": site.url(f"/{name}")} for name in NAMES],
        sections={
            "schedule": {**FAST_SCHEDULE, "lease": "2s"},
            "alerts": {"deliver_interval": "200ms", "retry_backoff": "100ms"},
            "fetch": {"timeout": "10s"},
        },
        notifiers=notifiers,
        **extra,
    )


def _publish(site: LoopbackSite, number: int) -> None:
    for name in NAMES:
        site.set(f"/{name}", policy_page(revision(name, number)))


def test_kill_9_at_any_moment_leaves_no_partial_version_and_no_lost_alert(
    site: LoopbackSite, make_config: ConfigFactory, tmp_path: Path
) -> None:
    hook = LoopbackSite().start()
    hook.set("/hook", "ok", content_type="text/plain")
    config = _config(make_config, site, hook.url("/hook"))
    store = Store(config)
    rounds = 4
    for number in range(rounds):
        _publish(site, number)
        # Kill as soon as the daemon is busy with the new revision: mid-fetch, mid-store or mid-delivery.
        kill_after = len(site.requests) + 2 + number % 3
        with running_daemon(config, tmp_path / f"run{number}.log") as daemon:
            wait_for(lambda: len(site.requests) >= kill_after, timeout=20)  # noqa: B023 - used at once
            daemon.kill9()

    with running_daemon(config, tmp_path / "final.log") as daemon:
        wait_for(lambda: all(_latest_text_has(store, name, f"{rounds} years") for name in NAMES), timeout=30)
        wait_for(lambda: all(a.status == "delivered" for name in NAMES for a in store.alerts(name)))
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(15) == 0

    delivered = [request.body for request in hook.requests_to("/hook")]
    for name in NAMES:
        versions = store.versions(name)
        assert [v.number for v in versions] == list(range(1, len(versions) + 1))  # no gap, no duplicate
        assert len({v.text_sha256 for v in versions}) == len(versions)
        snapshot_versions = {s.version_id for s in store.snapshots(name)}
        assert {v.id for v in versions} <= snapshot_versions  # every version has its raw body
        alerts = store.alerts(name, "change")
        assert len(alerts) == len(versions) - 1  # one alert per material change: none lost, none doubled
        assert len({a.change_id for a in alerts}) == len(alerts)
    assert len(delivered) >= sum(len(store.alerts(name, "change")) for name in NAMES)
    hook.stop()
    store.close()


def _latest_text_has(store: Store, name: str, words: str) -> bool:
    from storage.engine import session_scope
    from storage.queries import version_text

    versions = store.versions(name)
    if not versions:
        return False
    with session_scope(store.engine) as session:  # a delta-stored text resolves its base in a session
        return words in version_text(versions[-1], session)


def test_two_workers_share_the_schedule_without_duplicate_versions(
    db_url: str, site: LoopbackSite, make_config: ConfigFactory, tmp_path: Path
) -> None:
    _publish(site, 0)
    config = _config(make_config, site, None, storage_url=db_url)
    store = Store(config)
    with (
        running_daemon(config, tmp_path / "a.log") as first,
        running_daemon(config, tmp_path / "b.log") as second,
    ):
        wait_for(lambda: all(len(store.versions(name)) == 1 for name in NAMES), timeout=20)
        _publish(site, 1)
        wait_for(lambda: all(len(store.versions(name)) == 2 for name in NAMES), timeout=20)
        count = len(site.requests)
        wait_for(lambda: len(site.requests) >= count + 3 * len(NAMES))  # a few more rounds of checks
        wait_for(lambda: first.checks() and second.checks(), timeout=20)  # both take part
        for daemon in (first, second):
            daemon.signal(signal.SIGTERM)
        assert first.wait(15) == 0 and second.wait(15) == 0

    for name in NAMES:
        assert [v.number for v in store.versions(name)] == [1, 2]
    workers = {line["worker"] for daemon in (first, second) for line in daemon.checks()}
    assert len(workers) == 2  # both took part
    assert all(store.policy(name).lease_owner is None for name in NAMES)
    store.close()
