"""``policywatch run``: the long-running monitor.

One APScheduler ``AsyncIOScheduler`` drives three jobs, each coalesced with ``max_instances=1`` so a slow
run is never stacked on itself:

* **tick** (every ``schedule.tick``): claim due policies and check them (``monitor.run.runner``);
* **deliver** (every ``alerts.deliver_interval``): send queued alerts (``monitor.run.delivery``);
* **backfill** (every ``BACKFILL_EVERY``): import the Wayback history of ``archive = true`` policies that
  have none yet, as a job of its own so it never holds up live checks.

The schedule lives in the database, so a restart (or a second worker) picks up where the last left off.
SIGTERM or SIGINT stops claiming, gives checks in flight ``daemon.grace_period`` to finish, cancels the
rest (a cancelled check stores nothing half-way and stays due), releases the leases and returns; a second
signal skips what is left of the grace period.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.errors import ConfigError, PolicywatchError
from monitor.run.backfill import backfill_policy, policies_to_backfill
from monitor.run.delivery import deliver_pending
from monitor.run.observe import Metrics
from monitor.run.runner import CheckRunner
from monitor.sources.fetch import Fetcher
from storage import leases, queries
from storage.engine import session_scope
from storage.models import utcnow

log = logging.getLogger("policywatch.daemon")

BACKFILL_EVERY = timedelta(minutes=10)
#: How long the first backfill waits after start, so the first live checks go first.
BACKFILL_DELAY = timedelta(seconds=30)


def worker_id(settings: Settings) -> str:
    """``daemon.worker_id``, or ``hostname:pid`` (unique per process, readable in ``status``)."""
    return settings.daemon.worker_id or f"{socket.gethostname()}:{os.getpid()}"


def prepare_schedule(settings: Settings, engine: Engine, worker: str) -> dict[str, int]:
    """Mirror the config, take back our own stale leases, and spread a backlog of overdue checks."""
    now = utcnow()
    with session_scope(engine) as session:
        policies = queries.sync_policies(session, settings, now=now)
    # A worker restarted under a fixed ``daemon.worker_id`` need not wait for its old leases to expire.
    released = leases.release_all(engine, worker)
    window = min(settings.schedule.interval, settings.schedule.jitter)
    spread = leases.spread_overdue(engine, now=now, window=window)
    return {"policies": len(policies), "released": released, "spread": spread}


def start_metrics(settings: Settings) -> Metrics | None:
    port = settings.daemon.metrics_port
    if port is None:
        return None
    metrics = Metrics()
    try:
        metrics.serve(settings.daemon.metrics_host, port)
    except OSError as error:
        raise ConfigError(
            f"daemon.metrics_port: cannot listen on {settings.daemon.metrics_host}:{port}: {error.strerror}"
        ) from None
    return metrics


class Jobs:
    """The delivery and backfill jobs, each guarded at its boundary and tracked for shutdown."""

    def __init__(self, settings: Settings, engine: Engine, *, worker: str, metrics: Metrics | None) -> None:
        self.settings = settings
        self.engine = engine
        self.worker = worker
        self.metrics = metrics
        self.running: set[asyncio.Task[object]] = set()

    async def _guarded(self, name: str, job: Callable[[], Awaitable[None]]) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.running.add(task)
        try:
            await job()
        except Exception as error:  # the daemon's job boundary: record what was caught, carry on
            log.error("job failed", exc_info=error, extra={"fields": {"job": name, "error": repr(error)}})
        finally:
            if task is not None:
                self.running.discard(task)

    async def deliver(self) -> None:
        await self._guarded("deliver", self._deliver)

    async def backfill(self) -> None:
        await self._guarded("backfill", self._backfill)

    async def _deliver(self) -> None:
        summary = await deliver_pending(self.settings, self.engine, worker=self.worker)
        if self.metrics is not None:
            self.metrics.observe_deliveries("delivered", summary.delivered)
            self.metrics.observe_deliveries("retrying", summary.retrying)
            self.metrics.observe_deliveries("dead", summary.dead)

    async def _backfill(self) -> None:
        # One policy at a time: the archive is rate-limited for the whole process anyway.
        for policy in await asyncio.to_thread(policies_to_backfill, self.engine, self.settings):
            log.info("backfill", extra={"fields": {"policy": policy.name, "worker": self.worker}})
            try:
                summary = await backfill_policy(self.settings, self.engine, policy)
            except PolicywatchError as error:
                # The archive is unwell or rate-limiting us; the backfill resumes on the next run.
                log.warning("backfill failed", extra={"fields": {"policy": policy.name, "error": str(error)}})
                return
            done = {"policy": policy.name, "listed": summary.listed, "new_versions": summary.new_versions}
            log.info("backfilled", extra={"fields": done})

    async def drain(self, grace: float) -> None:
        """Let a running delivery or backfill finish within ``grace`` s; cancel it after that."""
        running = set(self.running)
        if running:
            _, late = await asyncio.wait(running, timeout=max(grace, 0.0))
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)


def build_scheduler(settings: Settings, runner: CheckRunner, jobs: Jobs) -> AsyncIOScheduler:
    now = utcnow()
    scheduler = AsyncIOScheduler(timezone="UTC")
    # Coalesced and single-instance: a late or slow run is skipped, never stacked.
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
    scheduler.add_job(runner.tick, IntervalTrigger(seconds=settings.schedule.tick.total_seconds()),
                      id="tick", next_run_time=now, **common)
    scheduler.add_job(jobs.deliver, IntervalTrigger(seconds=settings.alerts.deliver_interval.total_seconds()),
                      id="deliver", next_run_time=now, **common)
    if any(policy.archive for policy in settings.policies):
        scheduler.add_job(jobs.backfill, IntervalTrigger(seconds=BACKFILL_EVERY.total_seconds()),
                          id="backfill", next_run_time=now + BACKFILL_DELAY, **common)
    return scheduler


def install_signal_handlers(stop: asyncio.Event, hurry: asyncio.Event) -> None:
    """First SIGTERM/SIGINT: stop gracefully. A second one: skip the rest of the grace period."""
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.warning("second signal, not waiting any longer", extra={"fields": {"signal": name}})
            hurry.set()
        else:
            log.info("stopping", extra={"fields": {"signal": name}})
            stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)


async def run_daemon(settings: Settings, engine: Engine, *, stop: asyncio.Event | None = None) -> None:
    """Monitor until ``stop`` is set (or SIGTERM/SIGINT arrives); return after a clean shutdown."""
    worker = worker_id(settings)
    prepared = await asyncio.to_thread(prepare_schedule, settings, engine, worker)
    metrics = start_metrics(settings)
    stop = stop or asyncio.Event()
    hurry = asyncio.Event()
    install_signal_handlers(stop, hurry)
    async with Fetcher(settings.fetch) as fetcher:
        runner = CheckRunner(settings, engine, fetcher, worker=worker, metrics=metrics)
        jobs = Jobs(settings, engine, worker=worker, metrics=metrics)
        scheduler = build_scheduler(settings, runner, jobs)
        scheduler.start()
        log.info("started", extra={"fields": {"worker": worker, "pid": os.getpid(), **prepared}})
        await stop.wait()
        scheduler.pause()
        grace = settings.daemon.grace_period.total_seconds()
        started = asyncio.get_running_loop().time()
        cancelled = await runner.drain(grace, hurry=hurry)
        elapsed = asyncio.get_running_loop().time() - started
        await jobs.drain(0.0 if hurry.is_set() else grace - elapsed)
        scheduler.shutdown(wait=False)
    summary = {"worker": worker, "checks": runner.completed, "cancelled": cancelled}
    log.info("stopped", extra={"fields": summary})
