"""Exporting histories: OTA's dataset layout round-trips git's texts; JSON Lines carries the judgements."""

from __future__ import annotations

import json
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import Settings, load_config
from monitor.run.export import export_dataset, file_stamp
from monitor.run.ota_import import import_collection
from tests.conftest import ConfigFactory, initialised_engine
from tests.run.test_ota_import import BASE, SHARING
from tests.support.gitrepo import SAMPLE_BUNDLE, OtaRepo, commits_changing, git

SERVICES = ("Meta AI", "Qwen Chat")


@pytest.fixture
def config(make_config: ConfigFactory) -> Path:
    return make_config(policies=[])


@pytest.fixture
def settings(config: Path) -> Settings:
    return load_config(config)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    created = initialised_engine(settings)
    yield created
    created.dispose()


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    target = tmp_path / "genai-eu-versions"
    subprocess.run(["git", "clone", "--quiet", str(SAMPLE_BUNDLE), str(target)], check=True)
    return target


@pytest.fixture
def repo(tmp_path: Path) -> OtaRepo:
    made = OtaRepo(tmp_path / "demo-versions")
    made.record("Acme/Privacy Policy", BASE, "2024-01-05T10:00:00+00:00")
    made.record("Acme/Privacy Policy", SHARING, "2024-03-01T12:30:00+00:00")
    made.record(
        "Acme/Privacy Policy", SHARING.replace("## Sharing", "## Sharing with others"),
        "2024-04-01T00:00:00+00:00", subject="Apply technical or declaration upgrade on Acme Privacy Policy",
    )  # fmt: skip
    return made


def test_an_ota_export_round_trips_the_texts_of_every_commit(
    settings: Settings, engine: Engine, clone: Path, tmp_path: Path
) -> None:
    import_collection(settings, engine, str(clone), services=SERVICES)
    out = tmp_path / "dataset"
    summary = export_dataset(settings, engine, out, format="ota")
    documents = [f"{s}/{p.stem}" for s in SERVICES for p in sorted((clone / s).glob("*.md"))]
    for document in documents:
        expected = [
            (file_stamp(datetime.fromtimestamp(at, UTC)), git(clone, "show", f"{commit}:{document}.md"))
            for commit, at in commits_changing(clone, document)
        ]
        files = sorted((out / document).glob("*.md"))
        assert [(f.stem, f.read_bytes()) for f in files] == [(s, t.encode()) for s, t in expected], document
    assert summary.versions == sum(len(commits_changing(clone, d)) for d in documents)
    readme = (out / "README.md").read_text()
    assert "Open Terms Archive" in readme and "genai-eu-versions" in readme and "ODC-BY" in readme
    assert "ODC-BY" in (out / "LICENSE").read_text() and "Open Terms Archive" in (out / "LICENSE").read_text()


def test_a_jsonl_export_has_every_version_and_every_change_with_its_judgement(
    settings: Settings, engine: Engine, repo: OtaRepo, tmp_path: Path
) -> None:
    import_collection(settings, engine, str(repo.path))
    summary = export_dataset(settings, engine, tmp_path / "jsonl", format="jsonl")
    versions = [json.loads(line) for line in (tmp_path / "jsonl" / "versions.jsonl").read_text().splitlines()]
    changes = [json.loads(line) for line in (tmp_path / "jsonl" / "changes.jsonl").read_text().splitlines()]
    assert [v["text"] for v in versions] == [
        BASE,
        SHARING,
        SHARING.replace("## Sharing", "## Sharing with others"),
    ]
    assert {v["source"] for v in versions} == {"ota"} and all(len(v["ota_commit"]) == 40 for v in versions)
    assert versions[0]["service"] == "Acme" and versions[0]["terms_type"] == "Privacy Policy"
    assert (summary.versions, summary.changes) == (3, 2)
    sale, upgrade = changes
    assert sale["material"] and "sale" in sale["categories"] and sale["reasons"]
    assert sale["severity"] in {"medium", "high"} and sale["direction"] and "notice" in sale
    assert (sale["from_version"], sale["to_version"]) == (1, 2)
    assert upgrade["reextraction"] and not upgrade["material"]


def test_zip_packs_the_same_files_and_filters_narrow_the_export(
    settings: Settings, engine: Engine, repo: OtaRepo, tmp_path: Path
) -> None:
    import_collection(settings, engine, str(repo.path))
    export_dataset(settings, engine, tmp_path / "plain", format="ota")
    packed = export_dataset(settings, engine, tmp_path / "packed", format="ota", pack=True)
    assert packed.target == tmp_path / "packed.zip"
    plain = {
        str(p.relative_to(tmp_path / "plain")): p.read_bytes() for p in (tmp_path / "plain").rglob("*.md")
    }
    with zipfile.ZipFile(packed.target) as archive:
        names = {n.removeprefix("packed/"): archive.read(n) for n in archive.namelist()}
    assert {k: v for k, v in names.items() if k.endswith(".md") and k != "README.md"} == {
        k: v for k, v in plain.items() if k != "README.md"
    }
    assert "LICENSE" in names
    recent = export_dataset(
        settings, engine, tmp_path / "recent", format="jsonl", policies=["acme-privacy-policy"],
        since=datetime(2024, 3, 1, tzinfo=UTC),
    )  # fmt: skip
    assert (recent.versions, recent.changes) == (2, 2), "a change into a version since the date is kept"


def test_export_command_writes_both_formats(config: Path, repo: OtaRepo, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--config", str(config)]).exit_code == 0
    assert runner.invoke(app, ["import-ota", str(repo.path), "--config", str(config)]).exit_code == 0
    result = runner.invoke(app, ["export", str(tmp_path / "out"), "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["versions"] == 3
    assert len(list((tmp_path / "out" / "Acme" / "Privacy Policy").glob("*.md"))) == 3
    zipped = runner.invoke(
        app, ["export", str(tmp_path / "data"), "--format", "jsonl", "--zip", "--config", str(config)]
    )
    assert zipped.exit_code == 0, zipped.output
    with zipfile.ZipFile(tmp_path / "data.zip") as archive:
        assert {"data/versions.jsonl", "data/changes.jsonl", "data/README.md", "data/LICENSE"} <= set(
            archive.namelist()
        )
    unknown = runner.invoke(app, ["export", str(tmp_path / "x"), "--policy", "nope", "--config", str(config)])
    assert unknown.exit_code == 3 and "nope" in unknown.output, "an unknown policy, as in `history`"
