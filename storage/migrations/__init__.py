"""Alembic migrations, driven from code: ``upgrade(url)`` is what ``policywatch init``/``upgrade`` run."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from monitor.errors import StorageError

MIGRATIONS_DIR = Path(__file__).resolve().parent
#: The advisory lock that serialises schema upgrades on PostgreSQL (any constant unique to policywatch).
UPGRADE_LOCK = 0x70770002


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` on the engine's database."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Workers starting together on an empty database would all create the tables; one at a time,
            # the later ones find the schema current (SQLite's BEGIN IMMEDIATE already serialises them).
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ensure_current(engine: Engine) -> None:
    """Refuse to work on a database that is missing or behind the code's schema."""
    try:
        revision = current_revision(engine)
    except sa.exc.OperationalError as error:
        raise StorageError(f"cannot open database: {error.orig}") from None
    if revision is None:
        raise StorageError("database is not initialised: run `policywatch init`")
    if revision != head_revision():
        raise StorageError(
            f"database schema is at {revision}, this policywatch needs {head_revision()}: "
            "run `policywatch upgrade`"
        )
