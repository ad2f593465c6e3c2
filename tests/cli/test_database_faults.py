"""Database faults are one-line errors with exit 3, never tracebacks: real damaged, read-only and full files.

Each case starts from a real database (``init`` and a ``check`` of a loopback page), then breaks it the way
disks and people do: garbage over the header, a page overwritten, the file cut short, a table dropped, the
file made immutable (``chattr +i``; a read-only SQLite URI where that is impossible), a full file system (a
small tmpfs). ``doctor`` then says what is wrong.
"""

from __future__ import annotations

import contextlib
import os
import pty
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from tests.support.pages import policy_page, seed_names, seed_text
from tests.support.site import LoopbackSite

runner = CliRunner()
POLICY = seed_text(seed_names()[0])
COMMANDS = (["status"], ["history", "acme"], ["show", "acme"], ["init"], ["check"])


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


@pytest.fixture
def database(site: LoopbackSite, make_config: Callable[..., Path], tmp_path: Path) -> Iterator[Path]:
    """A config whose database holds one policy with one version, every page written to the main file."""
    site.set("/privacy", policy_page(POLICY))
    config = make_config(
        storage_url=f"sqlite:///{tmp_path / 'pw.db'}",
        policies=[{"name": "acme", "url": site.url("/privacy")}],
    )
    assert invoke("init", "--config", str(config)).exit_code == 0
    checked = invoke("check", "--config", str(config), "--json")
    assert checked.exit_code == 0 and '"first_version"' in checked.output, checked.output
    flatten(tmp_path / "pw.db")
    yield config


def flatten(path: Path) -> None:
    """Checkpoint the WAL into the file, so that damage to the file is damage to the data."""
    connection = sqlite3.connect(path)
    busy, _log, _done = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    connection.close()
    assert busy == 0, "another connection kept the checkpoint from finishing"


def db_file(config: Path) -> Path:
    return config.parent / "pw.db"


def assert_one_line_fault(result: Any, *words: str) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 3, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output and lines[0].count("database error") == 1
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def root_page(path: Path, table: str) -> tuple[int, int]:
    """(offset, size) of the first page of ``table`` in the file."""
    connection = sqlite3.connect(path)
    try:
        page = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        size = connection.execute("PRAGMA page_size").fetchone()[0]
    finally:
        connection.close()
    return int((page - 1) * size), int(size)


# -- damaged files ------------------------------------------------------------------------------------


def test_a_file_that_is_not_a_database_is_named_with_what_to_do(database: Path) -> None:
    path = db_file(database)
    with path.open("r+b") as handle:
        handle.write(os.urandom(100))  # the header: SQLite no longer recognises the file
    for command in COMMANDS:
        line = assert_one_line_fault(invoke(*command, "--config", str(database)), str(path))
        assert "is not a SQLite database" in line and "backup" in line


def test_a_damaged_page_is_reported_for_every_command(database: Path) -> None:
    path = db_file(database)
    offset, size = root_page(path, "policies")
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(b"\xde\xad\xbe\xef" * (size // 4))
    for command in COMMANDS:
        line = assert_one_line_fault(invoke(*command, "--config", str(database)), str(path))
        assert "is damaged" in line and "policywatch doctor" in line


def test_a_truncated_file_is_reported_as_damaged(database: Path) -> None:
    path = db_file(database)
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)
    for command in (["history", "acme"], ["show", "acme"]):
        assert_one_line_fault(invoke(*command, "--config", str(database)), str(path), "damaged")


def test_a_missing_table_is_named(database: Path) -> None:
    path = db_file(database)
    connection = sqlite3.connect(path)
    connection.execute("DROP TABLE versions")
    connection.commit()
    connection.close()
    for command in (["status"], ["history", "acme"], ["show", "acme"]):
        line = assert_one_line_fault(invoke(*command, "--config", str(database)), str(path))
        assert "no such table: versions" in line


# -- read-only and full ---------------------------------------------------------------------------------


@contextlib.contextmanager
def read_only(config: Path) -> Iterator[Path]:
    """The database made immutable (root ignores permission bits, not ``chattr +i``); where the file
    system refuses attributes, SQLite's own read-only open. Yields the config to use."""
    path = db_file(config)
    immutable = (
        shutil.which("chattr") is not None
        and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
    )
    if immutable:
        try:
            yield config
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        return
    text = config.read_text(encoding="utf-8").replace(
        f"sqlite:///{path}", f"sqlite:///file:{path}?mode=ro&uri=true"
    )
    readonly_config = config.with_name("readonly.toml")
    readonly_config.write_text(text, encoding="utf-8")
    yield readonly_config


def test_a_read_only_database_is_called_read_only_and_can_still_be_read(database: Path) -> None:
    # Separate processes: within one, SQLite reuses the read-write descriptor an earlier command left open.
    with read_only(database) as config:
        code, output = run_command(["check", "--config", str(config)], tty=False)
        status, listed = run_command(["status", "--config", str(config)], tty=False)
        shown, text = run_command(["show", "acme", "--config", str(config)], tty=False)
        doctor, diagnosis = run_command(["doctor", "--config", str(config)], tty=False)
    last = output.strip().splitlines()[-1]
    assert code == 3 and "Traceback" not in output, output
    assert str(db_file(database)) in last and "is read-only" in last
    assert "database error: database error" not in output
    assert status == 0 and "acme" in listed
    assert shown == 0 and "privacy policy" in text and len(text) > 1000
    assert doctor == 3 and "FAIL writable" in diagnosis and "read-only" in diagnosis


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"a full disk needs a small file system to fill (mount: {mounted.stderr.strip()!r})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_says_the_disk_is_full(
    small_disk: Path, site: LoopbackSite, make_config: Callable[..., Path]
) -> None:
    site.set("/privacy", policy_page(POLICY * 20))
    path = small_disk / "pw.db"
    config = make_config(
        storage_url=f"sqlite:///{path}", policies=[{"name": "acme", "url": site.url("/privacy")}]
    )
    assert invoke("init", "--config", str(config)).exit_code == 0
    with contextlib.suppress(OSError), (small_disk / "filler").open("wb") as filler:
        while True:
            filler.write(b"\0" * 65536)
            filler.flush()
    line = assert_one_line_fault(invoke("check", "--config", str(config)), str(path))
    assert "the disk is full" in line


