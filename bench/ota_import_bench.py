"""Import speed of an Open Terms Archive collection, judging included (run by hand; prints figures).

    .venv/bin/python bench/ota_import_bench.py [BUNDLE]

Imports the whole sample collection into a fresh SQLite database, then its largest history alone (most
versions) into another, and prints versions per second for each. The peer is what a general monitor does
with the same history: a line diff (difflib) of every consecutive pair, no segmentation and no judgement;
the ratio says what the judgement costs. Also prints the material changes found, by category.
"""

from __future__ import annotations

import difflib
import itertools
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlmodel import col, select

from monitor.config import parse_config
from monitor.run.ota_import import ImportSummary, import_collection
from monitor.sources.ota import open_collection
from storage import migrations
from storage.engine import make_engine, session_scope
from storage.models import Change

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ota"
DEFAULT_BUNDLE = FIXTURES / "genai-eu-versions.bundle"


def _import(bundle: Path, folder: Path, document: str | None = None) -> tuple[ImportSummary, Counter[str]]:
    settings = parse_config({"storage": {"url": f"sqlite:///{folder / 'bench.db'}"}}, path=folder / "c.toml")
    engine = make_engine(settings.database_url)
    migrations.upgrade(engine)
    only = document.split("/", 1) if document else []
    before = _cpu()
    summary = import_collection(settings, engine, str(bundle), services=only[:1], terms_types=only[1:])
    main, children = (after - start for after, start in zip(_cpu(), before, strict=True))
    # On a busy shared machine wall time mostly measures the other users; CPU time does not. Unloaded,
    # the import takes about the larger of the writer's CPU time and the total spread over two cores.
    alone = max(main, (main + children) / 2)
    print(
        f"  cpu: {main:.1f} s main process + {children:.1f} s workers and git; "
        f"{summary.new_versions / alone if alone else 0:.1f} versions/s on two free cores "
        f"({summary.new_versions / (main + children) if main + children else 0:.1f} per CPU-second)"
    )
    with session_scope(engine) as session:
        rows = session.exec(
            select(Change).where(col(Change.material).is_(True), col(Change.superseded).is_(False))
        ).all()
        categories = Counter(category for row in rows for category in row.categories or [])
    engine.dispose()
    return summary, categories


def _cpu() -> tuple[float, float]:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def _peer_seconds(bundle: Path, document: str) -> tuple[float, int]:
    """difflib over the same consecutive texts (read with the same git reader)."""
    with open_collection(bundle) as collection:
        [history] = [h for h in collection.histories() if h.document == document]
        blobs = [record.blob for record in history.records if record.blob]
        texts = [body.decode() for _, body in collection.blobs(blobs)]
    started = time.perf_counter()
    for old, new in itertools.pairwise(texts):
        list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm=""))
    return time.perf_counter() - started, len(texts)


def main() -> None:
    bundle = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_BUNDLE
    commits = subprocess.run(["git", "bundle", "list-heads", str(bundle)], capture_output=True, check=True)
    print(f"collection: {bundle.name} ({commits.stdout.decode().split()[0][:12]})")
    with tempfile.TemporaryDirectory() as whole:
        summary, categories = _import(bundle, Path(whole))
    print(
        f"whole collection: {summary.new_versions} versions of {len(summary.documents)} documents in "
        f"{summary.seconds:.1f} s = {summary.versions_per_second:.1f} versions/s (judging included)"
    )
    reextractions = sum(document.reextractions for document in summary.documents)
    print(f"re-extractions (stored, never material): {reextractions}")
    print(f"material changes: {summary.material}; by category: {dict(categories.most_common())}")
    largest = max(summary.documents, key=lambda document: document.new_versions)
    with tempfile.TemporaryDirectory() as alone:
        one, _ = _import(bundle, Path(alone), largest.document)
    print(
        f"largest history alone ({largest.document}): {one.new_versions} versions in {one.seconds:.1f} s "
        f"= {one.versions_per_second:.1f} versions/s"
    )
    peer, texts = _peer_seconds(bundle, largest.document)
    per_peer = (texts - 1) / peer if peer else float("inf")
    print(
        f"peer (difflib line diff, no judgement) on the largest history: {per_peer:.0f} pairs/s; "
        f"policywatch import is {per_peer / max(one.versions_per_second, 1e-9):.0f}x slower per version"
    )


if __name__ == "__main__":
    main()
