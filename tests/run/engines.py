"""An initialised database with the config's policies registered, as every command start leaves it."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from monitor.config import Settings
from storage import queries
from storage.engine import session_scope
from tests.conftest import initialised_engine


def synced_engine(settings: Settings) -> Engine:
    engine = initialised_engine(settings)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    return engine
