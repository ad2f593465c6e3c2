"""Scale benchmark: policies checked per second with 1, 2 and 4 workers on PostgreSQL (and 1 on SQLite),
database size per 1,000 versions, and the storage cost of a 100-version history of small edits.

Every scenario starts ``policywatch run`` worker processes against a fresh database and a fast HTTP server
on 127.0.0.1 (a separate process serving realistic policy pages built from the corpus seeds):

* **first pass**: every policy is new, so each check fetches, extracts, segments and stores a first
  version (with its snapshot and search-index entry): policies per second until all have a version;
* **re-checks**: then every policy is due again every ``--interval`` seconds and nothing changed, the
  daemon's steady state (fetch, hash, one batched touch): fetches per second over ``--duration`` seconds.

PostgreSQL is a throwaway server (as in the tests); the database size is ``pg_database_size`` (SQLite: the
file plus its WAL) after the first pass, less the size of an empty migrated database.

The storage figures ingest a 100-version history (one small edit per version) through the real store
step, and compare the bytes stored per version with the raw text, with keyframes only (no deltas), and
with git (``git gc --aggressive`` on the same 100 commits; blobs alone via ``git verify-pack``).

Usage: ``.venv/bin/python bench/scale_bench.py [--policies 10000] [--workers 1,2,4] [--duration 20]
[--interval 1] [--no-sqlite] [--storage-only]``. Takes a few minutes; prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402

from monitor.config import parse_config  # noqa: E402
from monitor.pipeline.chain import ingest_text  # noqa: E402
from monitor.pipeline.values import RawCapture  # noqa: E402
from storage import migrations, queries  # noqa: E402
from storage.codec import encode_text  # noqa: E402
from storage.engine import make_engine, session_scope  # noqa: E402
from tests.conftest import render_config  # noqa: E402
from tests.support.history import START, small_edit_history  # noqa: E402
from tests.support.pages import policy_page, seed_names, seed_text  # noqa: E402
from tests.support.postgres import PostgresServer, find_bin_dir, free_port  # noqa: E402

# -- a fast policy site in its own process ------------------------------------------------------------


def _pages() -> list[bytes]:
    return [policy_page(seed_text(name)).encode("utf-8") for name in seed_names()]


async def _serve(port: int, ready: Any, counter: Any) -> None:
    pages = _pages()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode("ascii", "replace")
                if path == "/__count":
                    body, kind = str(counter.value).encode(), b"text/plain"
                else:
                    number = int(path.lstrip("/p") or 0)
                    # Each policy its own page: a seed text with the policy's number in its heading.
                    page = pages[number % len(pages)]
                    body = page.replace(b"<h1>", f"<h1>Policy {number}: ".encode(), 1)
                    kind = b"text/html; charset=utf-8"
                    with counter.get_lock():
                        counter.value += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: " + kind + b"\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\n\r\n" + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    ready.set()
    async with server:
        await server.serve_forever()


def _site_main(port: int, ready: Any, counter: Any) -> None:
    asyncio.run(_serve(port, ready, counter))


@contextmanager
def policy_site() -> Iterator[tuple[str, Callable[[], int]]]:
    """A base URL and a function returning how many policy pages were served so far."""
    port = free_port()
    ready = multiprocessing.Event()
    counter = multiprocessing.Value("q", 0)
    process = multiprocessing.Process(target=_site_main, args=(port, ready, counter), daemon=True)
    process.start()
    ready.wait(30)
    try:
        yield f"http://127.0.0.1:{port}", lambda: int(counter.value)
    finally:
        process.terminate()
        process.join(5)


# -- databases -----------------------------------------------------------------------------------------


@dataclass
class Database:
    url: str
    size: Callable[[], int]
    drop: Callable[[], None]
    tables: Callable[[], dict[str, int]] = dict


def postgres_database(server: PostgresServer) -> Database:
    url = server.create_database()

    def size() -> int:
        engine = make_engine(url)
        with engine.connect() as connection:
            value = connection.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one()
        engine.dispose()
        return int(value)

    def tables() -> dict[str, int]:
        engine = make_engine(url)
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
            )).all()
        engine.dispose()
        return {name: int(size) for name, size in rows}

    return Database(url, size, lambda: server.drop_database(url), tables)


def sqlite_database(folder: Path) -> Database:
    path = folder / "bench.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()

    def size() -> int:
        # Fold the WAL back into the file first (as far as running workers allow): a WAL is transient.
        with sqlite3.connect(path, timeout=30) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())

    def tables() -> dict[str, int]:
        with sqlite3.connect(path, timeout=30) as connection:
            rows = connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
            owners = dict(connection.execute("SELECT name, tbl_name FROM sqlite_master").fetchall())
        # Indexes and the search index's shadow tables count towards the table they serve.
        folded: dict[str, int] = {}
        for name, size in rows:
            owner = owners.get(name, name)
            owner = "version_search" if owner.startswith("version_search") else owner
            folded[owner] = folded.get(owner, 0) + int(size)
        return folded

    return Database(url, size, lambda: None, tables)


# -- one scenario --------------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    first_pass_rate: float
    recheck_rate: float
    bytes_per_1000_versions: float
    versions: int
    tables: dict[str, int]


def _config(folder: Path, url: str, base: str, policies: int, worker: str, interval: float) -> Path:
    entries = [{"name": f"p{i:05d}", "url": f"{base}/p{i}"} for i in range(policies)]
    sections = {
        "fetch": {"respect_robots": False, "per_host_interval": 0, "concurrency": 32, "retries": 0,
                  "timeout": "30s", "user_agent": f"policywatch-bench/{worker}"},
        "schedule": {"interval": f"{interval}s", "min_interval": "1s", "jitter": 0, "tick": "200ms",
                     "lease": "60s", "batch": 128},
        "daemon": {"worker_id": worker, "grace_period": "10s"},
    }
    path = folder / f"{worker}.toml"
    path.write_text(render_config(storage_url=url, policies=entries, sections=sections), encoding="utf-8")
    return path


def _version_count(url: str) -> int:
    engine = make_engine(url, readonly=True)
    with engine.connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM versions")).scalar_one()
    engine.dispose()
    return int(count)


def _wait(predicate: Callable[[], bool], timeout: float, interval: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not done within {timeout:.0f}s")
        time.sleep(interval)


def run_scenario(
    label: str, database: Database, workers: int, policies: int, duration: float, interval: float
) -> Result:
    empty_size = database.size()
    with policy_site() as (base, served), tempfile.TemporaryDirectory() as folder:
        configs = [_config(Path(folder), database.url, base, policies, f"w{n + 1}", interval)
                   for n in range(workers)]
        logs = [open(Path(folder) / f"w{n + 1}.log", "wb") for n in range(workers)]  # noqa: SIM115
        processes = [
            subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", str(config)],
                             cwd=REPO, stdout=log, stderr=log)
            for config, log in zip(configs, logs, strict=True)
        ]
        try:
            # The rate counts from the first stored version, so worker start-up (imports) is left out.
            _wait(lambda: _version_count(database.url) > 0, timeout=300, interval=0.05)
            started = time.monotonic()
            _wait(lambda: _version_count(database.url) >= policies, timeout=3600)
            first_pass = time.monotonic() - started
            versions = _version_count(database.url)
            size = database.size() - empty_size
            tables = database.tables()
            before, at = served(), time.monotonic()
            time.sleep(duration)
            recheck_rate = (served() - before) / (time.monotonic() - at)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(60)
                except subprocess.TimeoutExpired:
                    process.kill()
            for log in logs:
                log.close()
    return Result(label, (policies - 1) / first_pass, recheck_rate, size / versions * 1000, versions, tables)


# -- storage growth over a history of small edits -----------------------------------------------------


@dataclass
class Growth:
    label: str
    versions: int
    raw_per_version: float
    keyframes_per_version: float
    stored_per_version: float
    snapshots_per_version: float
    database_per_version: float
    git_pack_per_version: float
    git_blobs_per_version: float
    tables: dict[str, int]


def storage_growth(label: str, database: Database, folder: Path, count: int = 100) -> Growth:
    """Ingest ``count`` versions with small edits through the store step, live, each with its raw page."""
    history = small_edit_history(seed_text(seed_names()[3]), count)
    settings = parse_config(
        {"storage": {"url": database.url},
         "policies": [{"name": "acme", "url": "https://acme.example/privacy"}]},
        path=folder / "config.toml",
    )
    empty_size = database.size()
    engine = make_engine(database.url)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    for step, text in enumerate(history):
        observed = START + timedelta(hours=step)
        page = policy_page(text).encode("utf-8")
        raw = RawCapture(url="https://acme.example/privacy", body=page, status_code=200,
                         content_type="text/html; charset=utf-8", headers={}, fetched_at=observed)
        ingest_text(engine, settings, settings.policy("acme"), text, observed_at=observed, raw=raw,
                    alerts=False)
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT sum(length(text_blob)) FROM versions")).scalar_one()
        bodies = connection.execute(sa.text("SELECT sum(length(body)) FROM snapshots")).scalar_one()
    engine.dispose()
    raw_total = sum(len(text.encode("utf-8")) for text in history)
    keyframes = sum(len(encode_text(text)[1]) for text in history)
    pack, blobs = git_sizes(folder / f"git-{label}", history)
    grown = database.size() - empty_size
    per = float(count)
    return Growth(label, count, raw_total / per, keyframes / per, stored / per, bodies / per, grown / per,
                  pack / per, blobs / per, database.tables())


def git_sizes(folder: Path, history: list[str]) -> tuple[int, int]:
    """Bytes of the packfile after ``git gc --aggressive``, and of the blobs alone within it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True,
                              text=True).stdout

    folder.mkdir()
    git("init", "-q")
    for number, text in enumerate(history):
        (folder / "policy.md").write_text(text, encoding="utf-8")
        git("add", "policy.md")
        git("-c", "user.name=bench", "-c", "user.email=bench@example.org", "commit", "-q", "-m", f"v{number}")
    git("gc", "--aggressive", "-q")
    packs = list((folder / ".git" / "objects" / "pack").glob("*.pack"))
    blobs = 0
    for line in git("verify-pack", "-v", str(packs[0].with_suffix(".idx"))).splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[1] == "blob":
            blobs += int(parts[3])  # size in the pack (compressed, delta or whole)
    return sum(p.stat().st_size for p in packs), blobs


