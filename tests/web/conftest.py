"""Fixtures of the web tests: one history database per test process, and an in-process client over it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # Starlette 1.x nudges towards the "httpx2" package; the project pins httpx, which works as it is.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

from monitor.web import create_app
from tests.web.history import WebHistory, build


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebHistory]:
    """The web tests only read, so they share one database per test process."""
    built = build(tmp_path_factory.mktemp("web-history"))
    yield built
    built.engine.dispose()


@pytest.fixture(scope="session")
def client(history: WebHistory) -> Iterator[TestClient]:
    """A client of the app as ``serve`` builds it: its own read-only engine on the history database."""
    app = create_app(history.settings)
    with TestClient(app) as test_client:
        yield test_client
    app.state.web.engine.dispose()
