"""The daemon's check loop: claim due policies, run each through the pipeline, release and reschedule.

:class:`CheckRunner` does not own a clock: the daemon's APScheduler tick calls :meth:`CheckRunner.tick`.
Each tick renews the leases of the checks in flight (so an expired lease really means a dead worker) and
claims as many due policies as there is room for. Every claimed policy runs as its own asyncio task; the
fetcher bounds concurrency and per-host pacing. When a check ends, its lease is released and its next
check time written — batched with the touches of unchanged pages, in one transaction per batch.

:meth:`CheckRunner._run_one` is the daemon's job boundary, the one place that catches ``Exception``: a
crashing check is recorded as a failed check (exception type and message), its lease released for a
retry, and the daemon carries on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from monitor.config import PolicySettings, Settings
from monitor.errors import PolicywatchError
from monitor.pipeline.chain import (
    CheckOutcome,
    PipelineContext,
    Touch,
    check_policy,
    preload_state,
    take_touches,
    write_touches,
)
from monitor.pipeline.health import record_failure
from monitor.run.observe import Metrics, log_check
from monitor.sources.fetch import Fetcher
from storage import leases
from storage.engine import session_scope
from storage.models import utcnow

log = logging.getLogger("policywatch.daemon")

#: How soon a check that crashed is tried again: soon enough to ride out a locked or restarting
#: database, rarely enough that a persistent bug does not spin.
CRASH_RETRY = timedelta(minutes=5)


def check_interval(settings: Settings, policy: PolicySettings) -> timedelta:
    return policy.interval or settings.schedule.interval


def effective_jitter(settings: Settings, interval: timedelta) -> timedelta:
    """The configured jitter, but never more than half the interval (a 10-minute policy stays ~10 minutes)."""
    return min(settings.schedule.jitter, interval / 2)


def next_check_for(settings: Settings, policy: PolicySettings, now: datetime) -> datetime:
    interval = check_interval(settings, policy)
    return leases.next_check_time(now, interval, effective_jitter(settings, interval))


class CheckRunner:
    """Claims and runs checks for one worker; see the module docstring."""

    def __init__(
        self, settings: Settings, engine: Engine, fetcher: Fetcher, *, worker: str, metrics: Metrics | None
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.worker = worker
        self.metrics = metrics
        self.ctx = PipelineContext(settings=settings, engine=engine, fetcher=fetcher, worker=worker)
        self.capacity = max(settings.schedule.batch, settings.fetch.concurrency)
        self.in_flight: dict[str, asyncio.Task[None]] = {}
        self.claiming = True
        self.completed = 0
        self._finished: list[leases.Finished] = []
        self._flush_lock = asyncio.Lock()
        self._ticking: asyncio.Task[object] | None = None

    # -- the tick ------------------------------------------------------------------------------------

    async def tick(self) -> None:
        """Renew the leases in flight, then claim due policies and start their checks."""
        if not self.claiming:
            return
        self._ticking = asyncio.current_task()
        try:
            await self._claim_and_start()
        except PolicywatchError as error:
            # The database is locked, restarting or unreachable: the next tick tries again.
            log.error("cannot claim checks", extra={"fields": {"error": str(error), "worker": self.worker}})

    async def _claim_and_start(self) -> None:
        now = utcnow()
        lease = self.settings.schedule.lease
        if self.in_flight:
            await asyncio.to_thread(leases.renew, self.engine, list(self.in_flight), worker=self.worker,
                                    until=now + lease)
        room = self.capacity - len(self.in_flight)
        if room <= 0 or not self.claiming:
            return
        names = await asyncio.to_thread(
            leases.claim_due, self.engine, worker=self.worker, now=now, limit=room, lease=lease
        )
        if not names or not self.claiming:
            return  # stopping: drain() releases what this claim just took
        await asyncio.to_thread(preload_state, self.ctx, names)
        for name in names:
            self._start(name)

    def _start(self, name: str) -> None:
        task = asyncio.create_task(self._run_one(name), name=f"check:{name}")
        self.in_flight[name] = task
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        name = task.get_name().removeprefix("check:")
        if self.in_flight.get(name) is task:
            del self.in_flight[name]
        if not task.cancelled() and task.exception() is not None:
            # Only the crash bookkeeping itself can get here (the check is guarded); the lease expires.
            log.error("check task failed", exc_info=task.exception(), extra={"fields": {"policy": name}})

    # -- one check: the job boundary -----------------------------------------------------------------

    async def _run_one(self, name: str) -> None:
        started = time.perf_counter()
        policy: PolicySettings | None = None
        try:
            policy = self.settings.policy(name)
            outcome = await check_policy(self.ctx, policy)
            next_at = next_check_for(self.settings, policy, utcnow())
        except Exception as error:  # the daemon's job boundary: record what was caught, carry on
            outcome = await self._record_crash(name, policy, error, started)
            retry = min(CRASH_RETRY, check_interval(self.settings, policy)) if policy else CRASH_RETRY
            next_at = utcnow() + retry
        self._report(outcome)
        self._finished.append(leases.Finished(name, next_at))
        await self.flush()

    async def _record_crash(
        self, name: str, policy: PolicySettings | None, error: Exception, started: float
    ) -> CheckOutcome:
        duration = int((time.perf_counter() - started) * 1000)
        reason = type(error).__name__
        log.error("check crashed", exc_info=error, extra={"fields": {"policy": name, "worker": self.worker}})
        if policy is not None:
            try:
                await asyncio.to_thread(
                    record_failure, self.ctx, policy, "failed", reason, str(error) or reason, None, duration
                )
            except PolicywatchError as storage_error:
                fields = {"policy": name, "error": str(storage_error)}
                log.error("cannot record crash", extra={"fields": fields})
        return CheckOutcome(name, "failed", duration, error=f"{reason}: {error}")

    def _report(self, outcome: CheckOutcome) -> None:
        self.completed += 1
        log_check(outcome, worker=self.worker)
        if self.metrics is not None:
            self.metrics.observe_check(outcome)

    # -- completion writes ---------------------------------------------------------------------------

    async def flush(self) -> None:
        """Write finished checks (lease release, next check time) and unchanged-page touches, batched.

        Checks that end while a write is under way wait for it and then go out together in the next one.
        """
        async with self._flush_lock:
            finished, self._finished = self._finished, []
            touches = take_touches(self.ctx)
            if not finished and not touches:
                return
            try:
                await asyncio.to_thread(self._write, finished, touches)
            except PolicywatchError as error:
                # The leases expire and the policies are checked again: nothing stored is lost.
                log.error("cannot record finished checks", extra={"fields": {"error": str(error)}})

    def _write(self, finished: Sequence[leases.Finished], touches: Sequence[Touch]) -> None:
        with session_scope(self.engine) as session:
            write_touches(session, touches)
            leases.finish_in(session, finished, worker=self.worker)

    # -- shutdown ------------------------------------------------------------------------------------

    async def drain(self, grace: float, *, hurry: asyncio.Event | None = None) -> int:
        """Stop claiming; let checks in flight finish within ``grace`` s, cancel the rest; release leases.

        A cancelled check leaves nothing half-written (the store step is one transaction) and stays due,
        so the next start checks it again. Returns how many checks were cancelled.
        """
        self.claiming = False
        deadline = time.monotonic() + grace
        if self._ticking is not None and not self._ticking.done():
            # A claim under way must land before release_all, or its leases would outlive us.
            await asyncio.wait({self._ticking}, timeout=grace)
        pending = set(self.in_flight.values())
        if pending:
            contenders: set[asyncio.Future[object]] = {asyncio.ensure_future(asyncio.wait(pending))}
            if hurry is not None:
                contenders.add(asyncio.ensure_future(hurry.wait()))
            left = max(0.0, deadline - time.monotonic())
            await asyncio.wait(contenders, timeout=left, return_when=asyncio.FIRST_COMPLETED)
            for contender in contenders:
                contender.cancel()  # only the waiters: the checks themselves are not cancelled by this
            pending = {task for task in pending if not task.done()}
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self.flush()
        released = await asyncio.to_thread(leases.release_all, self.engine, self.worker)
        log.info("drained", extra={"fields": {"cancelled": len(pending), "released": released}})
        return len(pending)
