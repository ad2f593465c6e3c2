"""Alembic migrations on SQLite and PostgreSQL: from empty to head, the schema they build, and refusals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel
from typer.testing import CliRunner

from monitor.cli import app
from monitor.errors import StorageError
from storage import migrations
from storage.engine import make_engine
from storage.migrate_db import model_tables

FIRST = "0001"


def _engine(url: str) -> sa.Engine:
    return make_engine(url)


def test_migrations_take_an_empty_database_to_head(empty_db_url: str) -> None:
    engine = _engine(empty_db_url)
    assert migrations.current_revision(engine) is None
    migrations.upgrade(engine)
    assert migrations.current_revision(engine) == migrations.head_revision()
    tables = set(sa.inspect(engine).get_table_names())
    assert {table.name for table in model_tables()} <= tables
    assert "version_search" in tables
    migrations.ensure_current(engine)
    engine.dispose()


def test_the_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = _engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    # The search index is created by hand (FTS5 or tsvector), outside the models: not a difference.
    differences = [d for d in differences if "version_search" not in repr(d)]
    assert differences == []


def test_migrations_go_down_to_nothing_and_up_again(db_url: str) -> None:
    engine = _engine(db_url)
    config = migrations.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert migrations.current_revision(engine) is None
    assert not {table.name for table in model_tables()} & set(sa.inspect(engine).get_table_names())
    migrations.upgrade(engine)
    assert migrations.current_revision(engine) == migrations.head_revision()
    engine.dispose()


def test_ensure_current_refuses_a_database_that_was_never_initialised(empty_db_url: str) -> None:
    engine = _engine(empty_db_url)
    with pytest.raises(StorageError, match="policywatch init"):
        migrations.ensure_current(engine)
    engine.dispose()


def test_ensure_current_refuses_an_old_schema_until_upgraded(empty_db_url: str) -> None:
    if migrations.head_revision() == FIRST:
        pytest.fail("a test of an old schema needs a second migration")
    engine = _engine(empty_db_url)
    migrations.upgrade(engine, FIRST)
    with pytest.raises(StorageError, match=f"schema is at {FIRST}.*policywatch upgrade"):
        migrations.ensure_current(engine)
    migrations.upgrade(engine)
    migrations.ensure_current(engine)
    engine.dispose()


def test_the_upgrade_command_applies_pending_migrations(
    empty_db_url: str, make_config: Callable[..., Path]
) -> None:
    engine = _engine(empty_db_url)
    migrations.upgrade(engine, FIRST)
    engine.dispose()
    config = make_config(storage_url=empty_db_url, policies=[])
    result = CliRunner().invoke(app, ["upgrade", "--config", str(config)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"{FIRST} → {migrations.head_revision()}" in result.output
    engine = _engine(empty_db_url)
    migrations.ensure_current(engine)
    engine.dispose()


def test_the_schema_check_finds_the_same_head_as_alembic_without_importing_it() -> None:
    import subprocess
    import sys

    from alembic.script import ScriptDirectory

    from storage.migrations import alembic_config, head_revision

    assert head_revision() == ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    probe = (
        "import sys, monitor.cli.core; from storage.migrations import head_revision; head_revision(); "
        "print('alembic' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False", "every command would pay Alembic's import cost"