# -- piped or on a terminal ---------------------------------------------------------------------------


def run_command(args: list[str], *, tty: bool) -> tuple[int, str]:
    command = [sys.executable, "-m", "monitor", *args]
    if not tty:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout + done.stderr
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower)
        os.close(follower)
        output = b""
        with contextlib.suppress(OSError):  # EIO once the child has closed its end
            while chunk := os.read(leader, 65536):
                output += chunk
        return process.wait(timeout=120), output.decode("utf-8", errors="replace")
    finally:
        os.close(leader)


@pytest.mark.parametrize("tty", [False, True], ids=["piped", "terminal"])
def test_no_traceback_piped_or_on_a_terminal(database: Path, tty: bool) -> None:
    path = db_file(database)
    with path.open("r+b") as handle:
        handle.write(os.urandom(100))
    code, output = run_command(["status", "--config", str(database)], tty=tty)
    assert code == 3 and "Traceback" not in output, output
    assert len(output.strip().splitlines()) == 1 and str(path) in output.replace("\r\n", "")


# -- doctor --------------------------------------------------------------------------------------------


def test_doctor_passes_a_healthy_database(database: Path) -> None:
    result = invoke("doctor", "--config", str(database))
    assert result.exit_code == 0, result.output
    for check in ("config", "database", "writable", "integrity", "schema", "tables"):
        assert f"ok   {check}" in result.output
    assert "PRAGMA integrity_check: ok" in result.output


def test_doctor_runs_integrity_check_on_a_damaged_table(database: Path) -> None:
    path = db_file(database)
    offset, size = root_page(path, "versions")
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(b"\xff" * size)
    result = invoke("doctor", "--config", str(database), "--json")
    assert result.exit_code == 3
    failed = {row["check"]: row["detail"] for row in _json(result.output) if row["status"] == "fail"}
    assert "integrity" in failed and "is damaged" in failed["integrity"], failed


def test_doctor_compares_the_alembic_revision(database: Path) -> None:
    connection = sqlite3.connect(db_file(database))
    connection.execute("UPDATE alembic_version SET version_num = '0001'")
    connection.commit()
    connection.close()
    result = invoke("doctor", "--config", str(database))
    assert result.exit_code == 3 and "FAIL schema" in result.output and "policywatch upgrade" in result.output


def test_doctor_names_missing_tables_and_secrets(database: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PW_TEST_TOKEN", raising=False)
    text = database.read_text(encoding="utf-8")
    database.write_text(
        text.replace("[fetch]", '[web]\ntoken_env = "PW_TEST_TOKEN"\n\n[fetch]'), encoding="utf-8"
    )
    connection = sqlite3.connect(db_file(database))
    connection.execute("DROP TABLE alerts")
    connection.commit()
    connection.close()
    result = invoke("doctor", "--config", str(database))
    assert result.exit_code == 3
    assert "missing tables: alerts" in result.output
    assert "web.token_env: environment variable PW_TEST_TOKEN is not set" in result.output


def _json(output: str) -> list[dict[str, str]]:
    import json

    rows: list[dict[str, str]] = json.loads(output)
    return rows
