"""Benchmark the history browser's pages, API, feeds and search over a large history.

Run by hand: ``.venv/bin/python bench/web_bench.py [--policies 40] [--versions 60] [--requests 20]``.

Builds a SQLite database through the real store step (``ingest_text``): ``--policies`` policies, each with
``--versions`` versions made of small edits to a corpus text (``tests.support.history.small_edit_history``),
so every version is indexed for search and every change has its stored report. Then it times requests to the
app in process (no network) and prints the median and worst latency per route, the build rate, the search
index size and the peak memory. Nothing is asserted: the figures are for the README and for regressions.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from starlette.exceptions import StarletteDeprecationWarning  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

from monitor.config import Settings, parse_config  # noqa: E402
from monitor.pipeline.chain import ingest_text  # noqa: E402
from monitor.web import create_app  # noqa: E402
from storage import migrations, queries  # noqa: E402
from storage.engine import make_engine, session_scope  # noqa: E402
from storage.models import ARCHIVE  # noqa: E402
from tests.support.history import corpus_histories, small_edit_history  # noqa: E402

START = datetime(2012, 1, 1, tzinfo=UTC)


def build(folder: Path, policies: int, versions: int) -> tuple[Settings, float]:
    names = [f"policy-{index:03d}" for index in range(policies)]
    settings = parse_config(
        {"storage": {"url": f"sqlite:///{folder / 'bench.db'}"},
         "policies": [{"name": name, "url": f"https://{name}.example/privacy"} for name in names]},
        path=folder / "config.toml",
    )  # fmt: skip
    engine = make_engine(settings.database_url)
    migrations.upgrade(engine)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    seeds = [history[0] for history in corpus_histories().values()]
    started = time.perf_counter()
    for index, name in enumerate(names):
        texts = small_edit_history(seeds[index % len(seeds)], versions, seed=index)
        for number, text in enumerate(texts):
            when = START + timedelta(days=45 * number, hours=index)
            ingest_text(engine, settings, settings.policy(name), text, observed_at=when, source=ARCHIVE,
                        archived_at=when, alerts=False)  # fmt: skip
    elapsed = time.perf_counter() - started
    engine.dispose()
    return settings, elapsed


def timed(client: TestClient, url: str, requests: int) -> tuple[float, float]:
    durations = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        durations.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(durations), max(durations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policies", type=int, default=40)
    parser.add_argument("--versions", type=int, default=60)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings, elapsed = build(Path(folder), args.policies, args.versions)
        total = args.policies * args.versions
        database = Path(folder) / "bench.db"
        print(f"history: {args.policies} policies × {args.versions} versions = {total} versions, "
              f"stored and indexed in {elapsed:.1f} s ({total / elapsed:.0f} versions/s); "
              f"database {database.stat().st_size / 1e6:.1f} MB")  # fmt: skip
        app = create_app(settings)
        with TestClient(app) as client:
            routes = [
                "/", "/?category=sharing", "/policies/policy-000", "/policies/policy-000?category=sharing",
                "/policies/policy-000/versions/30", "/policies/policy-000/changes/10",
                "/policies/policy-000/compare?a=1&b=30", "/search?q=cookies", '/search?q="we may share"',
                "/alerts", "/api/policies", "/api/policies/policy-000/versions",
                "/api/search?q=partners", "/feed", "/feed/category/sharing",
            ]  # fmt: skip
            print(f"{'route':45} {'median ms':>10} {'worst ms':>10}")
            for route in routes:
                median, worst = timed(client, route, args.requests)
                print(f"{route:45} {median:10.1f} {worst:10.1f}")
        app.state.web.engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
