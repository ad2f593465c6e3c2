"""Importing Open Terms Archive collections: one version per text-changing commit, resumable, judged."""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import Settings, load_config
from monitor.run import ota_import
from monitor.run.ota_import import import_collection
from monitor.sources.ota import document_slug
from storage import queries
from storage.engine import session_scope
from storage.models import OTA, Change, Version
from tests.conftest import ConfigFactory, initialised_engine
from tests.support.gitrepo import SAMPLE_BUNDLE, OtaRepo, commits_changing, git

SMALL_SERVICES = ("Meta AI", "Qwen Chat", "DeepSeek", "Perplexity")
BASE = """# Privacy Policy

## What we collect

We collect your name, your email address and the messages you send us when you create an account or
contact our support team. We also record the date and time of your visits.

## How we use it

We use this information to provide and improve the service, to answer your questions and to keep your
account secure. We do not use your information for any other purpose.

## Your rights

You may ask for a copy of your data, correct it or delete your account at any time by writing to us.
We answer every request within thirty days.

## Retention

We keep your information for as long as your account is open and delete it within ninety days after
you close it."""
SALE = "## Sharing\n\nWe sell your personal data to advertisers and data brokers for their own marketing."
SHARING = BASE + "\n\n" + SALE


@pytest.fixture
def settings(make_config: ConfigFactory) -> Settings:
    return load_config(make_config(policies=[]))


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    created = initialised_engine(settings)
    yield created
    created.dispose()


def versions_of(engine: Engine, name: str) -> list[Version]:
    with session_scope(engine) as session:
        policy = queries.get_policy(session, name)
        assert policy.id is not None
        return queries.versions_in_time_order(session, policy.id)


def texts_of(engine: Engine, name: str) -> list[str]:
    with session_scope(engine) as session:
        policy = queries.get_policy(session, name)
        assert policy.id is not None
        return [queries.version_text(v, session) for v in queries.versions_in_time_order(session, policy.id)]


def changes_of(engine: Engine, name: str) -> list[Change]:
    with session_scope(engine) as session:
        policy = queries.get_policy(session, name)
        assert policy.id is not None
        return queries.current_changes(session, policy.id)


@pytest.fixture
def repo(tmp_path: Path) -> OtaRepo:
    made = OtaRepo(tmp_path / "demo-versions")
    made.record("Acme/Privacy Policy", BASE, "2024-01-05T10:00:00+00:00")
    made.record("Acme.io/Terms of Service", "You agree to these terms.", "2024-01-06T10:00:00+00:00")
    made.record("Acme/Privacy Policy", SHARING, "2024-03-01T12:30:00+00:00")
    return made


def test_the_sample_bundle_gives_one_version_per_text_changing_commit_at_the_commit_dates(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    summary = import_collection(settings, engine, str(SAMPLE_BUNDLE), services=SMALL_SERVICES)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(SAMPLE_BUNDLE), str(clone)], check=True)
    documents = sorted(
        str(path.relative_to(clone))[:-3]
        for service in SMALL_SERVICES for path in (clone / service).glob("*.md")
    )  # fmt: skip
    assert documents and {d.document for d in summary.documents} >= set(documents)
    for document in documents:
        name = document_slug(document)
        stored = versions_of(engine, name)
        expected = commits_changing(clone, document)
        assert [v.ota_commit for v in stored] == [commit for commit, _ in expected], document
        assert [int(v.observed_at.timestamp()) for v in stored] == [at for _, at in expected]
        assert {v.source for v in stored} == {OTA} and {v.ota_collection for v in stored} == {
            "genai-eu-versions"
        }
        head = (clone / f"{document}.md").read_bytes()
        assert texts_of(engine, name)[-1].encode("utf-8") == head, (
            f"{document}: last version is not HEAD's file"
        )
    assert summary.new_versions == sum(len(commits_changing(clone, d)) for d in documents)


