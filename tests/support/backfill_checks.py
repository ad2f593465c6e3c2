"""Reading a backfilled history back for assertions: versions in time order and their change links."""

from __future__ import annotations

import asyncio
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.run.backfill import BackfillSummary, backfill_policy
from storage import queries
from storage.engine import session_scope
from storage.models import Version


def run(settings: Settings, engine: Engine, **options: Any) -> BackfillSummary:
    return asyncio.run(backfill_policy(settings, engine, settings.policy("acme"), **options))


def versions(engine: Engine) -> list[Version]:
    with session_scope(engine) as session:
        policy = queries.get_policy(session, "acme")
        assert policy.id is not None
        return queries.versions_in_time_order(session, policy.id)


def current_links(engine: Engine) -> list[tuple[int, int]]:
    """(from number, to number) of the current change records, oldest first."""
    with session_scope(engine) as session:
        policy = queries.get_policy(session, "acme")
        assert policy.id is not None
        by_id = {v.id: v.number for v in queries.versions_in_time_order(session, policy.id)}
        return [
            (by_id[c.from_version_id], by_id[c.to_version_id])
            for c in queries.current_changes(session, policy.id)
        ]


def consecutive(history: list[Version]) -> list[tuple[int, int]]:
    return [(older.number, newer.number) for older, newer in pairwise(history)]


def history_shape(engine: Engine) -> list[tuple[str, datetime, datetime, str]]:
    return [(v.text_sha256, v.observed_at, v.last_seen, v.source) for v in versions(engine)]
