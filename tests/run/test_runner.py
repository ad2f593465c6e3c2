"""The check loop in-process: the job boundary, lease bookkeeping and the restart schedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

import monitor.pipeline.chain as chain_module
from monitor.config import PolicySettings, Settings, load_config
from monitor.pipeline.chain import Pipeline
from monitor.pipeline.values import CheckOutcome, Observation, RawCapture
from monitor.run.daemon import prepare_schedule
from monitor.run.runner import CRASH_RETRY, CheckRunner, effective_jitter
from monitor.sources.fetch import Fetcher
from storage.engine import session_scope
from storage.models import CheckEvent, Policy, utcnow
from tests.conftest import initialised_engine
from tests.support.pages import policy_page
from tests.support.polling import async_wait_until
from tests.support.site import LoopbackSite

ConfigFactory = Callable[..., Path]
TEXT = "# Privacy Policy\n\n## Sharing\n\nWe do not sell your personal information to anyone at all.\n" * 3


def _settings(
    make_config: ConfigFactory, site: LoopbackSite, names: list[str], **schedule: object
) -> Settings:
    for name in names:
        site.set(f"/{name}", policy_page(TEXT.replace("Privacy", name.title())))
    path = make_config(
        policies=[{"name": name, "url": site.url(f"/{name}")} for name in names],
        sections={"schedule": {"interval": "1h", "jitter": 0, "tick": "1s", **schedule}},
    )
    return load_config(path)


def _policies(engine: Engine) -> dict[str, Policy]:
    with session_scope(engine) as session:
        return {p.name: p for p in session.exec(select(Policy)).all()}


async def test_a_crashing_check_is_recorded_released_and_retried_soon(
    site: LoopbackSite, make_config: ConfigFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(make_config, site, ["good", "buggy"])
    engine = initialised_engine(settings)
    prepare_schedule(settings, engine, "w1")
    real_extract = chain_module.Pipeline.extract

    async def crash_on_buggy(
        pipeline: Pipeline, policy: PolicySettings, raw: RawCapture, *args: object, **kwargs: object
    ) -> Observation | CheckOutcome:
        if policy.name == "buggy":
            raise RuntimeError("boom")  # a bug in one step of the chain
        return await real_extract(pipeline, policy, raw, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(chain_module.Pipeline, "extract", crash_on_buggy)
    before = utcnow()
    async with Fetcher(settings.fetch) as fetcher:
        runner = CheckRunner(settings, engine, fetcher, worker="w1", metrics=None)
        await runner.tick()
        await async_wait_until(lambda: runner.completed == 2 and not runner.in_flight)
        await runner.flush()

    rows = _policies(engine)
    assert rows["good"].lease_owner is None and rows["buggy"].lease_owner is None
    assert rows["good"].next_check_at >= before + timedelta(hours=1)  # type: ignore[operator]
    retry_at = rows["buggy"].next_check_at
    assert retry_at is not None
    assert before + CRASH_RETRY <= retry_at < before + CRASH_RETRY + timedelta(minutes=1)
    assert rows["buggy"].consecutive_failures == 1
    with session_scope(engine) as session:
        events = session.exec(select(CheckEvent).where(CheckEvent.policy_id == rows["buggy"].id)).all()
    assert [(e.outcome, e.error) for e in events] == [("failed", "RuntimeError: boom")]


async def test_drain_cancels_checks_past_the_grace_period_and_keeps_them_due(
    site: LoopbackSite, make_config: ConfigFactory
) -> None:
    settings = _settings(make_config, site, ["slow"])
    engine = initialised_engine(settings)
    prepare_schedule(settings, engine, "w1")
    site.fail("/slow", None, delay=10)
    async with Fetcher(settings.fetch) as fetcher:
        runner = CheckRunner(settings, engine, fetcher, worker="w1", metrics=None)
        await runner.tick()
        await async_wait_until(lambda: site.count("/slow") == 1)
        assert await runner.drain(0.2) == 1

    policy = _policies(engine)["slow"]
    assert policy.lease_owner is None
    assert policy.next_check_at is not None and policy.next_check_at <= utcnow()
    assert policy.last_check_at is None  # nothing was recorded for the abandoned check


def test_restart_spreads_overdue_policies_over_the_jitter_window(
    site: LoopbackSite, make_config: ConfigFactory
) -> None:
    names = [f"p{index}" for index in range(30)]
    settings = _settings(make_config, site, names, jitter="10m")
    engine = initialised_engine(settings)
    prepare_schedule(settings, engine, "w1")
    long_ago = utcnow() - timedelta(days=2)
    with session_scope(engine) as session:
        for policy in session.exec(select(Policy)).all():
            policy.last_check_at, policy.next_check_at = long_ago, long_ago
            session.add(policy)

    started = utcnow()
    assert prepare_schedule(settings, engine, "w1")["spread"] == 30

    due = sorted(p.next_check_at for p in _policies(engine).values() if p.next_check_at is not None)
    assert len(due) == 30 and due[0] >= started and due[-1] - due[0] > timedelta(minutes=6)


def test_jitter_never_exceeds_half_the_interval(make_config: ConfigFactory, site: LoopbackSite) -> None:
    settings = _settings(make_config, site, ["a"], jitter="15m")
    assert effective_jitter(settings, timedelta(minutes=10)) == timedelta(minutes=5)
    assert effective_jitter(settings, timedelta(hours=12)) == timedelta(minutes=15)
