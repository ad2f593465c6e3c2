"""The foundation end to end: init, check, history, show and status against a loopback site."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from tests.support.pages import policy_page
from tests.support.site import LoopbackSite

POLICY_V1 = """# Privacy Policy

## Information we collect

We collect your name and e-mail address when you create an account.

## Sharing

We do not sell your personal information. We share data with service providers who process it for us.

## Retention

We keep your data for as long as your account is active.
"""

POLICY_V2 = POLICY_V1.replace(
    "We do not sell your personal information.",
    "We may sell your personal information to data brokers and advertising partners.",
)

SECURITY_POLICY = """# Security and data protection

We keep your data safe with encryption at rest and in transit. Access to personal information is limited
to employees who need it to provide the service, and every access is logged.

## Incidents

If a breach affects your personal information, we notify you and the competent supervisory authority
within 72 hours of becoming aware of it. We review our safeguards every year with an independent auditor.

## Your choices

You can ask us which safeguards apply to your account by writing to our data protection officer.
"""

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def as_json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def config(site: LoopbackSite, make_config: Callable[..., Path]) -> Path:
    site.set("/privacy", policy_page(POLICY_V1))
    site.set("/terms", policy_page(SECURITY_POLICY))
    path = make_config(
        policies=[
            {"name": "acme", "url": site.url("/privacy")},
            {"name": "beta", "url": site.url("/terms"), "select": ["article"], "remove": [".cookie"]},
        ]
    )
    assert invoke("init", "--config", str(path)).exit_code == 0
    return path


def test_init_creates_the_database_next_to_the_config(config: Path) -> None:
    assert (config.parent / "policywatch.db").exists()


def test_unchanged_pages_add_no_version_and_a_change_adds_exactly_one(
    site: LoopbackSite, config: Path
) -> None:
    first = as_json(invoke("check", "--config", str(config), "--json"))
    assert {row["policy"]: row["outcome"] for row in first} == {
        "acme": "first_version",
        "beta": "first_version",
    }

    again = as_json(invoke("check", "--config", str(config), "--json"))
    assert {row["outcome"] for row in again} == {"unchanged"}
    assert len(as_json(invoke("history", "acme", "--config", str(config), "--json"))) == 1

    site.set("/privacy", policy_page(POLICY_V2))
    changed = {row["policy"]: row for row in as_json(invoke("check", "--config", str(config), "--json"))}
    assert changed["acme"]["outcome"] == "new_version"
    assert changed["acme"]["version"] == 2
    assert changed["beta"]["outcome"] == "unchanged"

    history = as_json(invoke("history", "acme", "--config", str(config), "--json"))
    assert [entry["number"] for entry in history] == [1, 2]
    assert history[0]["change"] is None
    assert history[1]["change"]["material"] is True
    assert "sale" in history[1]["change"]["categories"]
    for entry in history:
        assert len(entry["sha256"]) == 64
        assert entry["source"] == "live" and entry["archived_at"] is None
        assert entry["first_seen"] <= entry["last_seen"]


def test_show_prints_the_extracted_text_of_any_version(site: LoopbackSite, config: Path) -> None:
    invoke("check", "--config", str(config))
    site.set("/privacy", policy_page(POLICY_V2))
    invoke("check", "--config", str(config))
    latest = invoke("show", "acme", "--config", str(config))
    first = invoke("show", "acme", "--version", "1", "--config", str(config))
    assert "data brokers" in latest.stdout and "data brokers" not in first.stdout
    assert "# Privacy Policy" in first.stdout
    # boilerplate around the policy is gone
    assert "<script" not in first.stdout and "Subscribe" not in first.stdout


def test_conditional_get_304_means_unchanged(site: LoopbackSite, config: Path) -> None:
    site.set("/privacy", policy_page(POLICY_V1), etag='"v1"')
    invoke("check", "acme", "--config", str(config))
    result = as_json(invoke("check", "acme", "--config", str(config), "--json"))
    assert result[0]["outcome"] == "not_modified"
    assert site.requests_to("/privacy")[-1].headers.get("if-none-match") == '"v1"'


def test_failing_site_is_reported_but_the_run_completes(site: LoopbackSite, config: Path) -> None:
    invoke("check", "--config", str(config))
    site.fail("/privacy", 500)
    result = invoke("check", "--config", str(config), "--json")
    rows = {row["policy"]: row for row in as_json(result)}
    assert rows["acme"]["outcome"] == "failed" and "http_500" in rows["acme"]["error"]
    assert rows["beta"]["outcome"] == "unchanged"
    status = {row["policy"]: row for row in as_json(invoke("status", "--config", str(config), "--json"))}
    assert status["acme"]["consecutive_failures"] == 1
    assert status["acme"]["last_error"].startswith("http_500")
    assert status["acme"]["versions"] == 1, "a failure never loses the stored version"
    assert status["beta"]["consecutive_failures"] == 0


def test_select_and_remove_apply_through_the_pipeline(site: LoopbackSite, config: Path) -> None:
    invoke("check", "beta", "--config", str(config))
    text = invoke("show", "beta", "--config", str(config)).stdout
    assert "encryption at rest" in text
    assert "Privacy Policy" not in text


def test_bad_config_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[fetch]\ntimeout = "soon"\n', encoding="utf-8")
    result = runner.invoke(app, ["check", "--config", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.output and "fetch.timeout" in result.output


def test_uninitialised_database_is_a_clear_storage_error(
    site: LoopbackSite, make_config: Callable[..., Path]
) -> None:
    path = make_config(policies=[{"name": "acme", "url": site.url("/privacy")}])
    result = runner.invoke(app, ["check", "--config", str(path)])
    assert result.exit_code == 3
    assert "policywatch init" in result.output


def test_unknown_policy_name_is_an_error(config: Path) -> None:
    result = runner.invoke(app, ["history", "nope", "--config", str(config)])
    assert result.exit_code == 3 and "no policy named 'nope'" in result.output


def test_python_dash_m_monitor_is_the_cli() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("init", "check", "history", "show", "status", "compare", "diff"):
        assert command in result.stdout
