"""End to end in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the real
server: uvicorn on a free port of 127.0.0.1, serving the app over a history stored by the real pipeline.

Without Chromium these tests skip with the reason, unless POLICYWATCH_REQUIRE_BROWSER=1 (CI), where they fail.
The change page's screenshot is saved to test-artifacts/; with POLICYWATCH_UPDATE_SCREENSHOT=1 it is
also copied to docs/ for the README.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Route, expect, sync_playwright

from monitor.web import create_app
from tests.support.polling import wait_until
from tests.web.history import WebHistory

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_ENV = "POLICYWATCH_REQUIRE_BROWSER"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "test-artifacts" / "change-page.png"
README_SCREENSHOT = ROOT / "docs" / "screenshot-change.png"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
#: Generous: on a loaded CI machine Chromium can be slow, and a timeout only matters when something is wrong.
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(history: WebHistory) -> Iterator[str]:
    """The app under uvicorn in a thread, on a socket we bound to a free port (no race for the port)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    app = create_app(history.settings)
    uvicorn_server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=uvicorn_server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    wait_until(lambda: uvicorn_server.started, timeout=30)
    yield f"http://127.0.0.1:{port}"
    uvicorn_server.should_exit = True
    thread.join(timeout=10)
    listener.close()
    app.state.web.engine.dispose()


class Visit:
    """A page that may only talk to our server, with its console errors collected."""

    def __init__(self, browser: Browser, base: str, *, javascript: bool = True) -> None:
        self.base = base
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, java_script_enabled=javascript
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.elsewhere: list[str] = []
        self.page.on(
            "console", lambda message: self.errors.append(message.text) if message.type == "error" else None
        )
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", self._only_local)

    def _only_local(self, route: Route) -> None:
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.elsewhere.append(route.request.url)
            route.abort()

    def close(self) -> None:
        self.context.close()
        assert self.errors == [] and self.elsewhere == []


@pytest.fixture
def visit(chromium: Browser, server: str) -> Iterator[Visit]:
    opened = Visit(chromium, server)
    yield opened
    opened.close()


def test_from_the_dashboard_to_the_clause_that_started_the_sharing(visit: Visit, history: WebHistory) -> None:
    page = visit.page
    page.goto(visit.base + "/")
    expect(page).to_have_title("Dashboard · policywatch")
    page.get_by_role("link", name="qnet", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("qnet")
    expect(page.locator("svg.timeline a")).to_have_count(7)

    page.locator(".filters a.chip", has_text="sharing").click()
    answer = page.locator("#answer")
    expect(answer).to_contain_text("the first material change was version 3, 2016-09-14")
    expect(answer).to_contain_text("including marketing partners and data brokers")
    answer.get_by_role("link", name="version 3, 2016-09-14").click()
    page.wait_for_url(f"**/policies/qnet/changes/{history.sale_change_id}")

    diff = page.locator("#diff")
    material = page.locator("#diff article.clause.material").first
    expect(diff).to_have_attribute("data-view", "inline")
    expect(material.locator(".inline-view")).to_be_visible()
    expect(material.locator(".side-view")).to_be_hidden()
    page.evaluate("window.sameDocument = true")
    page.get_by_role("link", name="Side by side").click()
    expect(diff).to_have_attribute("data-view", "side")
    expect(material.locator(".side-view .old del").first).to_have_text("does not")
    expect(material.locator(".inline-view")).to_be_hidden()
    assert page.url.endswith("?view=side")
    assert page.evaluate("window.sameDocument") is True  # switched by script, without a reload

    context = page.locator("details#context")
    expect(context.locator("p").first).to_be_hidden()
    context.locator("summary").click()
    expect(context.locator("p").first).to_be_visible()
    context.locator("summary").click()

    ARTIFACT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACT))
    assert ARTIFACT.stat().st_size > 10_000
    if os.environ.get("POLICYWATCH_UPDATE_SCREENSHOT") == "1":
        # Only on request: a test run must not rewrite tracked files.
        shutil.copyfile(ARTIFACT, README_SCREENSHOT)

    page.get_by_role("link", name="Inline").click()
    expect(diff).to_have_attribute("data-view", "inline")
    expect(material.locator(".inline-view ins").first).to_have_text("may")


def test_a_search_shows_where_a_phrase_first_appeared(visit: Visit, history: WebHistory) -> None:
    page = visit.page
    page.goto(visit.base + "/")
    page.locator("header input[name=q]").fill('"data brokers"')
    page.locator("header input[name=q]").press("Enter")
    page.wait_for_url("**/search?q=*")
    result = page.locator("#result-qnet")
    expect(result.locator("p.first")).to_contain_text("First appeared in version 3")
    expect(result.locator("blockquote mark")).to_have_text("data brokers")
    result.locator("a.first-change").click()
    page.wait_for_url(f"**/policies/qnet/changes/{history.sale_change_id}")
    expect(page.locator(".verdict")).to_contain_text("sharing")


def test_the_diff_toggle_works_without_javascript(
    chromium: Browser, server: str, history: WebHistory
) -> None:
    visit = Visit(chromium, server, javascript=False)
    page = visit.page
    page.goto(f"{server}/policies/qnet/changes/{history.sale_change_id}")
    page.get_by_role("link", name="Side by side").click()
    page.wait_for_url("**?view=side")
    expect(page.locator("#diff")).to_have_attribute("data-view", "side")
    expect(page.locator("#diff article.material .side-view").first).to_be_visible()
    visit.close()


def test_payloads_in_a_policy_never_run(visit: Visit, history: WebHistory) -> None:
    page = visit.page
    change = f"/policies/xss-test/changes/{history.xss_change_id}?view=side"
    for path in (change, "/policies/xss-test/versions/2", "/search?q=brokers"):
        page.goto(visit.base + path)
        expect(page.locator("img")).to_have_count(0)
        assert page.evaluate("window.xssFired") is None, path
    expect(page.locator("body")).to_contain_text("onerror=\"window.xssFired='img'\"")
