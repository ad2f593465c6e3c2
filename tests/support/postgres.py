"""A throwaway PostgreSQL server for tests, and database fixtures for both dialects.

Each pytest process (each xdist worker) starts its own server from the Debian binaries under
``/usr/lib/postgresql/*/bin`` on 127.0.0.1 with a free port and a temporary data directory, tuned for speed
(no fsync), and stops it at the end of the session. Each test gets a fresh database copied from a migrated
template, dropped afterwards.

Fixtures:

- ``postgres_server``: the session's :class:`PostgresServer` (``create_database``, ``drop_database``);
- ``pg_url``: a fresh, migrated PostgreSQL database URL;
- ``db_url``: parametrised over ``sqlite`` and ``postgres``, a fresh, migrated database URL of each kind;
- ``empty_db_url``: the same, but with no schema at all (migration tests).

Without PostgreSQL binaries the PostgreSQL cases skip with the reason, unless
``POLICYWATCH_REQUIRE_POSTGRES=1`` (CI), where they fail. ``POLICYWATCH_TEST_PG_URL`` points the fixtures at
an existing server instead (a superuser URL; databases are created and dropped on it).
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from storage import migrations
from storage.engine import make_engine

REQUIRE_ENV = "POLICYWATCH_REQUIRE_POSTGRES"
EXTERNAL_ENV = "POLICYWATCH_TEST_PG_URL"
SUPERUSER = "postgres"
TEMPLATE = "policywatch_template"
START_ATTEMPTS = 3
#: Throwaway data: durability settings off, enough connections for several worker processes.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "128MB",
}


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries, or the server would not start."""


def find_bin_dir() -> Path | None:
    """The newest PostgreSQL ``bin`` folder with ``initdb`` and ``pg_ctl``, or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    for folder in candidates:
        if Path(folder, "initdb").exists() and Path(folder, "pg_ctl").exists():
            return Path(folder)
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    return None


def _version_key(folder: str) -> float:
    try:
        return float(Path(folder).parent.name)
    except ValueError:
        return 0.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_server_user(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the ``postgres`` system user then."""
    if os.geteuid() != 0:
        return command
    if shutil.which("runuser"):
        return ["runuser", "-u", SUPERUSER, "--", *command]
    return ["su", SUPERUSER, "-s", "/bin/sh", "-c", shlex.join(command)]


def _give_to_server_user(folder: Path) -> None:
    if os.geteuid() == 0:
        account = pwd.getpwnam(SUPERUSER)
        os.chown(folder, account.pw_uid, account.pw_gid)


class PostgresServer:
    """A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1:<free port>."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        # As root the server runs as ``postgres``, which must be able to reach the folder: /tmp always is.
        parent = "/tmp" if os.geteuid() == 0 and Path("/tmp").is_dir() else None
        self.root = Path(tempfile.mkdtemp(prefix="policywatch-pg-", dir=parent))
        _give_to_server_user(self.root)
        self.data_dir = self.root / "data"
        self.log_file = self.root / "server.log"
        self.port = 0
        self._template_ready = False

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> PostgresServer:
        self._run(
            str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
            "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
        )
        last_error = ""
        for _attempt in range(START_ATTEMPTS):
            # Another process may take the port between our probe and the server's bind: try a new one.
            self.port = free_port()
            options = " ".join(
                f"-c {key}={value}"
                for key, value in {**SERVER_SETTINGS, "unix_socket_directories": str(self.root)}.items()
            )
            result = self._run(
                str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
                "-o", f"-p {self.port} {options}", "-w", "-t", "30", "start", check=False,
            )
            if result.returncode == 0:
                return self
            last_error = result.stdout + result.stderr + self._log_tail()
        raise PostgresUnavailable(f"PostgreSQL did not start:\n{last_error}")

    def stop(self) -> None:
        if self.data_dir.exists():
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "stop",
                      check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            _as_server_user(list(command)), capture_output=True, text=True, timeout=120, check=False,
            cwd=self.root,  # the server user may not be allowed into the caller's folder
        )
        if check and result.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
        return result

    def _log_tail(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    # -- databases ---------------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, *, migrated: bool = True) -> str:
        """A new database (``test_<uuid>``); migrated to head unless ``migrated=False``."""
        template = self._migrated_template() if migrated else "template0"
        return _create_database(self.url(), template)

    def drop_database(self, url: str) -> None:
        _drop_database(self.url(), url)

    def _migrated_template(self) -> str:
        if not self._template_ready:
            _create_database(self.url(), "template0", name=TEMPLATE)
            engine = make_engine(self.url(TEMPLATE))
            migrations.upgrade(engine)
            engine.dispose()
            self._template_ready = True
        return TEMPLATE


class ExternalPostgres(PostgresServer):
    """An already running server named by ``POLICYWATCH_TEST_PG_URL`` (not started or stopped here)."""

    def __init__(self, url: str) -> None:
        self._admin = make_url(url).set(drivername="postgresql+psycopg")
        self._template_ready = False
        self._template = f"{TEMPLATE}_{uuid.uuid4().hex[:8]}"
        self.port = self._admin.port or 5432

    def start(self) -> PostgresServer:
        return self

    def stop(self) -> None:
        if self._template_ready:
            _drop_database(self.url(), self.url(self._template))

    def url(self, database: str = "postgres") -> str:
        return self._admin.set(database=database).render_as_string(hide_password=False)

    def _migrated_template(self) -> str:
        if not self._template_ready:
            _create_database(self.url(), "template0", name=self._template)
            engine = make_engine(self.url(self._template))
            migrations.upgrade(engine)
            engine.dispose()
            self._template_ready = True
        return self._template


def _admin_engine(admin_url: str) -> sa.Engine:
    # CREATE/DROP DATABASE cannot run inside a transaction.
    return sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _create_database(admin_url: str, template: str, *, name: str | None = None) -> str:
    name = name or f"test_{uuid.uuid4().hex}"
    engine = _admin_engine(admin_url)
    with engine.connect() as connection:
        # FILE_COPY: with fsync off, copying the files beats WAL-logging every page of the template.
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    engine = _admin_engine(admin_url)
    with engine.connect() as connection:
        # FORCE: a test that forgot to dispose an engine must not keep its database alive.
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
    pytest.skip(f"{reason} (install the postgresql package, or set {EXTERNAL_ENV})")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (one per xdist worker)."""
    external = os.environ.get(EXTERNAL_ENV)
    server: PostgresServer
    if external:
        server = ExternalPostgres(external)
    else:
        bin_dir = find_bin_dir()
        if bin_dir is None:
            _unavailable("PostgreSQL binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin")
            raise AssertionError("unreachable")
        server = PostgresServer(bin_dir)
        try:
            server.start()
        except PostgresUnavailable as error:
            server.stop()
            _unavailable(str(error))
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh PostgreSQL database migrated to head, dropped after the test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file we copy
    return path


def _fresh_database(request: pytest.FixtureRequest, tmp_path: Path, *, migrated: bool) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database(migrated=migrated)
    yield url
    server.drop_database(url)


DIALECTS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DIALECTS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database migrated to head: once on SQLite, once on PostgreSQL."""
    yield from _fresh_database(request, tmp_path, migrated=True)


@pytest.fixture(params=DIALECTS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database with no schema: once on SQLite, once on PostgreSQL."""
    yield from _fresh_database(request, tmp_path, migrated=False)
