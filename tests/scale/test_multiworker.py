"""Three ``policywatch run`` workers on one PostgreSQL: 300 policies, changes, and one worker killed with -9.

The workers share the schedule through leases (``FOR UPDATE SKIP LOCKED``) and the outbox through claimed
alerts. The loopback site logs every request with the fetching worker's User-Agent, which is how the test
sees each check, unchanged ones included (those write no ``check_events`` row).
"""

from __future__ import annotations

import itertools
import signal
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.engine import make_engine
from storage.models import Alert, CheckEvent, DeliveryAttempt, Policy, Version
from tests.conftest import render_config
from tests.run.daemon_harness import DaemonProcess
from tests.support.pages import policy_page
from tests.support.polling import wait_until
from tests.support.postgres import PostgresServer
from tests.support.site import LoopbackSite
from tests.support.webhook import WebhookReceiver

pytestmark = pytest.mark.postgres

POLICIES = 300
WORKERS = ("w1", "w2", "w3")
VICTIM = "w3"
INTERVAL = 5.0
LEASE = 5.0
#: Scheduling latency on top of interval + lease: a tick, a claim and a batched finish on a busy machine.
SLACK = 2.0
CHANGED_FIRST = 30
#: Pages that answer after a delay, so that a worker is always in the middle of some checks.
SLOW_PAGES = 30
SLOW_DELAY = 1.0

POLICY = """# Privacy Policy of {name}

## Information we collect

We collect your name and e-mail address when you create an account with {name}.

## Sharing

We do not sell your personal information. We share data with service providers who process it for us.

## Retention

We keep your data for as long as your account is active, and delete it within 30 days of closure.
"""
SOLD = ("We do not sell your personal information.",
        "We may sell your personal information to data brokers and advertising partners.")
LOCATED = ("We collect your name and e-mail address",
           "We collect your precise location, your contacts and your name and e-mail address")


def name_of(index: int) -> str:
    return f"p{index:03d}"


def text_of(name: str, *edits: tuple[str, str]) -> str:
    text = POLICY.format(name=name)
    for old, new in edits:
        text = text.replace(old, new)
    return text


@pytest.fixture
def empty_pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A PostgreSQL database without any schema: the workers create it as they start."""
    url = postgres_server.create_database(migrated=False)
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def _configs(tmp_path: Path, pg_url: str, site: LoopbackSite, hook: WebhookReceiver) -> dict[str, Path]:
    policies = [{"name": name_of(i), "url": site.url(f"/{name_of(i)}")} for i in range(POLICIES)]
    paths = {}
    for worker in WORKERS:
        sections = {
            "fetch": {"respect_robots": False, "per_host_interval": 0, "concurrency": 16, "retries": 0,
                      "user_agent": f"policywatch-tests/{worker}"},
            "schedule": {"interval": f"{INTERVAL}s", "min_interval": "1s", "jitter": 0, "tick": "250ms",
                         "lease": f"{LEASE}s", "batch": 32},
            "alerts": {"deliver_interval": "300ms", "retry_backoff": "200ms"},
            "daemon": {"worker_id": worker, "grace_period": "5s"},
        }
        text = render_config(storage_url=pg_url, policies=policies, sections=sections,
                             notifiers={"hook": hook.settings()})
        paths[worker] = tmp_path / f"{worker}.toml"
        paths[worker].write_text(text, encoding="utf-8")
    return paths


class Db:
    """Read-only queries over the shared database while the workers run."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url, readonly=True)

    def scalar(self, query: Any) -> Any:
        with Session(self.engine) as session:
            return session.exec(query).one()

    def rows(self, query: Any) -> list[Any]:
        with Session(self.engine) as session:
            return list(session.exec(query).all())

    def version_count(self) -> int:
        try:
            return int(self.scalar(select(sa.func.count()).select_from(Version)))
        except sa.exc.ProgrammingError:
            return 0  # the workers have not created the schema yet

    def delivered(self) -> int:
        return int(self.scalar(select(sa.func.count()).where(Alert.status == "delivered")))

    def leased_by(self, worker: str) -> set[str]:
        return set(self.rows(select(Policy.name).where(Policy.lease_owner == worker)))


