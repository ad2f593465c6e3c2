"""OTA service declarations become [[policies]] entries; combined documents are fetched and joined in order.

The declarations here are written for these tests from the public declaration format; none is copied.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import load_config
from monitor.sources.ota_declarations import append_policies, browser_rendering_supported, read_declarations
from tests.conftest import ConfigFactory
from tests.run.test_ota_import import BASE, SALE
from tests.support.pages import policy_page
from tests.support.site import LoopbackSite

CONFIG_HEAD = """# My policies: comments and layout must survive the import.
[storage]
url = "sqlite:///policywatch.db"  # next to this file

[[policies]]
name = "already-here"   # hand-written
url = "https://already.example/privacy"
"""


def declare(folder: Path, service: str, data: dict[str, Any]) -> None:
    target = folder / "declarations"
    target.mkdir(parents=True, exist_ok=True)
    (target / f"{service}.json").write_text(json.dumps(data, indent=2), encoding="utf-8")


def sample_declarations(folder: Path, base: str = "https://docs.example") -> Path:
    declare(folder, "Example Chat", {
        "name": "Example Chat",
        "terms": {
            "Privacy Policy": {
                "fetch": f"{base}/privacy", "select": "main article", "remove": [".cookie-banner", "nav"],
            },
            "Terms of Service": {
                "fetch": f"{base}/terms", "select": ["#terms"], "executeClientScripts": True,
            },
            "Trackers Policy": {
                "fetch": f"{base}/trackers",
                "select": [{"startBefore": "#cookies", "endBefore": "#footer"}, "#cookie-table"],
                "filters": ["removeConsentWidget"],
            },
        },
    })  # fmt: skip
    declare(folder, "Sample.io", {
        "name": "Sample.io",
        "terms": {
            "Privacy Policy": {
                "combine": [
                    {"fetch": f"{base}/privacy/part-1", "select": "#first"},
                    {"fetch": f"{base}/privacy/part-2"},
                ],
                "select": "main",
                "remove": ".ad",
            },
        },
    })  # fmt: skip
    (folder / "declarations" / "Example Chat.history.json").write_text("{}", encoding="utf-8")
    return folder


def test_declarations_become_entries_with_selectors_combine_and_warnings(tmp_path: Path) -> None:
    found = read_declarations(sample_declarations(tmp_path / "collection"))
    entries = {entry.document: entry for entry in found.entries}
    assert set(entries) == {
        "Example Chat/Privacy Policy", "Example Chat/Terms of Service", "Example Chat/Trackers Policy",
        "Sample.io/Privacy Policy",
    }  # fmt: skip
    privacy = entries["Example Chat/Privacy Policy"]
    assert privacy.name == "example-chat-privacy-policy"
    assert privacy.parts[0].select == ("main article",) and privacy.parts[0].remove == (
        ".cookie-banner",
        "nav",
    )
    assert entries["Example Chat/Terms of Service"].browser
    combined = entries["Sample.io/Privacy Policy"]
    assert [(p.url, p.select, p.remove) for p in combined.parts] == [
        ("https://docs.example/privacy/part-1", ("#first",), (".ad",)),
        ("https://docs.example/privacy/part-2", ("main",), (".ad",)),
    ], "a part's own select replaces the document's; the document's remove applies to every part"
    trackers = entries["Example Chat/Trackers Policy"]
    assert trackers.parts[0].select == ("#cookie-table",)
    warnings = "\n".join(found.warnings)
    ranges = "range selector in `select` (endBefore='#footer', startBefore='#cookies')"
    assert f"Example Chat/Trackers Policy: {ranges}" in warnings
    assert "Example Chat/Trackers Policy: filters (removeConsentWidget)" in warnings
    assert "Example Chat.history.json" in warnings


def test_import_ota_declarations_appends_to_the_config_keeping_its_comments(tmp_path: Path) -> None:
    folder = sample_declarations(tmp_path / "collection")
    config = tmp_path / "config.toml"
    config.write_text(CONFIG_HEAD, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["import-ota-declarations", str(folder), "--config", str(config), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert sorted(report["added"]) == [
        "example-chat-privacy-policy", "example-chat-terms-of-service", "example-chat-trackers-policy",
        "sample-io-privacy-policy",
    ]  # fmt: skip
    text = config.read_text(encoding="utf-8")
    assert text.startswith(CONFIG_HEAD), "the hand-written part is kept byte for byte"
    settings = load_config(config)
    policies = {policy.name: policy for policy in settings.policies}
    assert policies["example-chat-privacy-policy"].ota == "Example Chat/Privacy Policy"
    assert policies["example-chat-privacy-policy"].select == ["main article"]
    combined = policies["sample-io-privacy-policy"]
    assert combined.url == "https://docs.example/privacy/part-1"
    assert [(p.url, p.select, p.remove) for p in combined.combine] == [
        ("https://docs.example/privacy/part-1", ["#first"], [".ad"]),
        ("https://docs.example/privacy/part-2", ["main"], [".ad"]),
    ]
    terms = policies["example-chat-terms-of-service"]
    if browser_rendering_supported():
        assert terms.render == "browser"
    else:
        assert any("executeClientScripts needs browser rendering" in w for w in report["warnings"])
        assert "render" not in text
    again = CliRunner().invoke(
        app, ["import-ota-declarations", str(folder), "--config", str(config), "--json"]
    )
    assert json.loads(again.stdout)["added"] == [] and config.read_text(encoding="utf-8") == text


def test_an_entry_already_configured_by_name_or_ota_key_is_not_added_twice(tmp_path: Path) -> None:
    folder = sample_declarations(tmp_path / "collection")
    config = tmp_path / "config.toml"
    config.write_text(
        CONFIG_HEAD + '\n[[policies]]\nname = "chat-privacy"\nurl = "https://docs.example/privacy"\n'
        'ota = "Example Chat/Privacy Policy"\n',
        encoding="utf-8",
    )
    appended = append_policies(config, read_declarations(folder).entries, dry_run=True)
    assert "example-chat-privacy-policy" in appended.already
    assert "example-chat-privacy-policy" not in appended.added
    assert "example-chat-terms-of-service" in appended.added
    assert "example-chat-terms" not in config.read_text(encoding="utf-8"), "a dry run writes nothing"


def test_a_combined_policy_is_checked_as_its_pages_joined_in_order(
    site: LoopbackSite, make_config: ConfigFactory
) -> None:
    first, second = BASE.split("## Your rights")
    site.set("/part-1", policy_page(first))
    site.set("/part-2", policy_page("## Your rights" + second + "\n\nWe never sell your personal data."))
    config = make_config(policies=[])
    text = config.read_text(encoding="utf-8") + (
        f'\n[[policies]]\nname = "combined"\ncombine = ["{site.url("/part-1")}", "{site.url("/part-2")}"]\n'
    )
    config.write_text(text, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--config", str(config)]).exit_code == 0
    checked = runner.invoke(app, ["check", "--config", str(config), "--json"])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)[0]["outcome"] == "first_version"
    shown = runner.invoke(app, ["show", "combined", "--config", str(config)]).stdout
    assert shown.index("We collect your name") < shown.index("We never sell"), shown
    site.set("/part-2", policy_page("## Your rights" + second + "\n\n" + SALE))
    again = json.loads(runner.invoke(app, ["check", "--config", str(config), "--json"]).stdout)[0]
    assert again["outcome"] == "new_version" and again["material"], "a change in any page is a change"
