"""``policywatch run``: what it does with a missing or out-of-date database."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import load_config
from storage import migrations
from storage.engine import make_engine
from tests.run.daemon_harness import FAST_SCHEDULE, Store, running_daemon
from tests.support.pages import policy_page
from tests.support.site import LoopbackSite

ConfigFactory = Callable[..., Path]
TEXT = "# Privacy Policy\n\n## Sharing\n\nWe do not sell your personal information to anyone, ever.\n" * 4


def test_run_refuses_a_database_whose_schema_is_behind(make_config: ConfigFactory) -> None:
    config = make_config(policies=[{"name": "acme", "url": "http://127.0.0.1:9/privacy"}])
    engine = make_engine(load_config(config).database_url)
    migrations.upgrade(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0000_older'")
    engine.dispose()

    result = CliRunner().invoke(app, ["run", "--config", str(config)])

    assert result.exit_code == 3
    assert "database schema is at 0000_older" in result.output
    assert "policywatch upgrade" in result.output


def test_run_creates_a_missing_database_and_starts_monitoring(
    site: LoopbackSite, make_config: ConfigFactory, tmp_path: Path
) -> None:
    site.set("/privacy", policy_page(TEXT))
    config = make_config(
        policies=[{"name": "acme", "url": site.url("/privacy")}], sections={"schedule": FAST_SCHEDULE}
    )
    assert not (tmp_path / "policywatch.db").exists()
    with running_daemon(config, tmp_path / "daemon.log") as daemon:
        daemon.wait_for_log(lambda line: line.get("outcome") == "first_version")
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(15) == 0

    store = Store(config)
    assert [v.number for v in store.versions("acme")] == [1]
    store.close()
