"""Wrongly labelled pages served by the loopback site are stored as the right text, with the charset used."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from monitor.cli import app
from storage.engine import make_engine
from tests.core.test_charsets import READ_AS, SENTENCES
from tests.support.site import LoopbackSite

runner = CliRunner()


def policy_page(encoding: str) -> bytes:
    # Long enough to be a policy, not a stub: the same sentences as a real page would repeat its clauses.
    clauses = "".join(f"<h2>{n}</h2><p>{SENTENCES[encoding]}</p>" for n in range(1, 9))
    return f"<html><body><main><h1>Privacy</h1>{clauses}</main></body></html>".encode(encoding)


@pytest.mark.parametrize("encoding", SENTENCES)
def test_a_page_labelled_utf8_is_stored_in_its_real_charset(
    site: LoopbackSite, make_config: Callable[..., Path], encoding: str
) -> None:
    site.set("/privacy", policy_page(encoding), content_type="text/html; charset=utf-8")
    config = make_config(policies=[{"name": "acme", "url": site.url("/privacy")}])
    assert runner.invoke(app, ["init", "--config", str(config)]).exit_code == 0
    checked = runner.invoke(app, ["check", "--config", str(config), "--json"])
    assert '"first_version"' in checked.output, checked.output
    shown = runner.invoke(app, ["show", "acme", "--config", str(config)])
    assert SENTENCES[encoding] in shown.output
    engine = make_engine(f"sqlite:///{config.parent / 'policywatch.db'}")
    with engine.connect() as connection:
        charset = connection.execute(sa.text("SELECT charset FROM snapshots")).scalar_one()
    engine.dispose()
    assert charset in READ_AS[encoding]