def test_show_prints_the_last_imported_version_byte_for_byte(
    settings: Settings, engine: Engine, make_config: ConfigFactory, tmp_path: Path
) -> None:
    import_collection(settings, engine, str(SAMPLE_BUNDLE), services=["Meta AI"])
    head = git(tmp_path, "--git-dir", str(_bare(tmp_path)), "show", "HEAD:Meta AI/Terms of Service.md")
    result = CliRunner().invoke(
        app, ["show", "meta-ai-terms-of-service", "--config", str(make_config(policies=[]))]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == head.encode("utf-8")


def _bare(tmp_path: Path) -> Path:
    target = tmp_path / "sample.git"
    if not target.exists():
        subprocess.run(["git", "clone", "--quiet", "--bare", str(SAMPLE_BUNDLE), str(target)], check=True)
    return target


@pytest.mark.parametrize("kind", ["clone", "bare", "bundle"])
def test_clones_bare_repositories_and_bundles_import_the_same_history(
    kind: str, settings: Settings, engine: Engine, repo: OtaRepo, tmp_path: Path
) -> None:
    source = {
        "clone": lambda: repo.path,
        "bare": lambda: repo.bare_clone(tmp_path / "demo-versions.git"),
        "bundle": lambda: repo.bundle(tmp_path / "demo-versions.bundle"),
    }[kind]()
    summary = import_collection(settings, engine, str(source))
    assert summary.collection == "demo-versions"
    assert {d.document: d.new_versions for d in summary.documents} == {
        "Acme/Privacy Policy": 2,
        "Acme.io/Terms of Service": 1,
    }
    assert texts_of(engine, "acme-privacy-policy") == [BASE, SHARING]
    assert texts_of(engine, "acme-io-terms-of-service") == ["You agree to these terms."]
    [change] = changes_of(engine, "acme-privacy-policy")
    assert change.material and "sale" in (change.categories or []), "imported changes are judged"


def test_policy_names_are_path_slugs() -> None:
    assert document_slug("Claude.ai/Privacy Policy") == "claude-ai-privacy-policy"
    assert document_slug("Google Generative AI Services/Terms of Service") == (
        "google-generative-ai-services-terms-of-service"
    )
    assert document_slug("Über & Co/Datenschutz-Erklärung") == "ber-co-datenschutz-erkl-rung"


def test_a_second_import_adds_nothing(settings: Settings, engine: Engine, repo: OtaRepo) -> None:
    first = import_collection(settings, engine, str(repo.path))
    second = import_collection(settings, engine, str(repo.path))
    assert first.new_versions == 3 and second.new_versions == 0
    assert {d.document: d.skipped for d in second.documents} == {
        "Acme/Privacy Policy": 2,
        "Acme.io/Terms of Service": 1,
    }
    assert len(versions_of(engine, "acme-privacy-policy")) == 2


def test_a_newer_clone_adds_only_the_new_commits(
    settings: Settings, engine: Engine, repo: OtaRepo, tmp_path: Path
) -> None:
    old = repo.bundle(tmp_path / "old.bundle")
    import_collection(settings, engine, str(old), name="demo-versions")
    newer = repo.record(
        "Acme/Privacy Policy", SHARING + "\n\nWe keep logs for ten years.", "2024-05-01T08:00:00+00:00"
    )
    summary = import_collection(settings, engine, str(repo.path))
    assert summary.new_versions == 1
    assert [v.ota_commit for v in versions_of(engine, "acme-privacy-policy")][-1] == newer
    assert len(versions_of(engine, "acme-privacy-policy")) == 3


def test_an_interrupted_import_resumes_where_it_stopped(
    settings: Settings, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = OtaRepo(tmp_path / "long-versions")
    texts = [BASE + f"\n\nClause {n}: we keep records for {n} months." for n in range(1, 8)]
    for day, text in enumerate(texts, start=1):
        repo.record("Acme/Privacy Policy", text, f"2024-02-{day:02d}T09:00:00+00:00")
    real = ota_import.ingest_series
    calls = {"n": 0}

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C in the middle of the third batch
        return real(*args, **kwargs)

    monkeypatch.setattr(ota_import, "ingest_series", failing)
    with pytest.raises(KeyboardInterrupt):
        import_collection(settings, engine, str(repo.path), batch=2)
    assert len(versions_of(engine, "acme-privacy-policy")) == 4, "the two finished batches are kept"
    monkeypatch.setattr(ota_import, "ingest_series", real)
    summary = import_collection(settings, engine, str(repo.path), batch=2)
    assert summary.new_versions == 3 and summary.documents[0].skipped == 4
    assert texts_of(engine, "acme-privacy-policy") == texts


def test_reextraction_commits_are_stored_but_never_material(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    repo = OtaRepo(tmp_path / "re-versions")
    repo.record("Acme/Privacy Policy", BASE, "2024-01-01T00:00:00+00:00")
    repo.record(
        "Acme/Privacy Policy", SHARING, "2024-02-01T00:00:00+00:00",
        subject="Apply technical or declaration upgrade on Acme Privacy Policy",
    )  # fmt: skip
    summary = import_collection(settings, engine, str(repo.path), notify=True)
    assert len(versions_of(engine, "acme-privacy-policy")) == 2
    [change] = changes_of(engine, "acme-privacy-policy")
    assert change.reextraction and not change.material and change.severity == "none"
    assert change.summary.startswith("Re-extraction")
    assert summary.documents[0].reextractions == 1 and summary.material == 0 and summary.alerts == 0


def test_deleted_then_restored_documents_keep_one_history(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    repo = OtaRepo(tmp_path / "gone-versions")
    repo.record("Acme/Privacy Policy", BASE, "2024-01-01T00:00:00+00:00")
    repo.delete("Acme/Privacy Policy", "2024-02-01T00:00:00+00:00")
    repo.record("Acme/Privacy Policy", BASE, "2024-03-01T00:00:00+00:00")
    repo.record("Acme/Privacy Policy", SHARING, "2024-04-01T00:00:00+00:00")
    summary = import_collection(settings, engine, str(repo.path))
    document = summary.documents[0]
    assert (document.deleted, document.unchanged, document.new_versions) == (1, 1, 2)
    first, _second = versions_of(engine, "acme-privacy-policy")
    assert first.last_seen == datetime(2024, 3, 1, tzinfo=UTC), "the same text again extends its version"


def test_service_terms_type_and_since_filters(settings: Settings, engine: Engine, repo: OtaRepo) -> None:
    summary = import_collection(
        settings, engine, str(repo.path), services=["acme"], terms_types=["Privacy Policy"],
        since=datetime(2024, 2, 1, tzinfo=UTC),
    )  # fmt: skip
    assert [d.document for d in summary.documents] == ["Acme/Privacy Policy"]
    assert texts_of(engine, "acme-privacy-policy") == [SHARING]


def test_archive_only_policies_survive_config_syncs_and_config_entries_continue_them(
    make_config: ConfigFactory, repo: OtaRepo
) -> None:
    settings = load_config(make_config(policies=[]))
    engine = initialised_engine(settings)
    import_collection(settings, engine, str(repo.path))
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
        rows = {row.name: row for row in queries.list_policies(session)}
    assert rows["acme-privacy-policy"].archive_only and not rows["acme-privacy-policy"].enabled
    assert rows["acme-privacy-policy"].next_check_at is None, "never scheduled for a live check"
    assert len(versions_of(engine, "acme-privacy-policy")) == 2

    tracked = load_config(make_config(policies=[
        {"name": "acme-privacy", "url": "https://acme.example/privacy", "ota": "Acme/Privacy Policy"},
        {"name": "acme-io-terms-of-service", "url": "https://acme.example/terms"},
    ]))  # fmt: skip
    with session_scope(engine) as session:
        queries.sync_policies(session, tracked)
        rows = {row.name: row for row in queries.list_policies(session)}
    assert "acme-privacy-policy" not in rows, "the ota key adopted the archive-only policy under its name"
    adopted = rows["acme-privacy"]
    assert not adopted.archive_only and adopted.enabled and adopted.next_check_at is not None
    assert adopted.url == "https://acme.example/privacy"
    assert texts_of(engine, "acme-privacy") == [BASE, SHARING], "live tracking continues the history"
    assert not rows["acme-io-terms-of-service"].archive_only and rows["acme-io-terms-of-service"].enabled
    engine.dispose()


def test_imported_versions_interleave_with_live_versions_by_time(
    make_config: ConfigFactory, repo: OtaRepo
) -> None:
    from monitor.pipeline.chain import ingest_text

    settings = load_config(make_config(policies=[
        {"name": "acme", "url": "https://acme.example/privacy", "ota": "Acme/Privacy Policy"},
    ]))  # fmt: skip
    engine = initialised_engine(settings)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    live_text = SHARING + "\n\nWe transfer your data to the United States."
    ingest_text(engine, settings, settings.policy("acme"), BASE, observed_at=datetime(2024, 2, 1, tzinfo=UTC))
    ingest_text(
        engine, settings, settings.policy("acme"), live_text, observed_at=datetime(2024, 6, 1, tzinfo=UTC)
    )
    import_collection(settings, engine, str(repo.path))
    stored = versions_of(engine, "acme")
    # The OTA record of the text first seen live extends that version back in time; the OTA change in
    # between becomes its own version, with the changes re-linked around it.
    assert [v.source for v in stored] == ["live", OTA, "live"]
    assert texts_of(engine, "acme") == [BASE, SHARING, live_text]
    assert stored[0].first_seen == datetime(2024, 1, 5, 10, tzinfo=UTC)
    links = changes_of(engine, "acme")
    assert [(c.from_version_id, c.to_version_id) for c in links] == [
        (a.id, b.id) for a, b in itertools.pairwise(stored) if a.text_sha256 != b.text_sha256
    ]
    engine.dispose()


def test_import_ota_command_prints_a_summary_and_json(make_config: ConfigFactory, repo: OtaRepo) -> None:
    config = make_config(policies=[])
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--config", str(config)]).exit_code == 0
    result = runner.invoke(app, ["import-ota", str(repo.path), "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    assert data["new_versions"] == 3 and data["material"] == 1 and data["collection"] == "demo-versions"
    again = runner.invoke(app, ["import-ota", str(repo.path), "--config", str(config)])
    assert again.exit_code == 0 and "0 new versions" in again.stdout
    missing = runner.invoke(app, ["import-ota", str(repo.path / "nowhere"), "--config", str(config)])
    assert missing.exit_code == 1 and "no such file" in missing.output
    status = runner.invoke(app, ["status", "--config", str(config), "--json"])
    rows = {row["policy"]: row for row in json.loads(status.stdout)}
    assert rows["acme-privacy-policy"]["archive_only"] is True
    assert rows["acme-privacy-policy"]["versions"] == 2
    history = json.loads(
        runner.invoke(app, ["history", "acme-privacy-policy", "--config", str(config), "--json"]).stdout
    )
    assert [row["source"] for row in history] == [OTA, OTA]


def test_analyses_computed_ahead_in_worker_processes_equal_the_serial_ones(
    make_config: ConfigFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.run import ota_analysis

    repo = OtaRepo(tmp_path / "many-versions")
    for month in range(1, 7):
        text = (
            BASE + f"\n\n## Retention\n\nWe keep logs for {month * 3} months." + ("\n\n" + SALE) * (month % 2)
        )
        repo.record("Acme/Privacy Policy", text, f"2024-{month:02d}-01T00:00:00+00:00")
        repo.record(
            "Acme/Cookie Policy", text.replace("Privacy", "Cookie"), f"2024-{month:02d}-02T00:00:00+00:00"
        )

    def judged(database: str, *, ahead: bool) -> list[tuple[Any, ...]]:
        monkeypatch.setattr(ota_analysis, "POOL_THRESHOLD", 0 if ahead else 10**9)
        settings = load_config(make_config(storage_url=f"sqlite:///{database}", policies=[]))
        engine = initialised_engine(settings)
        import_collection(settings, engine, str(repo.path), batch=4)
        rows = [
            (name, c.material, c.severity, tuple(c.categories or []), c.summary)
            for name in ("acme-privacy-policy", "acme-cookie-policy")
            for c in changes_of(engine, name)
        ]
        engine.dispose()
        return rows

    serial, parallel = judged("serial.db", ahead=False), judged("ahead.db", ahead=True)
    assert len(serial) == 10 and parallel == serial
    assert any(material for _name, material, *_rest in serial)


def test_notify_queues_one_digest_of_the_material_changes_and_is_off_by_default(
    make_config: ConfigFactory, repo: OtaRepo, tmp_path: Path
) -> None:
    from sqlmodel import select

    from storage.models import Alert

    hook = {"kind": "webhook", "url": "http://127.0.0.1:9/hook"}
    quiet = load_config(make_config(storage_url="sqlite:///quiet.db", policies=[], notifiers={"hook": hook}))
    engine = initialised_engine(quiet)
    assert import_collection(quiet, engine, str(repo.path)).alerts == 0
    with session_scope(engine) as session:
        assert session.exec(select(Alert)).all() == [], "an import never alerts unless asked"
    engine.dispose()
    loud = load_config(make_config(storage_url="sqlite:///loud.db", policies=[], notifiers={"hook": hook}))
    engine = initialised_engine(loud)
    summary = import_collection(loud, engine, str(repo.path), notify=True)
    with session_scope(engine) as session:
        alerts = session.exec(select(Alert)).all()
    assert summary.alerts == len(alerts) == 1 and summary.material == 1
    assert alerts[0].notifier_id == "hook" and (alerts[0].digest_group or "").startswith("ota:demo-versions:")
    engine.dispose()
