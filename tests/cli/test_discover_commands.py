"""``discover`` and ``add`` end to end on loopback websites in English, German and French, with decoys."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from tests.support.homepages import WEBSITES, Website, serve_website
from tests.support.site import LoopbackSite

runner = CliRunner()

COMMENTED_CONFIG = """# Our team's policywatch config. Keep the comments: they explain our choices.

[storage]
# SQLite next to this file.
url = "sqlite:///policywatch.db"

[fetch]
user_agent = "policywatch-tests/0.1"  # honest, with a contact
timeout = "5s"
per_host_interval = 0
retries = 0

# --- policies we already watch ---
[[policies]]
name = "existing"
url = "{existing}"   # watched since 2024
select = ["main"]

# Alerts go to the privacy team (disabled while we test).
# [notifiers.team]
# kind = "webhook"
"""


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def config(tmp_path: Path, site: LoopbackSite) -> Path:
    site.set("/existing-policy", "<main><h1>Privacy</h1><p>We do not sell your data.</p></main>")
    path = tmp_path / "config.toml"
    path.write_text(COMMENTED_CONFIG.replace("{existing}", site.url("/existing-policy")), encoding="utf-8")
    return path


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_discover_ranks_the_policy_first_and_the_decoys_below(
    site: LoopbackSite, config: Path, language: str
) -> None:
    website = WEBSITES[language]
    serve_website(site, website)
    result = invoke("discover", site.url("/"), "--config", str(config), "--json")
    assert result.exit_code == 0, result.output
    ranked = json.loads(result.stdout)
    assert ranked[0]["url"] == site.url(website.policy_path)
    assert ranked[0]["text"] == website.policy_title
    assert set(ranked[0]) == {"url", "score", "text", "why"} and "footer" in ranked[0]["why"]
    decoys = [row for row in ranked[1:] if "/blog/" in row["url"] or "choices" in row["url"]]
    assert decoys, "the privacy-mentioning decoys are listed, and lose"
    assert all(row["score"] < ranked[0]["score"] - 10 for row in decoys)
    for decoy in ("/terms", "/agb", "/cgu", "/cookies", "/impressum", "/mentions-legales"):
        assert all(not row["url"].endswith(decoy) for row in ranked[:1])


def test_discover_prints_a_table_with_the_reasons(site: LoopbackSite, config: Path) -> None:
    serve_website(site, WEBSITES["en"])
    result = invoke("discover", site.url("/"), "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "legal/privacy-policy" in result.stdout and "link text names the policy" in result.stdout


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_add_appends_the_discovered_policy_keeping_the_commented_config_and_check_stores_it(
    site: LoopbackSite, config: Path, language: str
) -> None:
    website: Website = WEBSITES[language]
    serve_website(site, website)
    before = config.read_text(encoding="utf-8")
    result = invoke("add", site.url("/"), "--config", str(config), "--name", f"acme-{language}")
    assert result.exit_code == 0, result.output
    assert f"chose {site.url(website.policy_path)}" in result.stdout and "why:" in result.stdout

    after = config.read_text(encoding="utf-8")
    assert after.startswith(before), "every comment, blank line and key order is kept"
    added = tomllib.loads(after)["policies"][-1]
    assert added == {"name": f"acme-{language}", "url": site.url(website.policy_path)}

    assert invoke("init", "--config", str(config)).exit_code == 0
    checked = json.loads(invoke("check", f"acme-{language}", "--config", str(config), "--json").stdout)
    assert checked[0]["outcome"] == "first_version"
    text = invoke("show", f"acme-{language}", "--config", str(config)).stdout
    assert website.policy_sentence in text


def test_add_of_a_policy_url_takes_the_page_itself(site: LoopbackSite, config: Path) -> None:
    serve_website(site, WEBSITES["fr"])
    result = invoke("add", site.url("/confidentialite"), "--config", str(config), "--select", "main")
    assert result.exit_code == 0, result.output
    assert "the page itself is a privacy policy" in result.stdout
    added = tomllib.loads(config.read_text(encoding="utf-8"))["policies"][-1]
    assert added == {"name": "127-0-0-1", "url": site.url("/confidentialite"), "select": ["main"]}


def test_add_dry_run_prints_the_entry_and_changes_nothing(site: LoopbackSite, config: Path) -> None:
    serve_website(site, WEBSITES["de"])
    before = config.read_text(encoding="utf-8")
    result = invoke("add", site.url("/"), "--config", str(config), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would append" in result.stdout and site.url("/datenschutz") in result.stdout
    assert config.read_text(encoding="utf-8") == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--name", "existing"], "already exists"),
        (["--name", "Not A Slug"], "must be a slug"),
        (["--select", "main[["], "not a valid CSS selector"),
    ],
)
def test_add_refuses_bad_or_duplicate_entries_and_leaves_the_file_alone(
    site: LoopbackSite, config: Path, extra: list[str], message: str
) -> None:
    serve_website(site, WEBSITES["en"])
    before = config.read_text(encoding="utf-8")
    result = runner.invoke(app, ["add", site.url("/"), "--config", str(config), *extra])
    assert result.exit_code == 2 and message in result.output
    assert config.read_text(encoding="utf-8") == before


def test_add_of_an_already_watched_policy_says_under_which_name(site: LoopbackSite, config: Path) -> None:
    result = runner.invoke(app, ["add", site.url("/existing-policy"), "--config", str(config)])
    assert result.exit_code == 2 and "already watched as policy 'existing'" in result.output


def test_add_without_any_policy_link_fails_clearly(site: LoopbackSite, config: Path) -> None:
    site.set("/", "<html><body><h1>Bikes</h1><p>We sell bikes.</p><a href='/shop'>Shop</a></body></html>")
    result = runner.invoke(app, ["add", site.url("/"), "--config", str(config)])
    assert result.exit_code == 1 and "no privacy-policy link found" in result.output