# -- main ----------------------------------------------------------------------------------------------


def _print_results(results: list[Result], policies: int, interval: float) -> None:
    print(f"\n{policies} policies on loopback; re-checks every {interval:g}s (pages unchanged)")
    print(f"{'scenario':<22} {'first pass/s':>13} {'re-checks/s':>12} {'DB bytes per 1,000 versions':>28}")
    for result in results:
        print(f"{result.label:<22} {result.first_pass_rate:>13.1f} {result.recheck_rate:>12.1f} "
              f"{result.bytes_per_1000_versions:>28,.0f}")


def _print_composition(result: Result) -> None:
    total = sum(result.tables.values()) or 1
    print(f"\nWhere the bytes are ({result.label}, {result.versions} versions; tables with their indexes):")
    for name, size in sorted(result.tables.items(), key=lambda item: -item[1]):
        if size:
            print(f"  {name:<20} {size / result.versions:>10,.0f} bytes per version  ({size / total:6.1%})")


def _print_growth(growths: list[Growth]) -> None:
    first = growths[0]
    print(f"\nOne policy, {first.versions} versions, one small edit each: bytes per version")
    rows = [
        ("raw text", first.raw_per_version),
        ("zstd keyframes only", first.keyframes_per_version),
        ("policywatch texts (skip-delta)", first.stored_per_version),
        ("git pack, gc --aggressive", first.git_pack_per_version),
        ("  of which blobs", first.git_blobs_per_version),
    ]
    for label, value in rows:
        print(f"  {label:<32} {value:>10,.0f}   ({value / first.raw_per_version:7.2%} of raw)")
    for growth in growths:
        print(f"  {growth.label + ': raw page snapshots':<32} {growth.snapshots_per_version:>10,.0f}")
        print(f"  {growth.label + ': whole database':<32} {growth.database_per_version:>10,.0f}")
        for name, size in sorted(growth.tables.items(), key=lambda item: -item[1])[:4]:
            print(f"    {name:<30} {size / growth.versions:>10,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policies", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--storage-only", action="store_true")
    args = parser.parse_args()

    bin_dir = find_bin_dir()
    if bin_dir is None:
        sys.exit("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin")
    server = PostgresServer(bin_dir).start()
    results = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            growths = [storage_growth("SQLite", sqlite_database(Path(folder)), Path(folder))]
            database = postgres_database(server)
            growths.append(storage_growth("PostgreSQL", database, Path(folder)))
            database.drop()
        _print_growth(growths)
        if args.storage_only:
            return
        for count in (int(n) for n in args.workers.split(",")):
            database = postgres_database(server)
            try:
                label = f"PostgreSQL, {count} worker{'s' if count > 1 else ''}"
                result = run_scenario(label, database, count, args.policies, args.duration, args.interval)
                results.append(result)
                print(json.dumps(results[-1].__dict__), flush=True)
            finally:
                database.drop()
        if not args.no_sqlite:
            with tempfile.TemporaryDirectory() as folder:
                database = sqlite_database(Path(folder))
                results.append(run_scenario("SQLite, 1 worker", database, 1, args.policies, args.duration,
                                            args.interval))
                print(json.dumps(results[-1].__dict__), flush=True)
    finally:
        server.stop()
    _print_results(results, args.policies, args.interval)
    if results and results[0].tables:
        _print_composition(results[0])
    print(f"\nmachine: {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
