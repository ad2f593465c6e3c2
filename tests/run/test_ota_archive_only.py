"""Archive-only policies (imported, no config entry) in every view: status, diff, search, web UI, API."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from starlette.exceptions import StarletteDeprecationWarning
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import load_config
from monitor.run.ota_import import import_collection
from monitor.web import create_app
from tests.conftest import ConfigFactory, initialised_engine
from tests.run.test_ota_import import BASE, SHARING
from tests.support.gitrepo import OtaRepo

with warnings.catch_warnings():
    # As in tests/web: Starlette nudges towards another httpx package; the pinned one works.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


def imported(make_config: ConfigFactory, tmp_path: Path) -> Path:
    repo = OtaRepo(tmp_path / "demo-versions")
    repo.record("Acme/Privacy Policy", BASE, "2024-01-05T10:00:00+00:00")
    repo.record("Acme/Privacy Policy", SHARING, "2024-03-01T12:30:00+00:00")
    config = make_config(policies=[])
    settings = load_config(config)
    engine = initialised_engine(settings)
    import_collection(settings, engine, str(repo.path))
    engine.dispose()
    return config


def test_status_and_diff_show_an_archive_only_policy_marked_as_not_checked_live(
    make_config: ConfigFactory, tmp_path: Path
) -> None:
    config = imported(make_config, tmp_path)
    runner = CliRunner()
    status = runner.invoke(app, ["status", "--config", str(config)], env={"COLUMNS": "200"})
    assert status.exit_code == 0, status.output
    [row] = [line for line in status.stdout.splitlines() if line.startswith("acme-pri")]
    assert "(archive only)" in row and "imported" in row and "never (archive)" in row, status.stdout
    diff = runner.invoke(app, ["diff", "acme-privacy-policy", "--config", str(config), "--json"])
    assert diff.exit_code == 0, diff.output
    report = json.loads(diff.stdout)
    assert report["material"] and "sale" in report["categories"]


def test_the_web_ui_api_and_search_list_an_archive_only_policy(
    make_config: ConfigFactory, tmp_path: Path
) -> None:
    settings = load_config(imported(make_config, tmp_path))
    web = create_app(settings)
    with TestClient(web) as client:
        dashboard = client.get("/")
        assert dashboard.status_code == 200
        assert "acme-privacy-policy" in dashboard.text and "archive only · not checked live" in dashboard.text
        assert client.get("/policies/acme-privacy-policy").status_code == 200
        [policy] = client.get("/api/policies").json()
        assert policy["name"] == "acme-privacy-policy" and policy["health"]["state"] == "archive"
        assert policy["version_count"] == 2
        [found] = client.get("/api/search", params={"q": '"data brokers"'}).json()
        assert found["policy"] == "acme-privacy-policy" and found["versions"] == [2]
    web.state.web.engine.dispose()
