"""``policywatch run`` as a real process against a loopback site that changes, fails and recovers."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from storage.models import utcnow
from tests.run.daemon_harness import (
    BOT_CHALLENGE,
    FAST_SCHEDULE,
    Store,
    running_daemon,
    wait_for,
)
from tests.support.pages import policy_page
from tests.support.postgres import free_port
from tests.support.site import LoopbackSite

POLICY = """# Privacy Policy

## Information we collect

We collect your name and e-mail address when you create an account.

## Sharing

We do not sell your personal information. We share data with service providers who process it for us.

## Retention

We keep your data for as long as your account is active, and delete it within 30 days of closure.
"""
SOLD = POLICY.replace(
    "We do not sell your personal information.",
    "We may sell your personal information to data brokers and advertising partners.",
)
RETAINED = SOLD.replace("within 30 days of closure", "within ten years of closure")

ConfigFactory = Callable[..., Path]


def _config(make_config: ConfigFactory, policies: list[dict[str, Any]], **sections: dict[str, Any]) -> Path:
    merged: dict[str, dict[str, Any]] = {
        "schedule": dict(FAST_SCHEDULE),
        "alerts": {"failure_threshold": 3, "deliver_interval": "200ms", "retry_backoff": "100ms"},
        "daemon": {"grace_period": "5s"},
    }
    for name, values in sections.items():
        merged.setdefault(name, {}).update(values)
    return make_config(policies=policies, sections=merged)


@pytest.fixture
def hook() -> Any:
    """A second loopback site standing in for a webhook receiver."""
    with LoopbackSite() as receiver:
        receiver.set("/hook", "ok", content_type="text/plain")
        yield receiver


def test_versions_failures_and_alerts_over_a_run(
    site: LoopbackSite, hook: LoopbackSite, make_config: ConfigFactory, tmp_path: Path
) -> None:
    site.set("/acme", policy_page(POLICY))
    site.set("/flaky", policy_page(POLICY.replace("Privacy Policy", "Flaky Privacy Policy")))
    site.set("/walled", policy_page(POLICY.replace("Privacy Policy", "Walled Privacy Policy")))
    port = free_port()
    config = _config(
        make_config,
        [{"name": name, "url": site.url(f"/{name}")} for name in ("acme", "flaky", "walled")],
        daemon={"grace_period": "5s", "metrics_port": port},
    )
    with open(config, "a", encoding="utf-8") as file:
        file.write(f'\n[notifiers.ops]\nkind = "webhook"\nurl = "{hook.url("/hook")}"\n')
    store = Store(config)
    with running_daemon(config, tmp_path / "daemon.log") as daemon:
        wait_for(lambda: all(len(store.versions(n)) == 1 for n in ("acme", "flaky", "walled")))

        site.set("/acme", policy_page(SOLD))
        wait_for(lambda: len(store.versions("acme")) == 2)
        site.set("/acme", policy_page(RETAINED))
        wait_for(lambda: len(store.versions("acme")) == 3)

        site.fail("/flaky", 500)
        site.set("/walled", BOT_CHALLENGE)
        wait_for(lambda: store.failures("flaky") >= 5 and store.failures("walled") >= 5)
        assert len(store.alerts("flaky", "broken")) == 1  # once per episode, not once per failure
        assert len(store.alerts("walled", "broken")) == 1
        assert store.alerts("flaky", "recovered") == []

        site.clear_fault("/flaky")
        site.set("/walled", policy_page(POLICY.replace("Privacy Policy", "Walled Privacy Policy")))
        wait_for(lambda: store.failures("flaky") == 0 and store.failures("walled") == 0)
        wait_for(lambda: all(a.status == "delivered" for a in store.alerts("flaky") + store.alerts("walled")))

        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(15) == 0

    assert [v.number for v in store.versions("acme")] == [1, 2, 3]
    assert len(store.versions("flaky")) == 1 and len(store.versions("walled")) == 1
    assert [a.kind for a in store.alerts("acme")] == ["change", "change"]
    for name in ("flaky", "walled"):
        assert [a.kind for a in store.alerts(name)] == ["broken", "recovered"]
    flaky_errors = {e.error.split(":")[0] for e in store.events("flaky") if e.outcome == "failed" and e.error}
    assert flaky_errors == {"http_500"}
    walled = [e for e in store.events("walled") if e.outcome == "anomaly"]
    assert len(walled) >= 5 and all(e.error and e.error.startswith("bot_wall") for e in walled)
    delivered = [request.body for request in hook.requests_to("/hook")]
    assert len(delivered) == 6  # two changes, two broken, two recovered: each exactly once
    assert 'policywatch_checks_total{outcome="new_version"} 2.0' in metrics
    assert "policywatch_check_duration_seconds_count" in metrics
    for line in daemon.checks("acme"):
        assert {"policy", "outcome", "duration_ms", "http_status", "version"} <= line.keys()
    store.close()


def test_transient_faults_are_retried_and_persistent_ones_recorded_with_their_reason(
    site: LoopbackSite, make_config: ConfigFactory, tmp_path: Path
) -> None:
    names = ("throttled", "busy", "reset", "slow", "down", "hangup", "stuck")
    for name in names:
        site.set(f"/{name}", policy_page(POLICY.replace("Privacy Policy", f"{name.title()} Privacy Policy")))
    site.fail("/throttled", 429, times=1, retry_after=1)
    site.fail("/busy", 503, times=1, retry_after=1)
    site.fail("/reset", reset=True, times=1)
    site.fail("/slow", None, delay=1.5, times=1)
    site.fail("/down", 500)
    site.fail("/hangup", reset=True)
    site.fail("/stuck", None, delay=3)
    config = _config(
        make_config,
        [{"name": name, "url": site.url(f"/{name}")} for name in names],
        fetch={"timeout": "1s", "retries": 1, "retry_backoff": "50ms", "concurrency": 8},
    )
    store = Store(config)
    with running_daemon(config, tmp_path / "daemon.log") as daemon:
        wait_for(lambda: all(len(store.versions(n)) == 1 for n in names[:4]))
        wait_for(lambda: all(store.failures(n) >= 2 for n in names[4:]), timeout=20)
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(15) == 0

    for name in names[:4]:
        assert [e.outcome for e in store.events(name) if e.outcome != "changed"] == [], name
    throttled = site.requests_to("/throttled")
    assert throttled[1].at - throttled[0].at >= 0.95  # Retry-After: 1 was honoured
    busy = site.requests_to("/busy")
    assert busy[1].at - busy[0].at >= 0.95
    reasons = {name: {(e.error or "").split(":")[0] for e in store.events(name)} for name in names[4:]}
    assert reasons == {"down": {"http_500"}, "hangup": {"connection"}, "stuck": {"timeout"}}
    assert all(len(store.versions(name)) == 0 for name in names[4:])
    store.close()


def test_robots_txt_refusals_are_failed_checks(
    site: LoopbackSite, make_config: ConfigFactory, tmp_path: Path
) -> None:
    site.robots = "User-agent: *\nDisallow: /private\n"
    site.set("/private/policy", policy_page(POLICY))
    site.set("/private/terms", policy_page(POLICY.replace("Privacy Policy", "Terms")))
    site.set("/public", policy_page(POLICY.replace("Privacy Policy", "Public Policy")))
    config = _config(
        make_config,
        [
            {"name": "refused", "url": site.url("/private/policy")},
            {"name": "insisted", "url": site.url("/private/terms"), "ignore_robots": True},
            {"name": "public", "url": site.url("/public")},
        ],
        fetch={"respect_robots": True},
    )
    store = Store(config)
    with running_daemon(config, tmp_path / "daemon.log") as daemon:
        wait_for(lambda: store.failures("refused") >= 2 and len(store.versions("insisted")) == 1
                 and len(store.versions("public")) == 1)
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(15) == 0

    assert site.count("/private/policy") == 0
    assert site.count("/robots.txt") == 1  # cached per host
    refused = store.events("refused")
    assert refused and all(e.outcome == "robots_disallowed" for e in refused)
    assert store.policy("refused").last_outcome == "robots_disallowed"
    store.close()


def test_sigterm_lets_a_check_in_flight_finish_and_exits_zero(
    site: LoopbackSite, make_config: ConfigFactory, tmp_path: Path
) -> None:
    site.set("/privacy", policy_page(POLICY))
    config = _config(make_config, [{"name": "acme", "url": site.url("/privacy")}])
    store = Store(config)
    with running_daemon(config, tmp_path / "daemon.log") as daemon:
        wait_for(lambda: len(store.versions("acme")) == 1)
        site.set("/privacy", policy_page(SOLD))
        site.fail("/privacy", None, delay=1.0)
        requests = site.count("/privacy")
        wait_for(lambda: site.count("/privacy") > requests)  # a slow check is now in flight
        started = time.monotonic()
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(15) == 0
        stopped_after = time.monotonic() - started

    assert stopped_after < 5  # well within the 5 s grace period
    assert len(store.versions("acme")) == 2  # the check in flight finished and was stored
    policy = store.policy("acme")
    assert policy.lease_owner is None and policy.lease_expires_at is None
    assert any(line.get("event") == "stopped" for line in daemon.lines())
    store.close()


def test_sigterm_abandons_a_check_that_outlives_the_grace_period(
    site: LoopbackSite, make_config: ConfigFactory, tmp_path: Path
) -> None:
    site.set("/privacy", policy_page(POLICY))
    config = _config(
        make_config, [{"name": "acme", "url": site.url("/privacy")}],
        daemon={"grace_period": "1s"}, fetch={"timeout": "30s"},
    )
    store = Store(config)
    with running_daemon(config, tmp_path / "daemon.log") as daemon:
        wait_for(lambda: len(store.versions("acme")) == 1)
        site.set("/privacy", policy_page(SOLD))
        site.fail("/privacy", None, delay=20)
        requests = site.count("/privacy")
        wait_for(lambda: site.count("/privacy") > requests)
        started = time.monotonic()
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(15) == 0
        stopped_after = time.monotonic() - started

    assert 0.9 < stopped_after < 5
    assert len(store.versions("acme")) == 1  # nothing half-stored
    policy = store.policy("acme")
    assert policy.lease_owner is None
    assert policy.next_check_at is not None and policy.next_check_at <= utcnow()  # still due
    assert policy.consecutive_failures == 0
    assert [line["cancelled"] for line in daemon.lines() if line.get("event") == "stopped"] == [1]
    store.close()


def test_kill_9_mid_check_loses_nothing_and_the_next_start_reclaims_the_lease(
    site: LoopbackSite, make_config: ConfigFactory, tmp_path: Path
) -> None:
    site.set("/privacy", policy_page(POLICY))
    site.set("/other", policy_page(POLICY.replace("Privacy Policy", "Other Policy")))
    config = _config(
        make_config,
        [{"name": "acme", "url": site.url("/privacy")}, {"name": "other", "url": site.url("/other")}],
        schedule={"lease": "2s"}, fetch={"timeout": "30s"},
    )
    store = Store(config)
    with running_daemon(config, tmp_path / "first.log") as first:
        wait_for(lambda: len(store.versions("acme")) == 1 and len(store.versions("other")) == 1)
        site.set("/privacy", policy_page(SOLD))
        site.fail("/privacy", None, delay=20)
        requests = site.count("/privacy")
        wait_for(lambda: site.count("/privacy") > requests)
        first.kill9()
    held = store.policy("acme")
    assert held.lease_owner == f"{_hostname()}:{first.pid}"
    site.clear_fault("/privacy")

    with running_daemon(config, tmp_path / "second.log") as second:
        wait_for(lambda: len(store.versions("acme")) == 2)
        second.signal(signal.SIGTERM)
        assert second.wait(15) == 0

    versions = store.versions("acme")
    assert [v.number for v in versions] == [1, 2]
    assert len(store.snapshots("acme")) == 2  # each version has its raw body, nothing partial
    assert [a.kind for a in store.alerts("acme")] == []  # no notifier configured: nothing to lose here
    reclaimed = [line for line in second.checks("acme") if line["outcome"] == "new_version"]
    assert reclaimed and reclaimed[0]["worker"] != held.lease_owner
    store.close()


def _hostname() -> str:
    import socket

    return socket.gethostname()


def test_a_second_signal_skips_the_rest_of_the_grace_period(
    site: LoopbackSite, make_config: ConfigFactory, tmp_path: Path
) -> None:
    site.set("/privacy", policy_page(POLICY))
    config = _config(
        make_config, [{"name": "acme", "url": site.url("/privacy")}],
        daemon={"grace_period": "60s"}, fetch={"timeout": "30s"},
    )
    store = Store(config)
    with running_daemon(config, tmp_path / "daemon.log") as daemon:
        wait_for(lambda: len(store.versions("acme")) == 1)
        site.fail("/privacy", None, delay=20)
        requests = site.count("/privacy")
        wait_for(lambda: site.count("/privacy") > requests)
        daemon.signal(signal.SIGINT)
        daemon.wait_for_log(lambda line: line.get("event") == "stopping")
        started = time.monotonic()
        daemon.signal(signal.SIGINT)
        assert daemon.wait(15) == 0
        assert time.monotonic() - started < 5  # not the 60 s grace period

    assert store.policy("acme").lease_owner is None
    store.close()
