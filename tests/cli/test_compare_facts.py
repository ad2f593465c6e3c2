"""``compare`` and ``diff`` report the versions' language, their stated dates and the change's notice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from monitor.cli import app
from monitor.pipeline.chain import ingest_text
from storage.models import utcnow
from tests.conftest import ConfigFactory, initialised_engine

FACTS = Path(__file__).resolve().parents[1] / "fixtures" / "facts"
runner = CliRunner()


def compare(*args: str) -> str:
    result = runner.invoke(app, ["compare", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def compare_json(old: str, new: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(compare(str(FACTS / old), str(FACTS / new), "--json"))
    return report


def test_compare_json_on_a_french_pair_reports_language_dates_and_notice() -> None:
    report = compare_json("fr-v1.md", "fr-v2-redated.md")
    keys = list(report)
    assert keys.index("anomaly") < keys.index("language") < keys.index("notice") < keys.index("stated_dates")
    assert report["language"] == "fr"
    assert report["stated_dates"] == {"old": "2025-03-03", "new": "2025-06-12"}
    assert report["notice"] == "redated"
    assert report["material"] is False
    [change] = report["changes"]
    assert change["old"] == "Dernière mise à jour : 3 mars 2025"
    assert change["new"] == "Dernière mise à jour : 12 juin 2025"


def test_compare_json_on_a_french_change_under_the_same_date() -> None:
    report = compare_json("fr-v1.md", "fr-v3-sold.md")
    assert report["language"] == "fr"
    assert report["stated_dates"] == {"old": "2025-03-03", "new": "2025-03-03"}
    assert report["stats"]["modified"] == 2
    assert (report["material"], report["supported"], report["notice"]) == (True, True, "undated")
    assert report["summary"].startswith("Material")  # explained in English, quoting the French words
    assert '"ne vendons pas"' in report["summary"]


def test_compare_json_flags_a_material_change_without_a_new_date() -> None:
    report = compare_json("en-v1.md", "en-v2-sold.md")
    assert (report["material"], report["notice"], report["language"]) == (True, "undated", "en")


def test_compare_text_and_html_say_so_in_words() -> None:
    text = compare(str(FACTS / "en-v1.md"), str(FACTS / "en-v2-sold.md"), "--text")
    assert "changed without a new 'last updated' date" in text
    assert "language en · stated date 2025-03-03" in text
    html = compare(str(FACTS / "fr-v1.md"), str(FACTS / "fr-v2-redated.md"), "--html")
    assert "only the stated &#39;last updated&#39; date changed" in html
    assert "language fr · stated date 2025-03-03 → 2025-06-12" in html


def test_diff_and_history_json_of_stored_versions_carry_the_facts(make_config: ConfigFactory) -> None:
    from monitor.config import load_config

    config = make_config(policies=[{"name": "acme", "url": "http://127.0.0.1:9/privacy"}])
    settings = load_config(config)
    engine = initialised_engine(settings)
    runner.invoke(app, ["init", "--config", str(config)], catch_exceptions=False)
    for name in ("en-v1.md", "en-v2-sold.md"):
        text = (FACTS / name).read_text(encoding="utf-8")
        ingest_text(engine, settings, settings.policy("acme"), text, observed_at=utcnow(), alerts=False)
    engine.dispose()
    result = runner.invoke(app, ["diff", "acme", "--json", "--config", str(config)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["language"], report["notice"]) == ("en", "undated")
    assert report["stated_dates"] == {"old": "2025-03-03", "new": "2025-03-03"}
    history = runner.invoke(app, ["history", "acme", "--json", "--config", str(config)])
    rows = json.loads(history.stdout)
    assert [(row["language"], row["stated_date"]) for row in rows] == [("en", "2025-03-03")] * 2
    assert [row["change"] and row["change"]["notice"] for row in rows] == [None, "undated"]
