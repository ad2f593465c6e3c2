"""The daemon's check loop: claim due policies, run them through the pipeline, release and reschedule.

:class:`CheckRunner` does not own a clock: the daemon's APScheduler tick calls :meth:`CheckRunner.tick`.
Each tick renews the leases of the checks in flight (so an expired lease really means a dead worker) and
claims as many due policies as there is room for. Each claim becomes one pass of the pipeline
(:meth:`monitor.pipeline.chain.Pipeline.check_all`, the same pass ``policywatch check`` runs), which is
also the job boundary: a crashing check is recorded on its policy and the others go on. When a check
ends, its lease is released and its next check time written — batched with the touches of unchanged
pages, in one transaction per batch. A check that crashed is retried soon (``CRASH_RETRY``).
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
from monitor.pipeline.chain import CheckOutcome, Pipeline
from monitor.pipeline.state import Touch, write_touches
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
        self.pipeline = Pipeline(settings, engine, fetcher, worker=worker)
        self.capacity = max(settings.schedule.batch, settings.fetch.concurrency)
        self.in_flight: dict[str, asyncio.Task[object]] = {}
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
        policies = []
        for name in names:
            try:
                policies.append(self.settings.policy(name))
            except PolicywatchError:
                # Claimed but no longer configured (another worker runs a newer config): not ours to check.
                self._finished.append(leases.Finished(name, now + CRASH_RETRY))
        task = asyncio.create_task(self.pipeline.check_all(policies, on_done=self._done), name="checks")
        for policy in policies:
            self.in_flight[policy.name] = task
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[object]) -> None:
        for name in [name for name, running in self.in_flight.items() if running is task]:
            del self.in_flight[name]
        if not task.cancelled() and task.exception() is not None:
            # Only the batched bookkeeping itself can get here (each check is guarded); the leases expire.
            fields = {"worker": self.worker}
            log.error("check pass failed", exc_info=task.exception(), extra={"fields": fields})

    async def _done(self, outcome: CheckOutcome) -> None:
        """One check ended: report it, schedule its next check, and write that with the pending touches."""
        policy = self.settings.policy(outcome.policy)
        interval = check_interval(self.settings, policy)
        next_at = utcnow() + min(CRASH_RETRY, interval) if outcome.crashed else next_check_for(
            self.settings, policy, utcnow()
        )
        self.in_flight.pop(outcome.policy, None)
        self._report(outcome)
        self._finished.append(leases.Finished(outcome.policy, next_at))
        await self.flush()

    def _report(self, outcome: CheckOutcome) -> None:
        self.completed += 1
        if outcome.crashed:
            log.error("check crashed", extra={"fields": {"policy": outcome.policy, "error": outcome.error,
                                                          "worker": self.worker}})
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
            touches = self.pipeline.take_touches()
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
        cancelled = sum(task in pending for task in self.in_flight.values())
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self.flush()
        released = await asyncio.to_thread(leases.release_all, self.engine, self.worker)
        log.info("drained", extra={"fields": {"cancelled": cancelled, "released": released}})
        return cancelled
