"""Writers racing on one database, on both dialects: workers starting together, and two writers of one
policy's history (a live check and a backfill, say). SQLite serialises them with ``BEGIN IMMEDIATE``;
PostgreSQL must get the same outcome from its locks."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from monitor.config import Settings, parse_config
from monitor.pipeline.chain import ingest_text
from storage import migrations, queries
from storage.engine import make_engine, session_scope
from storage.models import Policy, Version
from tests.support.history import START, corpus_histories, small_edit_history

THREADS = 3
REPO = Path(__file__).resolve().parents[2]


def _settings(url: str, tmp_path: Path, policies: int) -> Settings:
    entries = [{"name": f"p{i:03d}", "url": f"https://p{i}.example/privacy"} for i in range(policies)]
    return parse_config({"storage": {"url": url}, "policies": entries}, path=tmp_path / "config.toml")


def _race(jobs: list[Callable[[], None]]) -> list[BaseException]:
    """Run the jobs in threads released together; return what they raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        barrier.wait()
        try:
            job()
        except BaseException as error:  # the test reports whatever a racer raised
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def test_workers_starting_together_mirror_the_config_once(db_url: str, tmp_path: Path) -> None:
    settings = _settings(db_url, tmp_path, 200)
    engines = [make_engine(db_url) for _ in range(THREADS)]

    def sync(engine: sa.Engine) -> Callable[[], None]:
        def job() -> None:
            with session_scope(engine) as session:
                queries.sync_policies(session, settings)
        return job

    errors = _race([sync(engine) for engine in engines])
    with Session(engines[0]) as session:
        names = session.exec(select(Policy.name).order_by(col(Policy.name))).all()
    for engine in engines:
        engine.dispose()
    assert errors == []
    assert list(names) == [policy.name for policy in settings.policies]


def test_concurrent_writers_of_one_history_get_contiguous_numbers(db_url: str, tmp_path: Path) -> None:
    settings = _settings(db_url, tmp_path, 1)
    policy = settings.policies[0]
    texts = small_edit_history(corpus_histories()["qeg"][0], THREADS * 2)
    engines = [make_engine(db_url) for _ in range(THREADS)]
    with session_scope(engines[0]) as session:
        queries.sync_policies(session, settings)

    def writer(engine: sa.Engine, offset: int) -> Callable[[], None]:
        def job() -> None:
            for step in range(offset, len(texts), THREADS):
                ingest_text(engine, settings, policy, texts[step], observed_at=START + timedelta(hours=step),
                            alerts=False)
        return job

    errors = _race([writer(engine, offset) for offset, engine in enumerate(engines)])
    with Session(engines[0]) as session:
        rows = session.exec(select(Version).order_by(col(Version.number))).all()
        stored = {queries.version_text(row) for row in rows}
    for engine in engines:
        engine.dispose()
    assert errors == []
    assert [row.number for row in rows] == list(range(1, len(texts) + 1))
    assert stored == set(texts)


def test_workers_starting_together_on_an_empty_database_create_the_schema_once(empty_db_url: str) -> None:
    # Processes, as real workers are: Alembic's migration context is process-global, not thread-safe.
    script = "import sys; from storage import migrations; from storage.engine import make_engine; " \
             "migrations.upgrade(make_engine(sys.argv[1]))"
    processes = [
        subprocess.Popen([sys.executable, "-c", script, empty_db_url], cwd=REPO, stderr=subprocess.PIPE)
        for _ in range(THREADS)
    ]
    failures = [process.communicate(timeout=120)[1].decode() for process in processes]
    engine = make_engine(empty_db_url)
    revision = migrations.current_revision(engine)
    engine.dispose()
    assert [p.returncode for p in processes] == [0] * THREADS, "\n".join(failures)
    assert revision == migrations.head_revision()
