"""Safety of the web UI: headers and CSP everywhere, no inline script, third-party text rendered inert,
the optional token login, and a read-only app."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser

from monitor.errors import ConfigError
from monitor.web import create_app
from monitor.web.security import COOKIE, CSP, cookie_value, safe_next
from tests.web.history import PAYLOADS, WebHistory, web_settings

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def page_urls(history: WebHistory) -> list[str]:
    sale = f"/policies/qnet/changes/{history.sale_change_id}"
    return [
        "/", "/?category=sharing&severity=high", "/policies/qnet", "/policies/qnet?category=sale",
        "/policies/qnet/versions/3", "/policies/qnet/versions/3?q=sell",
        sale, f"{sale}?view=side",
        "/policies/qnet/compare?a=1&b=6", "/search", "/search?q=brokers", "/alerts", "/alerts?status=dead",
        "/policies/xss-test", f"/policies/xss-test/changes/{history.xss_change_id}",
        f"/policies/xss-test/changes/{history.xss_change_id}?view=side", "/policies/xss-test/versions/1",
        "/policies/xss-test/versions/2?q=script", "/policies/xss-test/compare?a=2&b=1",
        "/search?q=%3Cscript%3E+onerror", "/search?q=xssFired", "/policies/nope",
    ]  # fmt: skip


OTHER_URLS = [
    "/api/policies",
    "/api/search?q=sell",
    "/feed",
    "/feed/qnet",
    "/openapi.json",
    "/static/style.css",
]


def test_every_response_has_the_security_headers(client: TestClient, history: WebHistory) -> None:
    assert CSP == EXPECTED_CSP
    for url in [*page_urls(history), *OTHER_URLS]:
        headers = client.get(url).headers
        assert headers["content-security-policy"] == EXPECTED_CSP, url
        assert headers["x-content-type-options"] == "nosniff", url
        assert headers["referrer-policy"] == "no-referrer", url
        assert headers["x-frame-options"] == "DENY", url


def _inert(url: str, body: str) -> None:
    """No inline script, no event handler, no inline style, no element a payload could have made."""
    tree = LexborHTMLParser(body)
    scripts = tree.css("script")
    assert [s.attributes.get("src") for s in scripts] == ["/static/app.js"], url
    assert all(not s.text().strip() for s in scripts), url
    assert tree.css("style, img, iframe, object, embed, textarea") == [], url
    assert [svg.attributes.get("class") for svg in tree.css("svg")] in ([], ["timeline"]), url
    for node in tree.css("*"):
        names = set(node.attributes)
        assert not {name for name in names if name.lower().startswith("on")}, (url, node.tag, names)
        assert "style" not in names, (url, node.tag)
        for attribute in ("href", "src", "action"):
            assert not (node.attributes.get(attribute) or "").lower().startswith("javascript:"), url


def test_no_page_has_inline_script_or_style(client: TestClient, history: WebHistory) -> None:
    for url in page_urls(history):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        _inert(url, response.text)


def test_script_and_event_handler_payloads_in_a_policy_render_as_text(
    client: TestClient, history: WebHistory
) -> None:
    change = client.get(f"/policies/xss-test/changes/{history.xss_change_id}").text
    version = client.get("/policies/xss-test/versions/2").text
    for body in (change, version):
        text = LexborHTMLParser(body).body.text()  # type: ignore[union-attr]
        assert "onerror=\"window.xssFired='img'\"" in text  # shown to the reader, as text
        assert "&lt;img src=x onerror=" in body  # because it was escaped
    assert "&lt;script&gt;window.xssFired" in version
    # Headings with payloads become section labels: tags dropped by segmentation, the rest escaped.
    assert "window.xssFired = &#39;script&#39; › Sharing" in change


def test_payloads_stay_escaped_in_search_api_and_feeds(client: TestClient, history: WebHistory) -> None:
    search = client.get("/search?q=brokers").text
    _inert("/search?q=brokers", search)
    assert "&lt;img src=x onerror=" in search
    api = client.get("/api/policies/xss-test/versions/2").json()
    assert all(payload in api["text"] for payload in PAYLOADS)  # JSON carries the text as it is
    atom = client.get("/feed/xss-test").text
    content_html = html.unescape(atom.split('<content type="html">', 1)[1].split("</content>", 1)[0])
    assert "<img" not in content_html and "&lt;img src=x onerror=" in content_html


def test_the_app_is_read_only(client: TestClient, history: WebHistory) -> None:
    for url in ("/", "/policies/qnet", "/api/policies", "/feed"):
        assert client.post(url).status_code == 405
        assert client.delete(url).status_code == 405
    engine = client.app.state.web.engine  # type: ignore[attr-defined]
    with pytest.raises(sa.exc.OperationalError, match="readonly"), engine.begin() as connection:
        connection.execute(sa.text("UPDATE policies SET enabled = 0"))


# -- the optional token login ------------------------------------------------------------------------

TOKEN = "s3cret-token-for-tests"


@pytest.fixture
def guarded(history: WebHistory, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("POLICYWATCH_TEST_WEB_TOKEN", TOKEN)
    database = Path(history.settings.database_url.removeprefix("sqlite:///"))
    settings = web_settings(database, token_env="POLICYWATCH_TEST_WEB_TOKEN")
    app = create_app(settings)
    with TestClient(app) as client:
        yield client
    app.state.web.engine.dispose()


def test_without_credentials_pages_redirect_to_login_and_the_api_says_401(guarded: TestClient) -> None:
    page = guarded.get("/policies/qnet?category=sale", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fpolicies%2Fqnet%3Fcategory%3Dsale"
    for url in ("/api/policies", "/feed", "/feed/qnet", "/openapi.json"):
        response = guarded.get(url)
        assert response.status_code == 401, url
        assert response.headers["www-authenticate"] == 'Bearer realm="policywatch"'
    assert guarded.get("/static/style.css").status_code == 200  # the login page needs it
    assert "Log in" in guarded.get("/login").text


def test_a_bearer_token_opens_everything_and_a_wrong_one_nothing(guarded: TestClient) -> None:
    good = {"Authorization": f"Bearer {TOKEN}"}
    assert guarded.get("/api/policies", headers=good).status_code == 200
    assert guarded.get("/feed", headers=good).status_code == 200
    assert guarded.get("/", headers=good).status_code == 200
    for wrong in (f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer", TOKEN):
        assert guarded.get("/api/policies", headers={"Authorization": wrong}).status_code == 401, wrong


def test_the_login_form_sets_a_cookie_that_is_not_the_token(guarded: TestClient) -> None:
    wrong = guarded.post("/login", data={"token": "nope", "next": "/alerts"}, follow_redirects=False)
    assert wrong.status_code == 401 and "not right" in wrong.text and COOKIE not in wrong.cookies
    right = guarded.post("/login", data={"token": TOKEN, "next": "/alerts"}, follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == "/alerts"
    set_cookie = right.headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=strict" in set_cookie and TOKEN not in set_cookie
    assert guarded.cookies.get(COOKIE) == cookie_value(TOKEN)
    assert guarded.get("/alerts", follow_redirects=False).status_code == 200
    assert guarded.get("/api/policies").status_code == 200
    logout = guarded.post("/logout", follow_redirects=False)
    assert logout.status_code == 303 and guarded.cookies.get(COOKIE) is None
    assert guarded.get("/alerts", follow_redirects=False).status_code == 303


def test_login_never_redirects_off_site() -> None:
    assert safe_next("/policies/qnet?x=1") == "/policies/qnet?x=1"
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "", None, "javascript:x"):
        assert safe_next(target) == "/"


def test_a_named_but_unset_token_variable_is_a_config_error(history: WebHistory) -> None:
    database = Path(history.settings.database_url.removeprefix("sqlite:///"))
    settings = web_settings(database, token_env="POLICYWATCH_TEST_UNSET_VARIABLE")
    with pytest.raises(ConfigError, match="POLICYWATCH_TEST_UNSET_VARIABLE is not set"):
        create_app(settings)
