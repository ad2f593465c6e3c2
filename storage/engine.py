"""Engines and sessions. Nothing here runs at import time: callers make an engine from a URL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlmodel import Session

from monitor.errors import ConfigError, StorageError

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: What each SQLite failure means for the user, and what to do: (words in the driver's message, advice).
_SQLITE_FAULTS = (
    ("file is not a database", "is not a SQLite database (or is encrypted, or its header is damaged): "
     "point storage.url at the right file, or restore it from a backup"),
    ("malformed", "is damaged (database disk image is malformed): run `policywatch doctor`, then restore "
     "it from a backup or recover it with `sqlite3 FILE .recover`"),
    ("no such table", "is incomplete ({message}): run `policywatch doctor`; `policywatch init` creates "
     "what is missing only on a new file, so restore a damaged one from a backup"),
    ("readonly", "is read-only ({message}): policywatch must be able to write the file, its folder and "
     "its -wal/-shm files; check permissions, `lsattr` and the mount"),
    ("read-only", "is read-only ({message}): policywatch must be able to write the file, its folder and "
     "its -wal/-shm files; check permissions, `lsattr` and the mount"),
    ("disk is full", "cannot be written: the disk is full; free space on its file system, then run the "
     "command again (nothing was half-written)"),
    ("unable to open", "cannot be opened ({message}): check that its folder exists and is writable"),
    ("locked", "stayed locked by another process past the busy timeout ({message}): try again, or look "
     "for a stuck policywatch process"),
    ("disk i/o error", "could not be read or written (disk I/O error): check the disk and the file"),
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's BEGIN be explicit (see _sqlite_begin): the driver's own implicit
    # transactions would defeat "BEGIN IMMEDIATE" for claims.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as error:
        # A read-only file (permissions, `chattr +i`, a read-only mount) cannot change its journal mode;
        # it can still be read as it is, and the first write says it is read-only.
        if "readonly" not in str(error):
            raise
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
        # A URL naming a driver we do not have is a mistake in the config, not a database fault.
        shown = sa.engine.make_url(url).render_as_string(hide_password=True) if "://" in url else url
        raise ConfigError(f"storage.url: cannot use database URL {shown!r}: {error}") from None
    return engine


def is_database_fault(error: BaseException) -> bool:
    """A failure of the database itself (unreadable, damaged, read-only, full, unreachable), not of a query.

    Integrity and programming errors are left alone: callers handle them or they are bugs.
    """
    return isinstance(error, sa.exc.OperationalError | sa.exc.InternalError) or (
        type(error) is sa.exc.DatabaseError
    )


#: Where SQLAlchemy turns fetched rows into Python values (a ValueError there is a value, not a query).
_ROW_DECODING = ("sqlalchemy/engine/result.py", "sqlalchemy/engine/row.py", "sqlalchemy/engine/cursor.py",
                 "sqlalchemy/engine/_processors", "sqlalchemy/dialects/sqlite/base.py")  # fmt: skip


def is_unreadable_value(error: BaseException) -> bool:
    """A value SQLite returned but SQLAlchemy could not turn into Python (a date of NUL bytes from a
    truncated or overwritten file): damage that SQLite itself does not notice."""
    if not isinstance(error, ValueError | TypeError | OverflowError):
        return False
    frame = error.__traceback__
    while frame is not None:
        if any(part in frame.tb_frame.f_code.co_filename for part in _ROW_DECODING):
            return True
        frame = frame.tb_next
    return False


def database_name(url: URL | str) -> str:
    """How to name a database to its user: the SQLite file's path, or the server and database."""
    parsed = sa.engine.make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ":memory:"
        return database.removeprefix("file:").split("?", 1)[0]
    return parsed.render_as_string(hide_password=True)


def database_fault(error: BaseException, url: URL | str) -> StorageError:
    """One line for a database fault: which database, what is wrong, and what to do."""
    orig = getattr(error, "orig", None) or error
    parsed = sa.engine.make_url(url) if isinstance(url, str) else url
    name = database_name(parsed)
    if is_unreadable_value(error):
        return StorageError(
            f"{name} is damaged: a stored value cannot be read ({' '.join(str(error).split())[:120]}): "
            "run `policywatch doctor`, then restore it from a backup"
        )
    if parsed.get_backend_name() == "sqlite":
        message = " ".join(str(orig).split()) or type(orig).__name__
        for words, advice in _SQLITE_FAULTS:
            if words in message.lower():
                return StorageError(f"{name} {advice.format(message=message)}")
        return StorageError(f"{name}: {message}")
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return StorageError(f"{name}: {first} (is the server running, and is storage.url right?)")


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
    except sa.exc.DBAPIError as error:
        if not is_database_fault(error):
            raise
        raise database_fault(error, engine.url) from error
