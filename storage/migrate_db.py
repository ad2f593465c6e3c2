"""Copy a whole policywatch history from one database to another (SQLite ⇄ PostgreSQL), losing nothing.

:func:`migrate` copies every model table in foreign-key order, primary keys included, in batches, inside one
transaction on the target (a failed copy leaves the target as empty as it was). It then rebuilds the
full-text index through ``storage.search`` (the index is dialect-specific, so it is never copied), moves
PostgreSQL's id sequences past the copied ids, and :func:`verify` compares the two databases: per table the
row count and a sha256 over a canonical serialisation of the rows in primary-key order, and every
version's text decoded on the target against its stored sha256.

The source is read in one transaction, so a daemon still writing to it cannot make the copy inconsistent
(but what it writes afterwards is not copied: stop the workers first).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from monitor.errors import StorageError
from storage import migrations, search, texts
from storage.codec import sha256_hex
from storage.models import Version

DEFAULT_BATCH = 500
SEARCH_TABLE = search.TABLE

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TableCheck:
    """One table on both sides: row counts and content hashes."""

    table: str
    source_rows: int
    target_rows: int
    source_sha256: str
    target_sha256: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sha256 == self.target_sha256


@dataclass(frozen=True)
class Verification:
    tables: tuple[TableCheck, ...]
    texts_checked: int
    text_mismatches: tuple[int, ...]  # version ids whose decoded text does not match its sha256
    search_entries: int | None  # rows in the target's search index (None: the schema has none)

    @property
    def ok(self) -> bool:
        index_ok = self.search_entries is None or self.search_entries == self.texts_checked
        return all(check.ok for check in self.tables) and not self.text_mismatches and index_ok


def model_tables() -> list[sa.Table]:
    """Every table of the models, parents before children (the order a copy must insert in)."""
    return list(SQLModel.metadata.sorted_tables)


# -- canonical rows --------------------------------------------------------------------------------------


def canonical(value: Any) -> Any:
    """A JSON-able form of a column value that is the same whichever dialect it was read from."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "b64:" + base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def row_bytes(row: sa.RowMapping, columns: list[str]) -> bytes:
    return json.dumps([canonical(row[name]) for name in columns], ensure_ascii=False).encode("utf-8") + b"\n"


def _integer_key(table: sa.Table) -> sa.Column[Any] | None:
    """The single integer primary key column, the one keyset pagination can walk; None otherwise."""
    keys = list(table.primary_key.columns)
    if len(keys) == 1 and isinstance(keys[0].type, sa.Integer):
        return keys[0]
    return None


def iter_rows(connection: sa.Connection, table: sa.Table, batch: int) -> Iterator[list[sa.RowMapping]]:
    """A table's rows in primary-key order, ``batch`` at a time.

    Integer keys are paged in SQL; other keys (``rate_limits.name``: a handful of rows) are sorted here,
    because the two dialects collate text differently.
    """
    key = _integer_key(table)
    if key is None:
        rows = list(connection.execute(sa.select(table)).mappings())
        names = [column.name for column in table.primary_key.columns]
        rows.sort(key=lambda row: tuple(row[name] for name in names))
        for start in range(0, len(rows), batch):
            yield rows[start : start + batch]
        return
    last: int | None = None
    while True:
        query = sa.select(table).order_by(key).limit(batch)
        if last is not None:
            query = query.where(key > last)
        rows = list(connection.execute(query).mappings())
        if not rows:
            return
        yield rows
        last = rows[-1][key.name]


def table_digest(connection: sa.Connection, table: sa.Table, batch: int = DEFAULT_BATCH) -> tuple[int, str]:
    """Row count and sha256 of the canonical rows in primary-key order."""
    columns = [column.name for column in table.columns]
    digest = hashlib.sha256()
    count = 0
    for rows in iter_rows(connection, table, batch):
        for row in rows:
            digest.update(row_bytes(row, columns))
        count += len(rows)
    return count, digest.hexdigest()


# -- preconditions ---------------------------------------------------------------------------------------


def _check_source(engine: Engine) -> None:
    try:
        migrations.ensure_current(engine)
    except StorageError as error:
        raise StorageError(f"source database: {error}") from None


def _prepare_target(engine: Engine) -> None:
    """Bring a blank target to the head schema; refuse one that is behind or holds any row."""
    try:
        if migrations.current_revision(engine) is None:
            migrations.upgrade(engine)
        migrations.ensure_current(engine)
    except (StorageError, sa.exc.OperationalError) as error:
        raise StorageError(f"target database: {error}") from None
    with engine.connect() as connection:
        for table in model_tables():
            count = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            if count:
                raise StorageError(
                    f"target database is not empty: {table.name} has {count} rows; migrate-db only copies "
                    "into an empty database (create a new one, or drop and re-create this one)"
                )


def _same_database(source: Engine, target: Engine) -> bool:
    return source.url.render_as_string(hide_password=True) == target.url.render_as_string(hide_password=True)


# -- the copy --------------------------------------------------------------------------------------------