def _fetches(site: LoopbackSite) -> dict[str, list[tuple[float, str]]]:
    """Per policy: (arrival time, worker) of every GET, in order."""
    found: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for request in site.requests:
        if request.method == "GET" and request.path.startswith("/p"):
            worker = request.headers.get("user-agent", "").rsplit("/", 1)[-1]
            found[request.path[1:]].append((request.at, worker))
    return found


def test_three_workers_share_300_policies_and_take_over_a_killed_workers_leases(
    tmp_path: Path, empty_pg_url: str, site: LoopbackSite, hook: WebhookReceiver
) -> None:
    pg_url = empty_pg_url
    names = [name_of(i) for i in range(POLICIES)]
    for name in names:
        site.set(f"/{name}", policy_page(text_of(name)))
    for name in names[-SLOW_PAGES:]:
        site.fail(f"/{name}", status=None, delay=SLOW_DELAY)
    configs = _configs(tmp_path, pg_url, site, hook)
    db = Db(pg_url)
    workers = {w: DaemonProcess(configs[w], tmp_path / f"{w}.log").start() for w in WORKERS}
    try:
        # 1. The three workers start at once on a database without a schema; every policy gets a version.
        wait_until(lambda: db.version_count() == POLICIES, timeout=45, interval=0.2)
        steady_from = time.monotonic()

        # 2. Material changes: one version and one alert each, delivered once.
        first_batch = names[:CHANGED_FIRST]
        for name in first_batch:
            site.set(f"/{name}", policy_page(text_of(name, SOLD)))
        wait_until(lambda: db.version_count() == POLICIES + CHANGED_FIRST, timeout=20, interval=0.2)
        wait_until(lambda: db.delivered() == CHANGED_FIRST, timeout=20, interval=0.2)

        # 3. SIGKILL a worker while it holds leases; change the pages it was holding.
        wait_until(lambda: len(db.leased_by(VICTIM)) >= 3, timeout=10, interval=0.01)
        workers[VICTIM].kill9()
        killed_at = time.monotonic()
        orphaned = db.leased_by(VICTIM)
        assert orphaned, "the killed worker held leases"
        second_batch = sorted(orphaned | set(names[CHANGED_FIRST : CHANGED_FIRST + 20]))
        for name in second_batch:
            edits = (SOLD, LOCATED) if name in first_batch else (LOCATED,)
            site.set(f"/{name}", policy_page(text_of(name, *edits)))
        expected_versions = POLICIES + CHANGED_FIRST + len(second_batch)
        wait_until(lambda: db.version_count() == expected_versions, timeout=30, interval=0.2)
        wait_until(lambda: db.delivered() == CHANGED_FIRST + len(second_batch), timeout=20, interval=0.2)
        wait_until(lambda: not db.leased_by(VICTIM), timeout=LEASE + SLACK, interval=0.1)

        # 4. A few more rounds of steady state, then a clean stop of the survivors.
        wait_until(lambda: time.monotonic() - killed_at > LEASE + 3 * INTERVAL, timeout=60, interval=0.2)
        steady_to = time.monotonic()
        for worker in WORKERS:
            if worker != VICTIM:
                workers[worker].signal(signal.SIGTERM)
        for worker in WORKERS:
            if worker != VICTIM:
                assert workers[worker].wait(30) == 0
    finally:
        for process in workers.values():
            process.stop()

    _assert_schedule_kept(_fetches(site), steady_from, steady_to, orphaned, killed_at)
    _assert_history_without_duplicates(db, names, set(first_batch), set(second_batch))
    _assert_one_delivery_per_alert(db, hook, CHANGED_FIRST + len(second_batch))
    _assert_leases_taken_over(db, orphaned, set(second_batch))
    db.engine.dispose()


