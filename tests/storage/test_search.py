"""Full-text search of versions on SQLite (FTS5) and PostgreSQL (tsvector): query language, indexing at
store time, the phrase's transitions through a history, and the migration that indexes existing versions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from monitor.config import Settings, parse_config
from monitor.pipeline.chain import ingest_text
from storage import migrations, queries
from storage.codec import DeltaBase, encode_text, sha256_hex, skip_delta_base
from storage.engine import make_engine, session_scope
from storage.models import ARCHIVE, Policy, Version
from storage.search import (
    BadSearchQuery,
    PolicyHits,
    Term,
    VersionRef,
    fts5_query,
    parse_query,
    positive_terms,
    search,
    transitions,
)

PREFIX = "# Acme Privacy Policy\n\nWe collect your name and e-mail address to run the service.\n\n"
V1 = PREFIX + "We do not sell your personal data.\n\nWe keep your data for one year."
V_ARCHIVED = PREFIX + "We do not sell your personal data to data brokers.\n\nWe keep your data for one year."
V2 = PREFIX + "We may sell your personal data to data brokers.\n\nWe keep your data for one year."
V3 = PREFIX + "We do not sell your personal data.\n\nWe keep your data forever."
V4 = PREFIX + "We share your personal data with data brokers.\n\nWe keep your data forever."


def at(year: int, month: int = 1) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


# -- the query language (pure) -----------------------------------------------------------------------


def test_words_phrases_or_and_exclusions_are_parsed() -> None:
    assert parse_query('sell "data brokers" or share -cookies') == (
        Term("word", "sell"), Term("phrase", "data brokers"), Term("or"), Term("word", "share"),
        Term("not", "cookies"),
    )  # fmt: skip


def test_stray_operators_and_punctuation_are_dropped() -> None:
    assert parse_query('or sell or -- "" "unclosed phrase') == (
        Term("word", "sell"), Term("or"), Term("phrase", "unclosed phrase"),
    )  # fmt: skip
    assert positive_terms(parse_query('opt-out "third  parties" -x')) == ["opt-out", "third parties"]


def test_fts5_query_quotes_every_term_so_user_text_cannot_be_syntax() -> None:
    assert fts5_query(parse_query('sell "data brokers" or share -cookies')) == (
        '("sell" "data brokers" OR "share") NOT "cookies"'
    )
    assert fts5_query(parse_query('don"t NEAR(x) AND')) == '"don""t" "NEAR(x)" "AND"'


@pytest.mark.parametrize("query", ["", "   ", "-cookies", "!!! ---", "or"])
def test_a_query_without_a_positive_word_is_refused(query: str) -> None:
    with pytest.raises(BadSearchQuery, match="at least one word"):
        fts5_query(parse_query(query))


def test_transitions_follow_the_history_in_time_order() -> None:
    history = [VersionRef(i, n, at(2020 + i), "live") for i, n in ((1, 1), (2, 3), (3, 2), (4, 4))]
    assert [(kind, ref.number) for kind, ref in transitions(history, {2, 4})] == [
        ("appeared", 3), ("disappeared", 2), ("appeared", 4),
    ]  # fmt: skip
    assert transitions(history, set()) == []


# -- on a real database, both dialects ---------------------------------------------------------------


def _settings(url: str, tmp_path: Path) -> Settings:
    policies = [{"name": name, "url": f"https://{name}.example/privacy"} for name in ("acme", "globex")]
    return parse_config({"storage": {"url": url}, "policies": policies}, path=tmp_path / "config.toml")


@pytest.fixture
def stored(db_url: str, tmp_path: Path) -> sa.Engine:
    """acme: V1..V4 live, plus V_ARCHIVED inserted between V1 and V2 afterwards; globex: one version."""
    settings = _settings(db_url, tmp_path)
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    acme = settings.policy("acme")
    for year, text in ((2020, V1), (2021, V2), (2022, V3), (2023, V4)):
        ingest_text(engine, settings, acme, text, observed_at=at(year), alerts=False)
    ingest_text(engine, settings, acme, V_ARCHIVED, observed_at=at(2020, 6), source=ARCHIVE,
                archived_at=at(2020, 6))  # fmt: skip
    globex_text = PREFIX + "Globex may sell data to data brokers."
    ingest_text(engine, settings, settings.policy("globex"), globex_text, observed_at=at(2024), alerts=False)
    return engine


def _hits(engine: sa.Engine, query: str, policy: str = "acme") -> PolicyHits:
    with Session(engine) as session:
        found = {hits.policy: hits for hits in search(session, query)}
    return found[policy]


def _numbers(hits: PolicyHits) -> list[int]:
    return [ref.number for ref in hits.matching]


def test_search_finds_every_version_with_the_phrase_in_time_order(stored: sa.Engine) -> None:
    # Numbers are insertion order: the archived version (number 5) sits second in time.
    hits = _hits(stored, '"data brokers"')
    assert _numbers(hits) == [5, 2, 4]
    assert hits.present_now
    assert [(t.kind, t.version.number) for t in hits.transitions] == [
        ("appeared", 5), ("disappeared", 3), ("appeared", 4),
    ]  # fmt: skip
    stored.dispose()


def test_transitions_link_the_current_change_into_each_version(stored: sa.Engine) -> None:
    hits = _hits(stored, '"data brokers"')
    first = hits.first_appeared
    assert first is not None and first.version.number == 5
    with Session(stored) as session:
        for transition in hits.transitions:
            change = queries.change_into(session, transition.version.id)
            assert change is not None and transition.change_id == change.id and not change.superseded
    stored.dispose()


def test_a_phrase_that_went_away_says_where(stored: sa.Engine) -> None:
    hits = _hits(stored, "sell")
    assert _numbers(hits) == [1, 5, 2, 3]
    assert not hits.present_now
    gone = hits.last_disappeared
    assert gone is not None and gone.version.number == 4 and gone.change_id is not None
    stored.dispose()


def test_words_are_stemmed_so_related_forms_match(stored: sa.Engine) -> None:
    assert _numbers(_hits(stored, "sharing")) == [4]
    assert _numbers(_hits(stored, "selling")) == [1, 5, 2, 3]
    stored.dispose()


def test_exclusions_and_or_work_alike_on_both_dialects(stored: sa.Engine) -> None:
    assert _numbers(_hits(stored, "data -brokers")) == [1, 3]
    assert _numbers(_hits(stored, "forever or brokers")) == [5, 2, 3, 4]
    with Session(stored) as session:
        assert search(session, '"brokers data"') == []  # a phrase keeps its word order
    stored.dispose()


def test_results_are_grouped_per_policy_and_can_be_limited_to_one(stored: sa.Engine) -> None:
    with Session(stored) as session:
        assert [hits.policy for hits in search(session, "brokers")] == ["acme", "globex"]
        assert [hits.policy for hits in search(session, "brokers", policy="globex")] == ["globex"]
        assert search(session, "nonexistentword") == []
        with pytest.raises(BadSearchQuery):
            search(session, "-brokers")
    stored.dispose()


def test_a_nul_character_in_a_text_costs_neither_the_version_nor_its_words(
    db_url: str, tmp_path: Path
) -> None:
    settings = _settings(db_url, tmp_path)
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    text = V1.replace("one year", "one\x00year")
    result = ingest_text(engine, settings, settings.policy("acme"), text, observed_at=at(2020), alerts=False)
    assert result.outcome == "first_version"
    assert _numbers(_hits(engine, "year")) == [1]
    engine.dispose()


def _insert_0001(session: Session, model: Any, **values: Any) -> int:
    table = sa.table(
        model.__tablename__, sa.column("id"), *(sa.column(k, model.__table__.c[k].type) for k in values)
    )
    return int(session.execute(sa.insert(table).values(**values).returning(table.c.id)).scalar_one())


def test_the_migration_indexes_versions_stored_before_it(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    migrations.upgrade(engine, "0001")
    with session_scope(engine) as session:
        # Rows as the 0001 schema holds them: the models of today have columns later migrations add.
        policy_id = _insert_0001(session, Policy, name="acme", url="https://acme.example/privacy",
                                 enabled=True, created_at=at(2020), consecutive_failures=0,
                                 broken_alerted=False)  # fmt: skip
        stored: dict[int, tuple[int, str, int]] = {}  # number -> (id, text, delta depth)
        for number, text in enumerate((V1, V2, V3), start=1):
            # Later versions are stored as deltas: the migration must follow them back to a keyframe.
            base_number = skip_delta_base(number)
            base = stored.get(base_number) if base_number is not None else None
            codec, blob = encode_text(text, DeltaBase(base[0], base[1], base[2]) if base else None)
            version_id = _insert_0001(session, Version,
                policy_id=policy_id, number=number, text_sha256=sha256_hex(text), text_size=len(text),
                text_codec=codec, text_blob=blob, source="live", observed_at=at(2020 + number),
                first_seen=at(2020 + number), last_seen=at(2020 + number), created_at=at(2020 + number),
            )  # fmt: skip
            stored[number] = (version_id, text, base[2] + 1 if base and codec != "zstd" else 0)
    with Session(engine) as session:
        codecs = session.execute(sa.text("SELECT text_codec FROM versions ORDER BY number")).scalars().all()
    assert any(codec.startswith("zstd-delta:") for codec in codecs)
    migrations.upgrade(engine)
    assert _numbers(_hits(engine, "brokers")) == [2]
    assert _numbers(_hits(engine, "forever")) == [3]
    engine.dispose()
