"""Fixtures of the pipeline tests: a loopback site with policies, a synced database, a transaction counter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from monitor.config import Settings, load_config
from storage import queries
from storage.engine import session_scope
from tests.conftest import initialised_engine
from tests.support.pages import policy_page, seed_text
from tests.support.site import LoopbackSite

FIXTURES = Path(__file__).parent / "fixtures"
ENGLISH = seed_text("000_eaeb0233c3165541.txt")
FRENCH = (FIXTURES / "fr_policy.md").read_text(encoding="utf-8")
ERROR_PAGE = "<html><body><h1>Oops!</h1><p>Page not found. Go back to the home page.</p></body></html>"


def page(markdown: str, *, nonce: str = "") -> str:
    """A policy page; ``nonce`` goes where real sites put theirs (a meta tag, a script, a form field)."""
    html = policy_page(markdown)
    if nonce:
        html = html.replace("<head>", f'<head><meta name="csrf-token" content="{nonce}">', 1)
        html = html.replace("</footer>", f'<input type="hidden" name="csrf" value="{nonce}"></footer>', 1)
    return html


@dataclass
class Transactions:
    """Transactions begun on an engine, and those that wrote (INSERT, UPDATE or DELETE)."""

    begun: int = 0
    writing: int = 0
    _writers: set[int] = field(default_factory=set)

    def reset(self) -> None:
        self.begun = self.writing = 0


def count_transactions(engine: Engine) -> Transactions:
    counted = Transactions()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        counted.begun += 1

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _execute(connection: sa.Connection, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip()[:6].upper() in {"INSERT", "UPDATE", "DELETE"}:
            counted._writers.add(id(connection))

    @sa.event.listens_for(engine, "commit")
    def _commit(connection: sa.Connection) -> None:
        if id(connection) in counted._writers:
            counted._writers.discard(id(connection))
            counted.writing += 1

    return counted


Setup = Callable[..., tuple[Settings, Engine]]


@pytest.fixture
def setup(site: LoopbackSite, make_config: Callable[..., Path]) -> Iterator[Setup]:
    """``setup({"name": markdown_or_html, ...}, **policy_options)``: serve the pages, write the config,
    create the database and register the policies, as ``policywatch check`` does at its start."""
    engines: list[Engine] = []

    def factory(pages: dict[str, str], notifiers: dict[str, dict[str, object]] | None = None,
                **options: object) -> tuple[Settings, Engine]:
        for name, body in pages.items():
            site.set(f"/{name}", body if body.lstrip().startswith("<") else page(body))
        config = make_config(
            policies=[{"name": name, "url": site.url(f"/{name}"), **options} for name in pages],
            notifiers=notifiers,
            sections={"schedule": {"interval": "1h", "jitter": 0, "tick": "1s"},
                      "alerts": {"failure_threshold": 2}},
        )
        settings = load_config(config)
        engine = initialised_engine(settings)
        engines.append(engine)
        with session_scope(engine) as session:
            queries.sync_policies(session, settings)
        return settings, engine

    yield factory
    for engine in engines:
        engine.dispose()
