"""``policywatch migrate-db``: the corpus history goes SQLite → PostgreSQL → SQLite and comes back exactly."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import Settings, parse_config
from monitor.pipeline.chain import ingest_text
from storage import migrations, queries, search, texts
from storage.engine import make_engine, session_scope
from storage.migrate_db import canonical, migrate, model_tables, verify
from storage.models import Change, Policy, Version
from tests.support.history import START, build_corpus_history, corpus_histories, corpus_settings
from tests.support.postgres import PostgresServer

runner = CliRunner()


def _settings(url: str, tmp_path: Path) -> Settings:
    return parse_config({"storage": {"url": url}, **corpus_settings()}, path=tmp_path / "config.toml")


@pytest.fixture(scope="session")
def _corpus_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    url = f"sqlite:///{folder / 'corpus.db'}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    build_corpus_history(engine, _settings(url, folder))
    engine.dispose()  # checkpoints the WAL into the file the tests copy
    return folder / "corpus.db"


@pytest.fixture
def corpus_sqlite(_corpus_template: Path, tmp_path: Path) -> str:
    """A SQLite database holding the corpus histories, built through the store step."""
    shutil.copyfile(_corpus_template, tmp_path / "source.db")
    return f"sqlite:///{tmp_path / 'source.db'}"


def _migrate_db(source: str, target: str, *extra: str) -> Any:
    arguments = ["migrate-db", "--from", source, "--to", target, *extra]
    return runner.invoke(app, arguments, catch_exceptions=False)


def _all_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = {
            table.name: sorted(
                tuple(canonical(value) for value in row)
                for row in connection.execute(sa.select(table)).all()
            )
            for table in model_tables()
        }
    engine.dispose()
    return rows


def _texts(url: str) -> dict[tuple[str, int], str]:
    texts.clear_cache()
    engine = make_engine(url)
    with Session(engine) as session:
        found = {
            (policy.name, version.number): queries.version_text(version)
            for version, policy in session.exec(
                select(Version, Policy).where(col(Version.policy_id) == col(Policy.id))
            )
        }
    engine.dispose()
    return found


def _search(url: str, query: str) -> list[tuple[str, tuple[int, ...]]]:
    engine = make_engine(url)
    with Session(engine) as session:
        hits = search.search(session, query)
    engine.dispose()
    return [(hit.policy, tuple(v.number for v in hit.matching)) for hit in hits]


@pytest.mark.postgres
def test_the_corpus_history_round_trips_sqlite_to_postgres_and_back_exactly(
    corpus_sqlite: str, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    pg = postgres_server.create_database(migrated=False)  # no schema: migrate-db creates it
    back = f"sqlite:///{tmp_path / 'back.db'}"
    try:
        there = _migrate_db(corpus_sqlite, pg, "--batch", "7")
        assert there.exit_code == 0, there.output
        again = _migrate_db(pg, back)
        assert again.exit_code == 0, again.output
        for result in (there, again):
            assert "migration verified" in result.output
            assert "versions decoded on the target, every sha256 matches" in result.output
        rows = _all_rows(corpus_sqlite)
        assert rows == _all_rows(pg) == _all_rows(back)
        assert all(rows[table.name] for table in model_tables()), "the corpus fills every table"
        expected = {
            (name, number): text
            for name, history in corpus_histories().items()
            for number, text in enumerate(_numbered(history), start=1)
        }
        assert _texts(corpus_sqlite) == _texts(pg) == _texts(back) == expected
        for query in ("sell", '"data brokers"', "cookies -advertising"):
            assert _search(corpus_sqlite, query) == _search(pg, query) == _search(back, query)
        assert _search(pg, "sell"), "the rebuilt index finds words"
    finally:
        postgres_server.drop_database(pg)


def _numbered(history: list[str]) -> list[str]:
    # Version numbers follow insertion order; the corpus builder inserts step 2 last (from the archive).
    return [history[0], history[1], *history[3:], history[2]]


@pytest.mark.postgres
def test_ids_continue_after_the_copied_ones_on_postgres(
    corpus_sqlite: str, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    pg = postgres_server.create_database()
    try:
        migrate(corpus_sqlite, pg)
        settings = _settings(pg, tmp_path)
        engine = make_engine(pg)
        with Session(engine) as session:
            highest = session.exec(select(sa.func.max(Version.id))).one()
        result = ingest_text(engine, settings, settings.policy("qeg"), "A brand new qeg policy text.\n" * 20,
                             observed_at=START.replace(year=2030))
        engine.dispose()
        assert result.version_id == highest + 1
        assert result.change_id is not None
    finally:
        postgres_server.drop_database(pg)


def test_a_target_that_holds_rows_is_refused_and_left_alone(corpus_sqlite: str, db_url: str) -> None:
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        session.add(Policy(name="mine", url="https://mine.example/privacy"))
    result = _migrate_db(corpus_sqlite, db_url)
    assert result.exit_code == 3
    assert "target database is not empty: policies has 1 rows" in result.output
    with Session(engine) as session:
        assert [p.name for p in session.exec(select(Policy))] == ["mine"]
    engine.dispose()


def test_a_source_behind_the_code_is_refused(db_url: str, tmp_path: Path) -> None:
    old = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(old)
    migrations.upgrade(engine, "0001")
    engine.dispose()
    result = _migrate_db(old, db_url)
    assert result.exit_code == 3
    assert "source database" in result.output and "policywatch upgrade" in result.output


@pytest.mark.postgres
def test_a_copy_that_fails_half_way_leaves_the_target_empty(
    corpus_sqlite: str, postgres_server: PostgresServer
) -> None:
    # PostgreSQL text cannot hold NUL characters; SQLite can: the copy of that row must fail cleanly.
    engine = make_engine(corpus_sqlite)
    with session_scope(engine) as session:
        change = session.exec(select(Change).order_by(col(Change.id).desc())).first()
        assert change is not None
        change.summary = "broken\x00summary"
        session.add(change)
    engine.dispose()
    pg = postgres_server.create_database()
    try:
        result = _migrate_db(corpus_sqlite, pg)
        assert result.exit_code == 3
        assert "cannot copy changes" in result.output
        assert all(not rows for rows in _all_rows(pg).values())
    finally:
        postgres_server.drop_database(pg)


def test_verification_catches_a_target_that_differs(corpus_sqlite: str, tmp_path: Path) -> None:
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    assert migrate(corpus_sqlite, target).ok
    engine = make_engine(target)
    with engine.begin() as connection:
        connection.execute(sa.update(Change.__table__).where(sa.column("id") == 3).values(summary="edited"))  # type: ignore[attr-defined]
        # A delta's blob that no longer decodes to its text: the text check must name that version.
        victim = connection.execute(
            sa.select(sa.column("id"), sa.column("text_blob")).select_from(Version.__table__)  # type: ignore[attr-defined]
            .where(sa.column("text_codec").like("zstd-delta:%")).limit(1)
        ).one()
        connection.execute(
            sa.update(Version.__table__).where(sa.column("id") == victim.id)  # type: ignore[attr-defined]
            .values(text_blob=victim.text_blob[:-3] + b"\x01\x02\x03")
        )
    source, copy = make_engine(corpus_sqlite), make_engine(target)
    result = verify(source, copy)
    source.dispose()
    copy.dispose()
    assert not result.ok
    assert {check.table for check in result.tables if not check.ok} == {"changes", "versions"}
    assert result.text_mismatches == (victim.id,)
