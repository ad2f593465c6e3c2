"""The pages and the API show each version's language and stated date, each change's notice, and anomaly
kinds in words, over a history stored through the real store step."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy.engine import Engine

from monitor.config import Settings, parse_config
from monitor.pipeline.chain import ingest_text
from monitor.web import create_app
from storage import migrations, queries
from storage.engine import make_engine, session_scope
from storage.models import Change

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

FACTS = Path(__file__).resolve().parents[1] / "fixtures" / "facts"
UNDATED = "changed without a new 'last updated' date"
REDATED = "only the stated 'last updated' date changed"


@dataclass(frozen=True)
class Stored:
    client: TestClient
    engine: Engine
    undated_id: int
    redated_id: int
    french_id: int


def _text(name: str) -> str:
    return (FACTS / name).read_text(encoding="utf-8")


def _settings(folder: Path) -> Settings:
    policies = [{"name": name, "url": f"https://{name}.example/privacy"} for name in ("shop", "boutique")]
    return parse_config(
        {"storage": {"url": f"sqlite:///{folder / 'facts.db'}"}, "policies": policies},
        path=folder / "config.toml",
    )


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stored]:
    settings = _settings(tmp_path_factory.mktemp("facts-web"))
    engine = make_engine(settings.database_url)
    migrations.upgrade(engine)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)

    def store(policy: str, text: str, month: int) -> int | None:
        at = datetime(2025, month, 1, tzinfo=UTC)
        result = ingest_text(engine, settings, settings.policy(policy), text, observed_at=at, alerts=False)
        return result.change_id

    sold = _text("en-v2-sold.md")
    store("shop", _text("en-v1.md"), 1)
    undated = store("shop", sold, 2)
    redated = store("shop", sold.replace("March 3, 2025", "June 12, 2025"), 3)
    store("boutique", _text("fr-v1.md"), 1)
    french = store("boutique", _text("fr-v2-redated.md"), 2)
    assert undated is not None and redated is not None and french is not None
    app = create_app(settings)
    with TestClient(app) as client:
        yield Stored(client, engine, undated, redated, french)
    app.state.web.engine.dispose()
    engine.dispose()


def page(stored: Stored, url: str) -> HTMLParser:
    response = stored.client.get(url)
    assert response.status_code == 200, response.text[:500]
    return HTMLParser(response.text)


def texts(tree: HTMLParser, selector: str) -> list[str]:
    return [" ".join(node.text().split()) for node in tree.css(selector)]


def test_the_timeline_tags_undated_and_redated_changes_and_shows_version_facts(stored: Stored) -> None:
    tree = page(stored, "/policies/shop")
    assert texts(tree, ".tag.notice-undated") == [UNDATED]
    assert texts(tree, ".tag.notice-redated") == [REDATED]
    # Newest first: version 3 is dated 12 June, versions 2 and 1 still say 3 March.
    assert texts(tree, "table.versions th .facts") == [
        "en · dated 2025-06-12", "en · dated 2025-03-03", "en · dated 2025-03-03",
    ]  # fmt: skip


def test_the_change_page_says_it_changed_without_a_new_date(stored: Stored) -> None:
    tree = page(stored, f"/policies/shop/changes/{stored.undated_id}")
    verdict = tree.css_first("section.verdict")
    assert verdict is not None
    assert texts(verdict, ".tag.notice") == [UNDATED]
    assert texts(verdict, "p.facts") == ["Judged in en · stated date 2025-03-03 in both versions"]


def test_the_change_page_of_a_french_redate_shows_both_dates(stored: Stored) -> None:
    tree = page(stored, f"/policies/boutique/changes/{stored.french_id}")
    assert texts(tree, "section.verdict .tag.notice") == [REDATED]
    assert texts(tree, "section.verdict p.facts") == ["Judged in fr · stated date 2025-03-03 → 2025-06-12"]


def test_the_version_page_shows_language_and_stated_date(stored: Stored) -> None:
    tree = page(stored, "/policies/boutique/versions/2")
    facts = dict(zip(texts(tree, "dl.facts dt"), texts(tree, "dl.facts dd"), strict=True))
    assert (facts["Language"], facts["Stated date"]) == ("fr", "2025-06-12")


def test_an_anomaly_kind_is_shown_in_words(stored: Stored) -> None:
    with session_scope(stored.engine) as session:
        change = session.get(Change, stored.redated_id)
        assert change is not None
        change.anomaly = "partial_capture"
        session.add(change)
    try:
        tree = page(stored, "/policies/shop")
        [tag] = tree.css(".tag.anomaly-partial_capture")
        assert tag.text() == "anomaly: part of the page replaced by an error or maintenance notice"
    finally:
        with session_scope(stored.engine) as session:
            change = session.get(Change, stored.redated_id)
            assert change is not None
            change.anomaly = None
            session.add(change)


def test_the_api_carries_notice_language_and_stated_date(stored: Stored) -> None:
    changes = stored.client.get("/api/policies/shop/changes").json()
    notices = {c["id"]: c["notice"] for c in changes}
    assert notices == {stored.undated_id: "undated", stored.redated_id: "redated"}
    versions = stored.client.get("/api/policies/boutique/versions").json()
    facts = [(v["language"], v["stated_date"]) for v in versions]
    assert facts == [("fr", "2025-03-03"), ("fr", "2025-06-12")]
    detail = stored.client.get(f"/api/policies/shop/changes/{stored.undated_id}").json()
    assert detail["report"]["notice"] == "undated"
