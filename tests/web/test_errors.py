"""Error answers: ids no row can have are 404s, and every error, a 500 included, has the security headers."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from monitor.web import create_app
from monitor.web.security import SECURITY_HEADERS
from tests.web.history import WebHistory

TOO_BIG = [2**63, 2**64, 10**30]
ROUTES = [
    "/policies/qnet/versions/{n}",
    "/policies/qnet/changes/{n}",
    "/policies/qnet/compare?a=1&b={n}",
    "/policies/qnet/compare?a={n}&b=2",
    "/api/policies/qnet/versions/{n}",
    "/api/policies/qnet/changes/{n}",
]


def assert_secured(response: object, url: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, (url, name)


@pytest.mark.parametrize("number", [*TOO_BIG, -1, 0])
def test_out_of_range_ids_are_not_found_in_every_route(
    history: WebHistory, number: int, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(history.settings)
    with TestClient(app, raise_server_exceptions=False) as client, caplog.at_level(logging.DEBUG):
        for route in ROUTES:
            url = route.format(n=number)
            response = client.get(url)
            assert response.status_code == 404, (url, response.status_code)
            assert_secured(response, url)
            if url.startswith("/api/"):
                assert set(response.json()) == {"detail"}
    app.state.web.engine.dispose()
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]


def test_a_server_error_carries_the_security_headers(history: WebHistory) -> None:
    app = create_app(history.settings)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/broken", broken)
    app.add_api_route("/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        for url in ("/broken", "/api/broken"):
            response = client.get(url)
            assert response.status_code == 500
            assert_secured(response, url)
            assert "a bug" not in response.text  # the detail goes to the log, not to the visitor
    app.state.web.engine.dispose()


def test_other_errors_carry_the_security_headers(client: TestClient) -> None:
    for url, status in [("/no-such-page", 404), ("/api/policies/nope/versions", 404),
                        ("/policies/qnet/versions/abc", 400), ("/api/policies/qnet/versions/abc", 422),
                        ("/static/nope.css", 404)]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == status, url
        assert_secured(response, url)
