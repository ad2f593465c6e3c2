"""Alembic migrations, driven from code: ``upgrade(url)`` is what ``policywatch init``/``upgrade`` run."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config

from monitor.errors import StorageError

MIGRATIONS_DIR = Path(__file__).resolve().parent
#: The advisory lock that serialises schema upgrades on PostgreSQL (any constant unique to policywatch).
UPGRADE_LOCK = 0x70770002


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# Alembic (and Mako under it) costs ~14 MB of memory to import; every command checks the schema, but
# only init/upgrade migrate. So the check reads revision ids straight from the files and the table.


def _revision_ids(path: Path) -> tuple[str, str | None]:
    values: dict[str, str | None] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        if isinstance(target, ast.Name) and target.id in {"revision", "down_revision"}:
            assert isinstance(node, ast.Assign)
            values[target.id] = ast.literal_eval(node.value)
    revision = values.get("revision")
    if not isinstance(revision, str):
        raise StorageError(f"migration {path.name} has no revision id")
    return revision, values.get("down_revision")


@cache
def head_revision() -> str:
    """The newest revision: the one no other migration revises."""
    revisions = dict(_revision_ids(path) for path in (MIGRATIONS_DIR / "versions").glob("*.py"))
    heads = set(revisions) - {down for down in revisions.values() if down is not None}
    if len(heads) != 1:
        raise StorageError(f"migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` on the engine's database."""
    from alembic import command

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
    from storage.engine import database_fault, database_name, is_database_fault

    try:
        revision = current_revision(engine)
    except sa.exc.DBAPIError as error:
        if not is_database_fault(error):
            raise
        raise database_fault(error, engine.url) from None
    if revision is None:
        raise StorageError(f"{database_name(engine.url)} is not initialised: run `policywatch init`")
    if revision != head_revision():
        raise StorageError(
            f"{database_name(engine.url)}: database schema is at {revision}, this policywatch needs "
            f"{head_revision()}: run `policywatch upgrade`"
        )
