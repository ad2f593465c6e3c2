"""``compare`` on files and ``diff`` on stored versions print the documented report shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.pipeline.chain import ingest_text
from storage.models import utcnow
from tests.conftest import ConfigFactory, initialised_engine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "histories" / "qnet"
runner = CliRunner()

TOP_KEYS = [
    "material",
    "severity",
    "categories",
    "direction",
    "anomaly",
    "language",
    "supported",
    "notice",
    "stated_dates",
    "summary",
    "stats",
    "changes",
]
CHANGE_KEYS = [
    "kind",
    "section",
    "old",
    "new",
    "material",
    "severity",
    "categories",
    "direction",
    "reasons",
    "inline",
]


def compare_json(old: Path, new: Path) -> dict[str, Any]:
    result = runner.invoke(app, ["compare", str(old), str(new), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_compare_json_has_the_documented_shape() -> None:
    report = compare_json(FIXTURES / "v01.md", FIXTURES / "v02.md")
    assert list(report) == TOP_KEYS
    assert set(report["stats"]) == {"added", "removed", "modified", "moved", "unchanged"}
    assert report["changes"], "v01 → v02 edits the sharing clause"
    for change in report["changes"]:
        assert list(change) == CHANGE_KEYS
        assert change["kind"] in {"added", "removed", "modified", "moved"}
        for op, text in change["inline"]:
            assert op in (-1, 0, 1) and isinstance(text, str)


def test_compare_explains_a_material_change_in_plain_words() -> None:
    report = compare_json(FIXTURES / "v01.md", FIXTURES / "v02.md")
    assert report["material"] is True
    assert report["severity"] == "high"
    assert "sale" in report["categories"]
    assert report["direction"] == "less_protective"
    assert report["summary"]
    assert any(change["reasons"] for change in report["changes"] if change["material"])


def test_compare_of_a_file_with_itself_changes_nothing() -> None:
    report = compare_json(FIXTURES / "v00.md", FIXTURES / "v00.md")
    assert report["material"] is False and report["changes"] == []
    assert report["stats"]["unchanged"] > 10


def test_compare_reads_html_files(tmp_path: Path) -> None:
    old = tmp_path / "old.html"
    new = tmp_path / "new.html"
    old.write_text("<html><body><main><h1>Privacy</h1><p>We do not sell your data.</p></main></body></html>")
    new.write_text("<html><body><main><h1>Privacy</h1><p>We may sell your data.</p></main></body></html>")
    report = compare_json(old, new)
    assert report["stats"]["modified"] == 1
    assert report["changes"][0]["section"] == "Privacy"


def test_compare_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    old = tmp_path / "old.md"
    new = tmp_path / "new.md"
    old.write_text("# Policy\n\nWe share data with partners.\n")
    new.write_text("# Policy\n\nWe share data with partners <script>alert(1)</script> and brokers.\n")
    result = runner.invoke(app, ["compare", str(old), str(new), "--html"], catch_exceptions=False)
    assert result.exit_code == 0
    page = result.stdout
    assert page.startswith("<!doctype html>")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<link" not in page and "http" not in page.split("<body>")[1]
    assert "<ins>" in page or 'class="added"' in page


def test_compare_text_and_conflicting_flags(tmp_path: Path) -> None:
    result = runner.invoke(app, ["compare", str(FIXTURES / "v01.md"), str(FIXTURES / "v02.md")])
    assert result.exit_code == 0 and "MATERIAL" in result.stdout
    clash = runner.invoke(
        app, ["compare", str(FIXTURES / "v01.md"), str(FIXTURES / "v02.md"), "--json", "--html"]
    )
    assert clash.exit_code != 0


def test_compare_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["compare", str(tmp_path / "nope.md"), str(FIXTURES / "v00.md")])
    assert result.exit_code == 1 and "cannot read" in result.output


def test_diff_reads_the_stored_change_of_the_last_two_versions(make_config: ConfigFactory) -> None:
    from monitor.config import load_config

    path = make_config(policies=[{"name": "qnet", "url": "http://127.0.0.1:9/privacy"}])
    settings = load_config(path)
    engine = initialised_engine(settings)
    runner.invoke(app, ["init", "--config", str(path)], catch_exceptions=False)
    policy = settings.policy("qnet")
    for name in ("v01.md", "v02.md", "v03.md"):
        ingest_text(engine, settings, policy, (FIXTURES / name).read_text(), observed_at=utcnow())

    last = runner.invoke(app, ["diff", "qnet", "--json", "--config", str(path)], catch_exceptions=False)
    assert last.exit_code == 0, last.output
    stored = json.loads(last.stdout)
    fresh = compare_json(FIXTURES / "v02.md", FIXTURES / "v03.md")
    assert stored == fresh, "the stored change record is the same report compare computes"

    chosen = runner.invoke(app, ["diff", "qnet", "--from", "1", "--to", "2", "--json", "--config", str(path)])
    assert json.loads(chosen.stdout) == compare_json(FIXTURES / "v01.md", FIXTURES / "v02.md")
    missing = runner.invoke(app, ["diff", "qnet", "--from", "9", "--config", str(path)])
    assert missing.exit_code == 3


def test_compare_accepts_relative_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    report = compare_json(Path("v01.md"), Path("v02.md"))
    assert report["material"] is True
