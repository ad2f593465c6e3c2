"""Bad input inside a run never ends the run: bad selectors are refused at load, crashes stay per policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from typer.testing import CliRunner

import monitor.pipeline.chain as chain
from monitor.cli import app
from monitor.config import load_config
from monitor.errors import ConfigError
from monitor.pipeline.chain import Pipeline
from monitor.sources.fetch import Fetcher
from storage.engine import session_scope
from storage.models import CheckEvent, Policy
from tests.pipeline.conftest import ENGLISH, Setup
from tests.support.site import LoopbackSite


def test_an_invalid_css_selector_is_a_config_error_naming_the_file_and_key(
    make_config: Any, site: LoopbackSite
) -> None:
    path: Path = make_config(policies=[
        {"name": "good", "url": site.url("/good"), "select": ["main"]},
        {"name": "bad", "url": site.url("/bad"), "remove": ["nav"], "select": ["article", "main[["]},
    ])
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == f"{path}: policies[1].select[1]: invalid CSS selector 'main[['"


def test_check_refuses_an_invalid_selector_before_checking_anything(
    make_config: Any, site: LoopbackSite
) -> None:
    path = make_config(policies=[{"name": "bad", "url": site.url("/bad"), "remove": ["div >> p"]}])
    result = CliRunner().invoke(app, ["check", "--config", str(path)])
    assert result.exit_code == 2
    assert "policies[0].remove[0]: invalid CSS selector" in result.output
    assert site.count("/bad") == 0


def _crash_on(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = chain.extract_if_moved

    def crashing(body: bytes, **options: Any) -> Any:
        if f"/{name}" in options["url"]:
            raise RuntimeError("boom")  # a bug in one step, for this page only
        return real(body, **options)

    monkeypatch.setattr(chain, "extract_if_moved", crashing)


async def test_a_crash_in_one_policys_check_is_recorded_on_it_and_the_pass_goes_on(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, engine = setup({"first": ENGLISH, "buggy": ENGLISH, "last": ENGLISH})
    _crash_on("buggy", monkeypatch)
    async with Fetcher(settings.fetch) as fetcher:
        outcomes = await Pipeline(settings, engine, fetcher).check_all(settings.policies)

    by_name = {outcome.policy: outcome for outcome in outcomes}
    assert by_name["first"].outcome == by_name["last"].outcome == "first_version"
    assert by_name["buggy"].outcome == "failed" and by_name["buggy"].crashed
    with session_scope(engine) as session:
        buggy = session.exec(select(Policy).where(Policy.name == "buggy")).one()
        events = session.exec(select(CheckEvent).where(CheckEvent.policy_id == buggy.id)).all()
    assert buggy.last_error == "RuntimeError: boom" and buggy.consecutive_failures == 1
    assert [(e.outcome, e.error) for e in events] == [("failed", "RuntimeError: boom")]


def test_the_check_command_reports_a_crashed_policy_and_checks_the_others(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, make_config: Any
) -> None:
    settings, _engine = setup({"first": ENGLISH, "buggy": ENGLISH})
    _crash_on("buggy", monkeypatch)
    config = settings.base_dir / "config.toml"
    result = CliRunner().invoke(app, ["check", "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["policy"]: row for row in json.loads(result.output)}
    assert rows["first"]["outcome"] == "first_version"
    assert rows["buggy"]["outcome"] == "failed" and rows["buggy"]["error"] == "RuntimeError: boom"
