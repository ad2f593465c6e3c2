"""The one pipeline: fetch → extract → segment → diff → classify → store → notify.

``check_policy`` runs one live check through every step; ``run_checks`` runs many with bounded concurrency
and batches the one write an unchanged page costs. The CLI's ``check``, the daemon and backfill call these
(backfill enters at ``store.ingest_text`` with archived bodies); none re-implements a step.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from monitor.config import PolicySettings, Settings
from monitor.core.extract import extract
from monitor.core.materiality import detect_anomaly
from monitor.errors import FetchError
from monitor.pipeline.health import record_failure, record_success
from monitor.pipeline.ingest import IngestResult, RawCapture, ingest_text
from monitor.sources.combine import fetch_combined
from monitor.sources.fetch import Fetcher, FetchResult
from monitor.sources.page import fetch_page
from storage import queries
from storage.codec import sha256_hex
from storage.engine import session_scope
from storage.models import Policy

#: Bodies larger than this are extracted in a worker thread, so one big page cannot stall the event loop.
THREAD_EXTRACT_BYTES = 200_000
ANALYSIS_SLOTS = 2
#: Bodies larger than this are hashed in a worker thread (50 KB costs the loop ~0.3 ms of CPU otherwise).
THREAD_HASH_BYTES = 16_384


@dataclass(frozen=True)
class CheckOutcome:
    """What one check did; ``outcome`` is one of the words in ``OUTCOMES``."""

    policy: str
    outcome: str
    duration_ms: int
    http_status: int | None = None
    version_number: int | None = None
    change_id: int | None = None
    material: bool = False
    severity: str = "none"
    error: str | None = None
    alerts: int = 0

    @property
    def failed(self) -> bool:
        return self.outcome in FAILED_OUTCOMES


OUTCOMES = (
    "unchanged",
    "not_modified",
    "first_version",
    "new_version",
    "reverted",
    "failed",
    "anomaly",
    "robots_disallowed",
)
FAILED_OUTCOMES = frozenset({"failed", "anomaly", "robots_disallowed"})


@dataclass
class PipelineContext:
    settings: Settings
    engine: Engine
    fetcher: Fetcher
    worker: str = "cli"
    #: Healthy "unchanged" checks waiting for one batched write.
    pending_touches: list[tuple[int, datetime, str]] = field(default_factory=list)
    #: Per-policy state read ahead for a whole pass (see ``preload_state``); each check takes its entry.
    known: dict[str, _Known] = field(default_factory=dict)
    #: Changed pages analysed and stored at once (extract → anomaly check → diff → classify → store).
    analysis_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(ANALYSIS_SLOTS))


@dataclass(frozen=True)
class _Known:
    policy_id: int
    etag: str | None
    last_modified: str | None
    last_body_sha256: str | None
    failing: bool
    latest_text: str | None


def preload_state(ctx: PipelineContext, names: Sequence[str]) -> None:
    """Read the conditional-GET validators and body hashes of many policies in one query.

    An unchanged page then costs no database read of its own: only its batched touch.
    """
    columns = sa.select(
        col(Policy.id), col(Policy.name), col(Policy.etag), col(Policy.last_modified),
        col(Policy.last_body_sha256), col(Policy.consecutive_failures),
    ).where(col(Policy.name).in_(list(names)))
    with session_scope(ctx.engine) as session:
        rows = session.execute(columns).all()
    for policy_id, name, etag, last_modified, body_sha256, failures in rows:
        assert policy_id is not None
        ctx.known[name] = _Known(policy_id, etag, last_modified, body_sha256, failures > 0, None)


def _known_state(ctx: PipelineContext, name: str, *, need_text: bool) -> _Known:
    with session_scope(ctx.engine) as session:
        policy = queries.get_policy(session, name)
        assert policy.id is not None
        latest = queries.latest_version(session, policy.id) if need_text else None
        return _Known(
            policy.id,
            policy.etag,
            policy.last_modified,
            policy.last_body_sha256,
            policy.consecutive_failures > 0,
            queries.version_text(latest) if latest else None,
        )


async def _extract(result: FetchResult, policy: PolicySettings) -> str:
    def run() -> str:
        return extract(
            result.body,
            content_type=result.content_type,
            url=result.url,
            select=policy.select,
            remove=policy.remove,
        )

    if len(result.body) > THREAD_EXTRACT_BYTES:
        return await asyncio.to_thread(run)
    return run()


async def _body_hash(body: bytes) -> str:
    # hashlib releases the GIL on large inputs: hashing in a thread overlaps with the next requests.
    if len(body) > THREAD_HASH_BYTES:
        return await asyncio.to_thread(sha256_hex, body)
    return sha256_hex(body)


def _elapsed(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


async def check_policy(ctx: PipelineContext, policy: PolicySettings) -> CheckOutcome:
    """One live check of one policy, through every step of the pipeline."""
    started = time.perf_counter()
    known = ctx.known.pop(policy.name, None)
    if known is None:
        known = await asyncio.to_thread(_known_state, ctx, policy.name, need_text=False)
    try:
        result = await (
            fetch_combined(ctx.fetcher, ctx.settings, policy) if policy.combine else fetch_page(
                ctx.fetcher, ctx.settings, policy, etag=known.etag, last_modified=known.last_modified
            )
        )  # fmt: skip
    except FetchError as error:
        return await _failed(ctx, policy, error.reason, str(error), error.status, started)

    body_sha = known.last_body_sha256 if result.not_modified else await _body_hash(result.body)
    if result.not_modified or body_sha == known.last_body_sha256:
        outcome = "not_modified" if result.not_modified else "unchanged"
        if not known.failing:
            # The cheap path: no extraction and no write but one batched touch.
            ctx.pending_touches.append((known.policy_id, result.fetched_at, outcome))
            return CheckOutcome(policy.name, outcome, _elapsed(started), http_status=result.status)
        if result.not_modified:
            # Recovering from failures with a 304: the stored text is still current.
            await asyncio.to_thread(record_success, ctx, policy, result, None)
            return CheckOutcome(policy.name, outcome, _elapsed(started), http_status=result.status)

    # Few at a time: the work is CPU-bound (the GIL serialises it anyway) and each holds two texts' clauses.
    async with ctx.analysis_slots:
        try:
            text = await _extract(result, policy)
        except FetchError as error:  # a binary body, a scanned or locked PDF: a failed check, never a version
            return await _failed(ctx, policy, error.reason, str(error), result.status, started)
        anomaly = await asyncio.to_thread(_anomaly_against_latest, ctx, policy.name, text)
        if anomaly is not None:
            message = f"page looks like {anomaly.replace('_', ' ')}"
            return await _failed(ctx, policy, anomaly, message, result.status, started)
        ingested = await asyncio.to_thread(_ingest_live, ctx, policy, result, text, started)
        await asyncio.to_thread(record_success, ctx, policy, result, body_sha)
    return CheckOutcome(
        policy.name, ingested.outcome, _elapsed(started), http_status=result.status,
        version_number=ingested.version_number, change_id=ingested.change_id,
        material=ingested.material, severity=ingested.severity, alerts=ingested.alerts,
    )


def _anomaly_against_latest(ctx: PipelineContext, name: str, text: str) -> str | None:
    """Is ``text`` an error page, a wall or a stub rather than a version? (Reads the latest version.)"""
    latest = _known_state(ctx, name, need_text=True).latest_text
    if not mostly_new(latest, text):
        return detect_anomaly(latest, text, check_language=False)
    # The language model costs ~1.4 s and ~60 MB to load: only a page that is mostly new text can have
    # switched language, and concurrent checks must not each load it (its cache is not thread-safe).
    with _LANGUAGE_LOCK:
        return detect_anomaly(latest, text, check_language=True)


_LANGUAGE_LOCK = threading.Lock()


def mostly_new(old_text: str | None, new_text: str) -> bool:
    """True when fewer than half the lines of ``new_text`` appear verbatim in ``old_text``."""
    if old_text is None:
        return False
    old_lines = set(old_text.splitlines())
    new_lines = [line for line in new_text.splitlines() if line.strip()]
    kept = sum(line in old_lines for line in new_lines)
    return kept * 2 < len(new_lines)


def _ingest_live(
    ctx: PipelineContext, policy: PolicySettings, result: FetchResult, text: str, started: float
) -> IngestResult:
    raw = RawCapture(
        url=result.url,
        body=result.body,
        status_code=result.status,
        content_type=result.content_type,
        headers=result.headers,
        fetched_at=result.fetched_at,
        renderer=result.renderer,
    )
    return ingest_text(
        ctx.engine,
        ctx.settings,
        policy,
        text,
        observed_at=result.fetched_at,
        raw=raw,
        event={
            "outcome": "changed",
            "http_status": result.status,
            "duration_ms": _elapsed(started),
            "worker": ctx.worker,
        },
    )


async def _failed(
    ctx: PipelineContext,
    policy: PolicySettings,
    reason: str,
    message: str,
    status: int | None,
    started: float,
) -> CheckOutcome:
    outcome = (
        "robots_disallowed"
        if reason == "robots_disallowed"
        else ("anomaly" if reason in ANOMALY_REASONS else "failed")
    )
    duration = _elapsed(started)
    await asyncio.to_thread(record_failure, ctx, policy, outcome, reason, message, status, duration)
    return CheckOutcome(policy.name, outcome, duration, http_status=status, error=f"{reason}: {message}")


ANOMALY_REASONS = frozenset({"error_page", "bot_wall", "login_wall", "too_short", "language_changed"})


Touch = tuple[int, datetime, str]


def take_touches(ctx: PipelineContext) -> list[Touch]:
    """Hand over the pending "checked, unchanged" touches (the caller writes them)."""
    batch, ctx.pending_touches = ctx.pending_touches, []
    return batch


def write_touches(session: Session, batch: Sequence[Touch]) -> None:
    """Write touches inside the caller's transaction: one UPDATE per outcome for the whole batch."""
    if not batch:
        return
    by_outcome: dict[str, list[int]] = {}
    latest = max(at for _, at, _ in batch)
    for policy_id, _at, outcome in batch:
        by_outcome.setdefault(outcome, []).append(policy_id)
    for outcome, ids in by_outcome.items():
        queries.touch_checked(session, ids, at=latest, outcome=outcome)


def flush_touches(ctx: PipelineContext) -> None:
    """Write the batched "checked, unchanged" timestamps in one transaction."""
    batch = take_touches(ctx)
    if not batch:
        return
    with session_scope(ctx.engine) as session:
        write_touches(session, batch)


async def run_checks(
    ctx: PipelineContext,
    policies: Sequence[PolicySettings],
    *,
    on_done: Callable[[CheckOutcome], None] | None = None,
) -> list[CheckOutcome]:
    """Check many policies concurrently (the fetcher bounds concurrency and per-host pacing)."""

    async def one(policy: PolicySettings) -> CheckOutcome:
        outcome = await check_policy(ctx, policy)
        if on_done is not None:
            on_done(outcome)
        return outcome

    await asyncio.to_thread(preload_state, ctx, [policy.name for policy in policies])
    outcomes = await asyncio.gather(*(one(policy) for policy in policies))
    await asyncio.to_thread(flush_touches, ctx)
    return list(outcomes)
