"""``policywatch doctor``'s database checks: can it be opened and written, is it intact, is it current.

Each check gives a :class:`Finding` and never raises for a database fault: a damaged file is what the
doctor is for, so the fault becomes the finding's detail (the same one-line wording every command uses).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage.engine import database_fault, database_name, is_database_fault, is_sqlite

Status = Literal["ok", "warn", "fail", "skip"]
#: The first problems ``PRAGMA integrity_check`` reports, out of possibly thousands.
INTEGRITY_ROWS = 20


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    detail: str

    @property
    def failed(self) -> bool:
        return self.status == "fail"


def diagnose(engine: Engine) -> list[Finding]:
    """Every database check, in order; after a database that cannot be opened, nothing more is tried."""
    opened = _open(engine)
    findings = [opened]
    if opened.failed:
        return findings
    for check in (_writable, _integrity, _schema, _tables):
        try:
            findings.append(check(engine))
        except sa.exc.DBAPIError as error:
            if not is_database_fault(error):
                raise
            fault = database_fault(error, engine.url)
            findings.append(Finding(check.__name__.strip("_"), "fail", str(fault)))
    return findings


def _open(engine: Engine) -> Finding:
    name = database_name(engine.url)
    if is_sqlite(engine) and name != ":memory:" and not os.path.exists(name):
        return Finding("database", "fail", f"{name} does not exist: run `policywatch init`")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            if not is_sqlite(engine):
                version = connection.execute(sa.text("SHOW server_version")).scalar()
                return Finding("database", "ok", f"{name}: PostgreSQL {version}")
            mode = connection.execute(sa.text("PRAGMA journal_mode")).scalar()
    except sa.exc.DBAPIError as error:
        if not is_database_fault(error):
            raise
        return Finding("database", "fail", str(database_fault(error, engine.url)))
    size = os.path.getsize(name) if name != ":memory:" else 0
    return Finding("database", "ok", f"{name}: SQLite, {size / 1e6:.1f} MB, journal mode {mode}")


def _writable(engine: Engine) -> Finding:
    if not is_sqlite(engine):
        return Finding("writable", "skip", "a server database: its permissions are the server's")
    # Rewriting user_version with its own value is the smallest real write; the rollback undoes it.
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        version = raw.execute("PRAGMA user_version").fetchone()[0]
        try:
            raw.execute("BEGIN IMMEDIATE")
            raw.execute(f"PRAGMA user_version={int(version)}")
        except sqlite3.Error as error:  # the driver's own connection: its errors are not wrapped
            return Finding("writable", "fail", str(database_fault(error, engine.url)))
        finally:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
    return Finding("writable", "ok", f"{database_name(engine.url)} can be written")


def _integrity(engine: Engine) -> Finding:
    if not is_sqlite(engine):
        return Finding("integrity", "skip", "PostgreSQL checks its own pages; pg_amcheck checks deeper")
    with engine.connect() as connection:
        result = connection.exec_driver_sql("PRAGMA integrity_check")
        rows = [row[0] for row in result.fetchmany(INTEGRITY_ROWS)]
    if rows == ["ok"]:
        return Finding("integrity", "ok", "PRAGMA integrity_check: ok")
    shown = "; ".join(rows)
    return Finding(
        "integrity", "fail",
        f"{database_name(engine.url)} is damaged: {shown}: restore it from a backup, or recover it with "
        "`sqlite3 FILE .recover`",
    )  # fmt: skip


def _schema(engine: Engine) -> Finding:
    from storage.migrations import current_revision, head_revision

    current, head = current_revision(engine), head_revision()
    if current is None:
        return Finding("schema", "fail", "no Alembic revision: not initialised; run `policywatch init`")
    if current != head:
        return Finding(
            "schema", "fail",
            f"the database is at revision {current}, this policywatch needs {head}: run "
            "`policywatch upgrade` (a revision it does not know means a newer policywatch wrote it)",
        )  # fmt: skip
    return Finding("schema", "ok", f"Alembic revision {current} (current)")


def _tables(engine: Engine) -> Finding:
    from sqlmodel import SQLModel

    import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)

    expected = set(SQLModel.metadata.tables)
    present = set(sa.inspect(engine).get_table_names())
    missing = sorted(expected - present)
    if missing:
        return Finding(
            "tables", "fail",
            f"missing tables: {', '.join(missing)}: the database is incomplete; restore it from a backup",
        )  # fmt: skip
    return Finding("tables", "ok", f"all {len(expected)} tables present")
