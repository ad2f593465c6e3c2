"""PDF policies and binary bodies through the whole chain, on a loopback site and the Wayback emulator."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import Settings
from monitor.run.backfill import backfill_policy
from storage import migrations, queries
from storage.engine import make_engine, session_scope
from storage.models import Snapshot, Version
from tests.support.pdfs import SALE_CLAUSE, png_image, policy_pdf, scanned_pdf
from tests.support.site import LoopbackSite
from tests.support.wayback import ARCHIVED_URL, WaybackEmulator

runner = CliRunner()
PDF = "application/pdf"


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def check(config: Path) -> dict[str, Any]:
    result = invoke("check", "--config", str(config), "--json")
    assert result.exit_code in (0, 1), result.output
    [row] = json.loads(result.stdout)
    return dict(row)


@pytest.fixture
def config(site: LoopbackSite, make_config: Callable[..., Path]) -> Path:
    path = make_config(policies=[{"name": "airline", "url": site.url("/privacy.pdf")}])
    assert invoke("init", "--config", str(path)).exit_code == 0
    return path


def stored(config: Path) -> tuple[int, int]:
    engine = make_engine(f"sqlite:///{config.parent / 'policywatch.db'}")
    with session_scope(engine) as session:
        return len(session.exec(select(Version)).all()), len(session.exec(select(Snapshot)).all())


def test_a_pdf_policy_is_stored_as_text_and_a_sale_clause_is_material(
    site: LoopbackSite, config: Path
) -> None:
    site.set("/privacy.pdf", policy_pdf(), content_type=PDF)
    assert check(config)["outcome"] == "first_version"
    text = invoke("show", "airline", "--config", str(config)).stdout
    assert "## 3. Sharing" in text and "We do not sell your personal information." in text
    assert "%PDF" not in text and "Page 1 of" not in text

    site.set("/privacy.pdf", policy_pdf(extra=[SALE_CLAUSE]), content_type=PDF)
    changed = check(config)
    assert changed["outcome"] == "new_version" and changed["material"] is True
    history = json.loads(invoke("history", "airline", "--config", str(config), "--json").stdout)
    assert "sale" in history[-1]["change"]["categories"]


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (scanned_pdf(), PDF, "pdf_no_text"),
        (png_image(), "image/png", "not_text"),
        (bytes(range(256)) * 40, "application/octet-stream", "not_text"),
    ],
    ids=["scanned-pdf", "image", "octet-stream"],
)
def test_a_body_without_text_fails_the_check_and_nothing_is_stored(
    site: LoopbackSite, config: Path, body: bytes, content_type: str, reason: str
) -> None:
    site.set("/privacy.pdf", body, content_type=content_type)
    row = check(config)
    assert row["outcome"] == "failed" and row["error"].startswith(reason)
    assert stored(config) == (0, 0)
    status = json.loads(invoke("status", "--config", str(config), "--json").stdout)
    assert status[0]["last_error"].startswith(reason)


def test_a_binary_body_after_good_versions_keeps_the_history_intact(site: LoopbackSite, config: Path) -> None:
    site.set("/privacy.pdf", policy_pdf(), content_type=PDF)
    check(config)
    site.set("/privacy.pdf", png_image(), content_type="image/png")
    assert check(config)["outcome"] == "failed"
    assert stored(config) == (1, 1)
    assert "## 3. Sharing" in invoke("show", "airline", "--config", str(config)).stdout


def test_wayback_captures_of_a_pdf_go_through_the_same_extraction(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings]
) -> None:
    settings = archive_settings()
    wayback_archive.add_capture("20200101000000", ARCHIVED_URL, policy_pdf(), mimetype=PDF)
    wayback_archive.add_capture("20210101000000", ARCHIVED_URL, scanned_pdf(), mimetype=PDF)
    wayback_archive.add_capture("20220101000000", ARCHIVED_URL, policy_pdf(extra=[SALE_CLAUSE]), mimetype=PDF)
    engine = make_engine(settings.database_url)
    migrations.upgrade(engine)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    summary = asyncio.run(backfill_policy(settings, engine, settings.policy("acme")))
    assert summary.new_versions == 2
    with session_scope(engine) as session:
        versions = session.exec(select(Version).order_by(col(Version.number))).all()
        texts = [queries.version_text(version) for version in versions]
    assert all("## 3. Sharing" in text for text in texts)
    assert SALE_CLAUSE not in texts[0] and SALE_CLAUSE in texts[1]
