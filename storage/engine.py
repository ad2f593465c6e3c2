"""Engines and sessions. Nothing here runs at import time: callers make an engine from a URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from monitor.errors import StorageError

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's BEGIN be explicit (see _sqlite_begin): the driver's own implicit
    # transactions would defeat "BEGIN IMMEDIATE" for claims.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection: sa.Connection) -> None:
    # IMMEDIATE takes the write lock up front: two processes never both read-then-write the same
    # rows, which is what makes a SQLite claim one atomic transaction.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_deferred(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, readonly: bool = False, **kwargs: Any) -> Engine:
    """Create an engine for a SQLite or PostgreSQL URL (``postgresql+psycopg://``).

    ``readonly`` engines (the web UI) begin SQLite transactions deferred, so reads never wait for the
    write lock a worker holds.
    """
    if url.startswith("postgres://") or url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        if url.startswith("sqlite"):
            engine = sa.create_engine(
                url,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
                **kwargs,
            )
            sa.event.listen(engine, "connect", _sqlite_pragmas)
            begin = _sqlite_begin_deferred if readonly else _sqlite_begin_immediate
            sa.event.listen(engine, "begin", begin)
        else:
            kwargs.setdefault("pool_pre_ping", True)
            engine = sa.create_engine(url, **kwargs)
    except (sa.exc.ArgumentError, ImportError, ValueError) as error:
        raise StorageError(f"storage.url: cannot use database URL {url!r}: {error}") from None
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any error."""
    try:
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    except OperationalError as error:
        raise StorageError(f"database error: {error.orig}") from error
