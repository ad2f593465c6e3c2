"""Backfill throughput and cost against the Wayback emulator on 127.0.0.1.

Run by hand: ``.venv/bin/python bench/backfill_bench.py [captures] [distinct]`` (default 200 captures, 40
distinct texts from the qnet corpus history, the rest re-served with other bytes or repeated digests).

The archive's rate limits are set far above what the machine can do, so the figures measure policywatch
itself: listing, download, extract + anomaly check, segment/diff/classify and the SQLite writes. Printed:
wall time and captures per second for the first run, wall time and requests of a second (no-op) run, the
database size, and the process's peak RSS. With the real archive's defaults (8 captures/s, 24 CDX calls a
minute) the archive's budget, not policywatch, sets the pace.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.config import load_config  # noqa: E402
from monitor.run.backfill import backfill_policy  # noqa: E402
from storage import migrations  # noqa: E402
from storage.engine import make_engine  # noqa: E402
from tests.conftest import render_config  # noqa: E402
from tests.support.wayback import ARCHIVED_URL, WaybackEmulator  # noqa: E402
from tests.support.wayback_data import capture_page, history_texts  # noqa: E402


def stamp(index: int) -> str:
    year, rest = divmod(index, 300)
    month, day = divmod(rest, 25)
    return f"{2005 + year:04d}{1 + month:02d}{1 + day:02d}120000"


def fill(archive: WaybackEmulator, captures: int, distinct: int) -> None:
    """Distinct texts in order, each followed by re-served copies (other bytes) and repeated digests."""
    texts = history_texts("qnet", distinct)
    per_text = max(1, captures // distinct)
    index = 0
    for text in texts:
        digest = archive.add_capture(stamp(index), ARCHIVED_URL, capture_page(text))
        index += 1
        for copy in range(1, per_text):
            if copy % 2:
                archive.add_capture(stamp(index), ARCHIVED_URL, capture_page(text, variant=str(index)))
            else:
                archive.add_listing(stamp(index), ARCHIVED_URL, digest)
            index += 1


async def main(captures: int, distinct: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="backfill-bench-"))
    with WaybackEmulator() as archive:
        fill(archive, captures, distinct)
        config = folder / "config.toml"
        config.write_text(
            render_config(
                storage_url=f"sqlite:///{folder / 'bench.db'}",
                policies=[{"name": "acme", "url": ARCHIVED_URL}],
                sections={
                    "wayback": {
                        "base_url": archive.base_url,
                        "requests_per_minute": 600000,
                        "captures_per_second": 100000,
                    }
                },
            ),
            encoding="utf-8",
        )
        settings = load_config(config)
        engine = make_engine(settings.database_url)
        migrations.upgrade(engine)
        policy = settings.policy("acme")

        started = time.perf_counter()
        first = await backfill_policy(settings, engine, policy)
        first_s = time.perf_counter() - started
        archive.clear_requests()
        started = time.perf_counter()
        second = await backfill_policy(settings, engine, policy)
        second_s = time.perf_counter() - started
        requests = len(archive.requests)
    size = (folder / "bench.db").stat().st_size + sum(
        path.stat().st_size for path in folder.glob("bench.db-*")
    )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"captures listed           {first.listed} ({distinct} distinct texts)")
    print(f"first run                 {first_s:.2f} s, {first.listed / first_s:.1f} captures/s")
    print(f"  fetched / known / new   {first.fetched} / {first.skipped_known} / {first.new_versions}")
    print(f"  per new version         {1000 * first_s / max(1, first.new_versions):.0f} ms")
    print(f"  requests                {first.api_calls} CDX, {first.capture_calls} captures")
    print(
        f"second run (no-op)        {second_s:.2f} s, {requests} requests "
        f"({second.api_calls} CDX, {second.capture_calls} captures)"
    )
    print(f"database                  {size / 1024 / 1024:.1f} MiB")
    print(f"peak RSS                  {peak_mib:.0f} MiB")


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:3]]
    asyncio.run(main(*(arguments + [200, 40][len(arguments) :])))