def _copy_table(
    source: sa.Connection, target: sa.Connection, table: sa.Table, batch: int, progress: Progress
) -> int:
    copied = 0
    for rows in iter_rows(source, table, batch):
        try:
            target.execute(table.insert(), [dict(row) for row in rows])
        except sa.exc.DBAPIError as error:
            first = rows[0][next(iter(table.primary_key.columns)).name]
            raise StorageError(
                f"cannot copy {table.name} (batch starting at key {first!r}): {error.orig}"
            ) from None
        copied += len(rows)
    progress(f"{table.name}: {copied} rows")
    return copied


def _reset_sequences(target: sa.Connection) -> None:
    """PostgreSQL hands out ids from sequences, which a copy with explicit ids does not advance."""
    if target.dialect.name != "postgresql":
        return
    for table in model_tables():
        key = _integer_key(table)
        if key is None or not key.autoincrement:
            continue
        sequence = target.execute(
            sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": key.name},
        ).scalar_one()
        if sequence is None:
            continue
        target.execute(
            sa.text(
                f"SELECT setval(:sequence, COALESCE((SELECT MAX({key.name}) FROM {table.name}), 1), "
                f"(SELECT MAX({key.name}) FROM {table.name}) IS NOT NULL)"
            ),
            {"sequence": sequence},
        )


def _has_search_index(connection: sa.Connection) -> bool:
    return sa.inspect(connection).has_table(SEARCH_TABLE)


def rebuild_search_index(connection: sa.Connection, batch: int, progress: Progress) -> int:
    """Index every version's text on ``connection``'s database (inside the caller's transaction)."""
    if not _has_search_index(connection):
        return 0
    indexed = 0
    with Session(bind=connection, autoflush=False) as session:
        for ids in _version_id_batches(connection, batch):
            for version in session.exec(select(Version).where(col(Version.id).in_(ids))):
                search.index_version(session, version, texts.read_text(version, session))
                indexed += 1
            session.expunge_all()
    progress(f"search index: {indexed} versions")
    return indexed


def _version_id_batches(connection: sa.Connection, batch: int) -> Iterator[list[int]]:
    key = Version.__table__.c.id  # type: ignore[attr-defined]
    last = 0
    while ids := list(connection.scalars(sa.select(key).where(key > last).order_by(key).limit(batch))):
        yield ids
        last = ids[-1]


def copy_database(source: Engine, target: Engine, *, batch: int, progress: Progress) -> dict[str, int]:
    """Copy every row from ``source`` into the empty ``target``; one transaction on each side."""
    copied: dict[str, int] = {}
    with source.connect() as connection, target.begin() as writing:
        reading = _snapshot_reader(connection)
        for table in model_tables():
            copied[table.name] = _copy_table(reading, writing, table, batch, progress)
        rebuild_search_index(writing, batch, progress)
        _reset_sequences(writing)
    return copied


def _snapshot_reader(connection: sa.Connection) -> sa.Connection:
    # One snapshot for the whole read, so concurrent writers cannot tear the copy (SQLite's deferred read
    # transaction already is one).
    if connection.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return connection


# -- verification ----------------------------------------------------------------------------------------


def verify(source: Engine, target: Engine, *, batch: int = DEFAULT_BATCH) -> Verification:
    """Compare both databases table by table, and decode every text on the target."""
    checks = []
    with source.connect() as left, target.connect() as right:
        for table in model_tables():
            source_rows, source_sha = table_digest(left, table, batch)
            target_rows, target_sha = table_digest(right, table, batch)
            checks.append(TableCheck(table.name, source_rows, target_rows, source_sha, target_sha))
        checked, mismatches = _verify_texts(right, batch)
        entries = None
        if _has_search_index(right):
            entries = right.execute(sa.text(f"SELECT count(*) FROM {SEARCH_TABLE}")).scalar_one()
    return Verification(tuple(checks), checked, tuple(mismatches), entries)


def _verify_texts(connection: sa.Connection, batch: int) -> tuple[int, list[int]]:
    # Decode from the rows, not from texts read during the copy: that is what proves the target whole.
    texts.clear_cache()
    checked = 0
    mismatches: list[int] = []
    with Session(bind=connection) as session:
        for ids in _version_id_batches(connection, batch):
            for version in session.exec(select(Version).where(col(Version.id).in_(ids))):
                try:
                    ok = sha256_hex(texts.read_text(version, session)) == version.text_sha256
                except StorageError:
                    ok = False
                if not ok:
                    assert version.id is not None
                    mismatches.append(version.id)
                checked += 1
            session.expunge_all()
    return checked, mismatches


def migrate(
    source_url: str, target_url: str, *, batch: int = DEFAULT_BATCH, progress: Progress | None = None
) -> Verification:
    """Copy ``source_url`` into the empty ``target_url`` and verify; raises StorageError on any problem."""
    from storage.engine import make_engine

    say = progress or (lambda _message: None)
    source = make_engine(source_url, readonly=True)
    target = make_engine(target_url)
    try:
        if _same_database(source, target):
            raise StorageError("--from and --to name the same database")
        _check_source(source)
        _prepare_target(target)
        copy_database(source, target, batch=batch, progress=say)
        return verify(source, target, batch=batch)
    finally:
        source.dispose()
        target.dispose()
