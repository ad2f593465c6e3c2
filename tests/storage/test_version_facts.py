"""The version facts and the change notice in the database, on SQLite and PostgreSQL: written by the store
step, and filled in by migration 0003_facts for rows stored before it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from monitor.config import parse_config
from monitor.pipeline.chain import ingest_text
from storage import migrations, queries
from storage.engine import make_engine, session_scope
from storage.models import Change, Version
from tests.storage.old_schema import insert_row, insert_versions

EN = """# Privacy Policy

Last updated: March 3, 2025

## Sharing

We do not sell your personal information to anyone.

We share your email address with our payment processor only to complete your purchases.

## Retention

We delete your account data 30 days after you close your account, and backups within 90 days.
"""
EN_SOLD = EN.replace(
    "We do not sell your personal information to anyone.",
    "We may sell your personal information to data brokers.",
)
EN_REDATED = EN_SOLD.replace("March 3, 2025", "June 12, 2025")
FR = """# Politique de confidentialité

Dernière mise à jour : 3 mars 2025

Nous ne vendons pas vos données personnelles. Nous les conservons trois ans après la clôture de votre
compte, puis nous les supprimons définitivement de nos serveurs.

Vous pouvez exercer votre droit d'accès et votre droit à l'effacement en écrivant à notre délégué à la
protection des données.
"""


def at(month: int) -> datetime:
    return datetime(2025, month, 1, tzinfo=UTC)


def test_the_store_step_writes_language_stated_date_and_notice(db_url: str, tmp_path: Path) -> None:
    policies = [{"name": name, "url": f"https://{name}.example/privacy"} for name in ("acme", "vive")]
    settings = parse_config({"storage": {"url": db_url}, "policies": policies}, path=tmp_path / "config.toml")
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    acme = settings.policy("acme")
    ingest_text(engine, settings, acme, EN, observed_at=at(1), alerts=False)
    sold = ingest_text(engine, settings, acme, EN_SOLD, observed_at=at(2), alerts=False)
    redated = ingest_text(engine, settings, acme, EN_REDATED, observed_at=at(3), alerts=False)
    ingest_text(engine, settings, settings.policy("vive"), FR, observed_at=at(1), alerts=False)
    with Session(engine) as session:
        versions = session.exec(select(Version).order_by(col(Version.policy_id), col(Version.number))).all()
        assert [(v.language, v.stated_date) for v in versions] == [
            ("en", "2025-03-03"), ("en", "2025-03-03"), ("en", "2025-06-12"), ("fr", "2025-03-03"),
        ]  # fmt: skip
        first_change = session.get(Change, sold.change_id)
        second_change = session.get(Change, redated.change_id)
        assert first_change is not None and second_change is not None
        assert (first_change.material, first_change.notice) == (True, "undated")
        assert first_change.report is not None and first_change.report["notice"] == "undated"
        assert (second_change.material, second_change.notice) == (False, "redated")
        assert second_change.report is not None
        assert second_change.report["stated_dates"] == {"old": "2025-03-03", "new": "2025-06-12"}
    engine.dispose()


def test_the_migration_fills_in_rows_stored_before_it(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    migrations.upgrade(engine, "0002")
    with session_scope(engine) as session:
        policy_id = insert_row(
            session, "policies", name="acme", url="https://acme.example/privacy", enabled=True,
            created_at=at(1), consecutive_failures=0, broken_alerted=False,
        )  # fmt: skip
        texts = [(at(1), EN), (at(2), EN_SOLD), (at(3), EN_REDATED)]
        first, second, third = insert_versions(session, policy_id, texts)
        old_report = {"material": True, "severity": "high", "anomaly": None, "summary": "sold", "changes": []}
        for old, new, material in ((first, second, True), (second, third, False)):
            insert_row(
                session, "changes", policy_id=policy_id, from_version_id=old, to_version_id=new,
                created_at=at(3), material=material, severity="high" if material else "none",
                direction="less_protective", summary="", superseded=False,
            )  # fmt: skip
        # The report column is JSON: written through a typed statement so both dialects store a document.
        changes = sa.table("changes", sa.column("id"), sa.column("report", sa.JSON))
        session.execute(sa.update(changes).values(report=old_report))
    migrations.upgrade(engine)
    with Session(engine) as session:
        versions = session.exec(select(Version).order_by(col(Version.number))).all()
        assert [(v.language, v.stated_date) for v in versions] == [
            ("en", "2025-03-03"), ("en", "2025-03-03"), ("en", "2025-06-12"),
        ]  # fmt: skip
        rows = session.exec(select(Change).order_by(col(Change.id))).all()
        assert [row.notice for row in rows] == ["undated", "redated"]
        report = rows[0].report
        assert report is not None
        assert list(report) == [
            "material", "severity", "anomaly", "language", "supported", "notice", "stated_dates", "summary",
            "changes",
        ]  # fmt: skip
        assert (report["language"], report["notice"]) == ("en", "undated")
        assert report["stated_dates"] == {"old": "2025-03-03", "new": "2025-03-03"}
    engine.dispose()
