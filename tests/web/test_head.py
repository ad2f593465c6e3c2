"""HEAD answers on every GET route with the GET's status and headers and no body (it was a 405)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient

from tests.web.history import WebHistory


def get_paths(client: TestClient, history: WebHistory) -> list[str]:
    """Every GET route of the app, with its path parameters filled from the test history."""
    values = {"name": "qnet", "number": "3", "change_id": str(history.sale_change_id), "category": "sale"}
    paths = [re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], path)
             for path in _get_routes(client.app.routes)]  # type: ignore[attr-defined]
    return [*paths, "/static/style.css", "/no-such-page"]


def _get_routes(routes: Any) -> Iterator[str]:
    """GET paths, through included routers (FastAPI keeps those as contexts with the full path)."""
    for route in routes:
        contexts = getattr(route, "effective_candidates", None)
        if contexts is not None:
            yield from _get_routes(contexts() if callable(contexts) else contexts)
        elif "GET" in (getattr(route, "methods", None) or ()):
            yield route.path


def test_head_matches_get_on_every_get_route(client: TestClient, history: WebHistory) -> None:
    paths = get_paths(client, history)
    assert {"/", "/policies/qnet", "/api/policies", "/feed", "/search"} <= set(paths)
    for path in paths:
        got = client.get(path, follow_redirects=False)
        head = client.head(path, follow_redirects=False)
        assert head.status_code == got.status_code != 405, path
        assert head.content == b"", path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path
        assert head.headers.get("content-length") == str(len(got.content)), path


def test_post_only_routes_still_refuse_other_methods(client: TestClient) -> None:
    assert client.put("/").status_code == 405
