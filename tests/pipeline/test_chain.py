"""The chain end to end on loopback: each step's contract, and what a check costs in transactions."""

from __future__ import annotations

import inspect

import pytest
from sqlmodel import col, select

import storage.texts
from monitor.config import Settings
from monitor.pipeline.chain import Pipeline
from monitor.sources.fetch import Fetcher
from storage.engine import session_scope
from storage.models import Alert, Change, CheckEvent, Policy, Snapshot, Version
from tests.pipeline.conftest import ENGLISH, Setup, count_transactions, page
from tests.support.site import LoopbackSite

STEPS = ["fetch", "extract", "anomaly", "analyse", "store_and_notify"]
SOLD = "\n\n## Sale of data\n\nWe sell your personal information, including your browsing history."


def test_the_chain_names_every_step_in_one_function_in_order() -> None:
    source = inspect.getsource(Pipeline.run)
    positions = [source.index(f"self.{step}") for step in STEPS]
    assert positions == sorted(positions)
    # the analysis step is segment → diff → classify; the write is store → notify, in one transaction
    assert source.index("segment → diff → classify") < source.index("store → notify")
    for step in STEPS:
        assert inspect.getdoc(getattr(Pipeline, step)), f"the {step} step says what it does"


async def _check(settings: Settings, engine: object, names: list[str] | None = None) -> dict[str, str]:
    async with Fetcher(settings.fetch) as fetcher:
        pipeline = Pipeline(settings, engine, fetcher)  # type: ignore[arg-type]
        wanted = [p for p in settings.policies if names is None or p.name in names]
        return {o.policy: o.outcome for o in await pipeline.check_all(wanted)}


async def test_a_first_check_stores_a_version_with_its_fingerprint_and_text_hash(setup: Setup) -> None:
    settings, engine = setup({"acme": ENGLISH})
    assert await _check(settings, engine) == {"acme": "first_version"}
    with session_scope(engine) as session:
        policy = session.exec(select(Policy)).one()
        version = session.exec(select(Version)).one()
    assert policy.latest_text_sha256 == version.text_sha256
    assert policy.extract_fingerprint and policy.last_body_sha256
    assert policy.last_outcome == "ok"


async def test_an_unchanged_page_with_a_fresh_nonce_costs_no_write_of_its_own_and_no_decode(
    setup: Setup, site: LoopbackSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = {f"p{index}": page(ENGLISH + f"\n\nContact {index}.", nonce="first") for index in range(5)}
    settings, engine = setup(pages)
    await _check(settings, engine)
    for name, html in pages.items():
        site.set(f"/{name}", html.replace("first", "second"))  # new bytes, same policy text

    def no_decode(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("an unchanged page must not decode its stored version")

    monkeypatch.setattr(storage.texts, "read_text", no_decode)
    counted = count_transactions(engine)
    assert set((await _check(settings, engine)).values()) == {"unchanged"}
    # one read ahead for the whole pass, one batched write for all five touches
    assert (counted.begun, counted.writing) == (2, 1)
    with session_scope(engine) as session:
        assert len(session.exec(select(Version)).all()) == 5
        assert all(p.last_outcome == "unchanged" for p in session.exec(select(Policy)).all())


async def test_a_changed_page_is_written_in_one_transaction_with_its_change_and_alert(
    setup: Setup, site: LoopbackSite
) -> None:
    hook = {"team": {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "min_severity": "low"}}
    settings, engine = setup({"acme": ENGLISH}, notifiers=hook)
    await _check(settings, engine)
    site.set("/acme", page(ENGLISH + SOLD))
    counted = count_transactions(engine)

    assert await _check(settings, engine) == {"acme": "new_version"}

    # the read ahead, one read of the latest version's text, and ONE write: version, change, snapshot,
    # check event, health and outbox rows together
    assert (counted.begun, counted.writing) == (3, 1)
    with session_scope(engine) as session:
        change = session.exec(select(Change)).one()
        assert change.material
        assert [a.change_id for a in session.exec(select(Alert)).all()] == [change.id]
        assert len(session.exec(select(Snapshot)).all()) == 2
        events = session.exec(select(CheckEvent).where(col(CheckEvent.outcome) == "changed")).all()
        assert [e.version_id for e in events] == [change.from_version_id, change.to_version_id]


async def test_the_same_bytes_again_end_the_chain_at_the_fetch_step(setup: Setup) -> None:
    settings, engine = setup({"acme": ENGLISH})
    await _check(settings, engine)
    counted = count_transactions(engine)
    assert await _check(settings, engine) == {"acme": "unchanged"}
    assert (counted.begun, counted.writing) == (2, 1)


async def test_a_markup_change_that_keeps_the_text_is_unchanged_and_refreshes_the_fingerprint(
    setup: Setup, site: LoopbackSite
) -> None:
    settings, engine = setup({"acme": ENGLISH})
    await _check(settings, engine)
    with session_scope(engine) as session:
        before = session.exec(select(Policy)).one().extract_fingerprint
    # a footer link changes: the fingerprint moves, the rendered policy text does not
    site.set("/acme", page(ENGLISH).replace("Copyright", "Copyright (c)", 1))
    assert await _check(settings, engine) == {"acme": "unchanged"}
    with session_scope(engine) as session:
        policy = session.exec(select(Policy)).one()
        assert len(session.exec(select(Version)).all()) == 1
    assert policy.extract_fingerprint not in (None, before)


async def test_a_fetch_failure_is_a_failed_check_recorded_in_one_transaction(
    setup: Setup, site: LoopbackSite
) -> None:
    settings, engine = setup({"acme": ENGLISH})
    site.fail("/acme", 500)
    counted = count_transactions(engine)
    assert await _check(settings, engine) == {"acme": "failed"}
    assert counted.writing == 1
    with session_scope(engine) as session:
        policy = session.exec(select(Policy)).one()
        event = session.exec(select(CheckEvent)).one()
    assert policy.consecutive_failures == 1 and policy.last_error and "500" in policy.last_error
    assert event.outcome == "failed" and event.snapshot_id is None
