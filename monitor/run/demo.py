"""The ``policywatch demo`` database: bundled real histories stored through the real store step.

The histories (monitor/demo_data/, Open Terms Archive data under ODC-BY 1.0) go through
:func:`monitor.pipeline.chain.ingest_series` exactly as ``import-ota`` stores a collection: segmented,
diffed, judged, indexed for search. Nothing here analyses or writes rows itself.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from monitor.config import Settings, parse_config

DATA = "monitor.demo_data"
ATTRIBUTION = (
    "Demo data: privacy-policy versions recorded by Open Terms Archive (https://opentermsarchive.org), "
    "collection OpenTermsArchive/pga-versions (Platform Governance Archive, PGA v2), under ODC-BY 1.0."
)


@dataclass(frozen=True)
class DemoSummary:
    database: Path
    policies: int
    versions: int
    changes: int
    material: int


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files(DATA).joinpath("manifest.json").read_text("utf-8"))
    return data


def demo_settings(folder: Path, *, host: str, port: int) -> Settings:
    """A config of the bundled policies (archive-only: the demo never fetches) with its database in
    ``folder``."""
    policies = [{"name": policy["name"], "url": policy["url"]} for policy in manifest()["policies"]]
    return parse_config(
        {
            "storage": {"url": f"sqlite:///{folder / 'demo.db'}"},
            "web": {"host": host, "port": port, "base_url": f"http://{host}:{port}"},
            "policies": policies,
        },
        path=folder / "demo.toml",
    )


def build_demo(settings: Settings) -> DemoSummary:
    """Create the schema and store every bundled version, oldest first, with its judged changes."""
    from monitor.pipeline.chain import ingest_series
    from monitor.pipeline.ingest import Provenance, SeriesItem
    from storage import migrations, queries
    from storage.engine import make_engine, session_scope
    from storage.models import OTA

    engine = make_engine(settings.database_url)
    try:
        migrations.upgrade(engine)
        with session_scope(engine) as session:
            queries.sync_policies(session, settings)
        data = manifest()
        versions = changes = material = 0
        for entry in data["policies"]:
            items = [
                SeriesItem(
                    text=_read(version["file"]),
                    observed_at=datetime.fromisoformat(version["recorded_at"].replace("Z", "+00:00")),
                    provenance=Provenance(commit=version["commit"], collection=data["collection"]),
                )
                for version in entry["versions"]
            ]
            results = ingest_series(engine, settings, settings.policy(entry["name"]), items, source=OTA)
            versions += len({result.version_id for result in results})
            changes += sum(result.change_id is not None for result in results)
            material += sum(result.material for result in results)
    finally:
        engine.dispose()
    database = Path(settings.database_url.removeprefix("sqlite:///"))
    return DemoSummary(database, len(data["policies"]), versions, changes, material)


def _read(name: str) -> str:
    raw = gzip.decompress(resources.files(DATA).joinpath(name).read_bytes())
    return raw.decode("utf-8")
