"""An alert outbox on a real database, for the delivery and outbox tests, and the corpus it stores.

``make_outbox`` writes a config, opens (and migrates) its database and registers its policies; the
engines it opens are disposed after each test by the ``_dispose_outbox_engines`` fixture
(``tests/support/alert_fixtures.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from monitor.config import Settings, load_config
from monitor.pipeline.chain import CheckOutcome as IngestResult
from monitor.pipeline.chain import ingest_text
from storage import migrations, queries
from storage.engine import make_engine, session_scope
from storage.models import Alert, DeliveryAttempt
from tests.conftest import render_config
from tests.support.alert_fixtures import OPEN_ENGINES

HISTORIES = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "histories"
BASE_URL = "http://policywatch.test"
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def corpus_text(policy: str, number: int) -> str:
    return (HISTORIES / policy / f"v{number:02d}.md").read_text(encoding="utf-8")


@dataclass
class Outbox:
    """A config and a migrated database with policies, ready to store corpus versions."""

    settings: Settings
    engine: Engine

    def store(self, policy: str, number: int, *, at: datetime, alerts: bool = True) -> IngestResult:
        entry = self.settings.policy(policy)
        text = corpus_text(policy, number)
        return ingest_text(self.engine, self.settings, entry, text, observed_at=at, alerts=alerts)

    def store_change(
        self, policy: str = "qnet", old: int = 1, new: int = 2, *, alerts: bool = True
    ) -> IngestResult:
        """Two versions a day apart; returns the second: the change, and its alerts if ``alerts``."""
        self.store(policy, old, at=T0, alerts=alerts)
        return self.store(policy, new, at=T0 + timedelta(days=1), alerts=alerts)

    def alerts(self) -> list[Alert]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(Alert).order_by(col(Alert.id))).all())

    def attempts(self) -> list[DeliveryAttempt]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(DeliveryAttempt).order_by(col(DeliveryAttempt.id))).all())


def make_outbox(
    tmp_path: Path,
    *,
    notifiers: dict[str, dict[str, Any]],
    db_url: str | None = None,
    policies: list[dict[str, Any]] | None = None,
    alerts: dict[str, Any] | None = None,
) -> Outbox:
    """Write a config, open (and if needed migrate) its database and register its policies."""
    url = db_url or f"sqlite:///{tmp_path / 'alerts.db'}"
    config = tmp_path / "config.toml"
    config.write_text(
        render_config(
            storage_url=url,
            policies=policies
            or [
                {"name": "qnet", "url": "http://127.0.0.1:9/privacy"},
                {"name": "qeg", "url": "http://127.0.0.1:9/qeg"},
            ],
            notifiers=notifiers,
            sections={
                "web": {"base_url": BASE_URL},
                "alerts": {"retry_backoff": "10s", "max_backoff": "5m", **(alerts or {})},
            },
        ),
        encoding="utf-8",
    )
    settings = load_config(config)
    engine = make_engine(settings.database_url)
    OPEN_ENGINES.append(engine)
    if db_url is None:
        migrations.upgrade(engine)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    return Outbox(settings, engine)