def _assert_schedule_kept(
    fetches: dict[str, list[tuple[float, str]]],
    start: float,
    end: float,
    orphaned: set[str],
    killed_at: float,
) -> None:
    window = end - start
    # Every policy is due an interval after its last check ends; only a dead holder's lease delays it more.
    limit = INTERVAL + LEASE + SLOW_DELAY + SLACK
    all_gaps = sorted(b - a for log in fetches.values() for a, b in itertools.pairwise(t for t, _w in log))
    median, p99 = all_gaps[len(all_gaps) // 2], all_gaps[int(len(all_gaps) * 0.99)]
    spread = f"gaps: median {median:.1f}s, p99 {p99:.1f}s, max {all_gaps[-1]:.1f}s"
    for name, log in fetches.items():
        times = [at for at, _worker in log]
        # Never two workers on one policy at once: consecutive fetches are an interval apart.
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert min(gaps, default=INTERVAL) >= INTERVAL * 0.9, f"{name} fetched twice within {min(gaps):.2f}s"
        in_window = [at for at in times if start <= at <= end]
        assert len(in_window) >= int(window / limit), (name, len(in_window), window, spread)
        edges = [start, *in_window, end]
        longest = max(later - earlier for earlier, later in itertools.pairwise(edges))
        assert longest <= limit, f"{name}: no check for {longest:.1f}s (limit {limit}s; {spread})"
    assert len(fetches) == POLICIES
    by_worker = Counter(worker for log in fetches.values() for at, worker in log if at > killed_at)
    assert by_worker[VICTIM] == 0 and by_worker["w1"] > 0 and by_worker["w2"] > 0
    for name in orphaned:
        after_kill = {worker for at, worker in fetches[name] if at > killed_at}
        assert after_kill and after_kill <= {"w1", "w2"}, f"{name} was not taken over: {after_kill}"


def _assert_history_without_duplicates(db: Db, names: list[str], first: set[str], second: set[str]) -> None:
    rows = db.rows(
        select(Policy.name, Version.number, Version.text_sha256)
        .join(Policy, col(Policy.id) == col(Version.policy_id))
        .order_by(col(Policy.name), col(Version.number))
    )
    history: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for name, number, sha in rows:
        history[name].append((number, sha))
    for name in names:
        numbers = [number for number, _sha in history[name]]
        shas = [sha for _number, sha in history[name]]
        assert numbers == list(range(1, 2 + (name in first) + (name in second))), (name, numbers)
        assert all(a != b for a, b in itertools.pairwise(shas)), f"{name}: repeated version"


def _assert_one_delivery_per_alert(db: Db, hook: WebhookReceiver, changes: int) -> None:
    alerts = db.rows(select(Alert.key, Alert.status, Alert.kind))
    assert len(alerts) == changes
    assert {(status, kind) for _key, status, kind in alerts} == {("delivered", "change")}
    attempts = db.rows(select(DeliveryAttempt.alert_id, DeliveryAttempt.ok))
    assert len(attempts) == changes and all(ok for _alert, ok in attempts)
    assert len({alert for alert, _ok in attempts}) == changes
    received = Counter(request.headers.get("x-policywatch-delivery") for request in hook.requests)
    assert received == Counter({key: 1 for key, _status, _kind in alerts})


def _assert_leases_taken_over(db: Db, orphaned: set[str], changed_after_kill: set[str]) -> None:
    owners = db.rows(select(Policy.name, Policy.lease_owner).where(col(Policy.name).in_(orphaned)))
    assert all(owner != VICTIM for _name, owner in owners)
    events = db.rows(
        select(Policy.name, CheckEvent.worker, CheckEvent.at)
        .join(Policy, col(Policy.id) == col(CheckEvent.policy_id))
        .where(col(Policy.name).in_(changed_after_kill))
    )
    latest: dict[str, tuple[datetime, str | None]] = {}
    for name, worker, at in events:
        if name not in latest or at > latest[name][0]:
            latest[name] = (at, worker)
    # The killed worker's policies got their post-kill version from a surviving worker.
    assert set(latest) == changed_after_kill
    assert {worker for _at, worker in latest.values()} <= {"w1", "w2"}
    assert {latest[name][1] for name in orphaned} <= {"w1", "w2"}
