"""The shared browser: bounded pages at once, relaunched after N pages and after a crash (real Chromium)."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from monitor.config import BrowserSettings
from monitor.errors import UnusableContent
from monitor.sources.browser import BrowserPool
from tests.support.polling import async_wait_until
from tests.support.procs import chromium_pids
from tests.support.site import LoopbackSite, RecordedRequest, Response
from tests.support.spa import chromium

pytestmark = pytest.mark.browser
__all__ = ["chromium"]


def pool(**settings: object) -> BrowserPool:
    return BrowserPool(BrowserSettings.model_validate({"timeout": "20s", **settings}), user_agent="pw-test")


def test_no_more_pages_than_the_concurrency_are_open_at_once(chromium: Path, site: LoopbackSite) -> None:
    lock = threading.Lock()
    in_flight = [0, 0]  # now, peak

    def slow(_request: RecordedRequest) -> Response:
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight[1], in_flight[0])
        time.sleep(0.4)  # the server is slow on purpose, so that pages overlap if the pool allows it
        with lock:
            in_flight[0] -= 1
        return Response(200, b"<p>We do not sell your data.</p>", {"Content-Type": "text/html"})

    site.handle("/slow", slow)

    async def run() -> list[str]:
        browser = pool(concurrency=2)
        try:
            pages = await asyncio.gather(*(browser.render(site.url(f"/slow?n={n}")) for n in range(6)))
        finally:
            await browser.close()
        return [page.html for page in pages]

    htmls = asyncio.run(run())
    assert all("We do not sell your data." in html for html in htmls)
    assert in_flight[1] == 2


def test_the_browser_is_relaunched_after_restart_after_pages(chromium: Path, site: LoopbackSite) -> None:
    site.set("/p", "<p>policy</p>")

    async def run() -> int:
        browser = pool(restart_after=2)
        try:
            for _ in range(5):
                await browser.render(site.url("/p"))
        finally:
            await browser.close()
        return browser.launches

    assert asyncio.run(run()) == 3
    assert chromium_pids() == [], "closing the pool leaves no Chromium process behind"


def test_a_crashed_browser_is_replaced_and_the_page_still_renders(chromium: Path, site: LoopbackSite) -> None:
    site.set("/p", "<p>We keep your data for one year.</p>")

    async def run() -> tuple[str, int]:
        browser = pool()
        try:
            await browser.render(site.url("/p"))
            for pid in chromium_pids():
                os.kill(pid, signal.SIGKILL)
            page = await browser.render(site.url("/p"))
        finally:
            await browser.close()
        return page.html, browser.launches

    html, launches = asyncio.run(run())
    assert "one year" in html and launches == 2


def test_a_missing_executable_is_needs_browser_naming_the_setting_and_the_package(site: LoopbackSite) -> None:
    async def run() -> None:
        await pool(executable_path="/nonexistent/chromium").render(site.url("/"))

    with pytest.raises(UnusableContent) as caught:
        asyncio.run(run())
    assert caught.value.reason == "needs_browser"
    assert "browser.executable_path" in str(caught.value) and "apt-get install chromium" in str(caught.value)


def test_an_idle_browser_is_closed_and_started_again_when_a_page_needs_it(
    chromium: Path, site: LoopbackSite
) -> None:
    site.set("/p", "<p>We keep your data for one year.</p>")

    async def run() -> int:
        browser = pool(idle_timeout="200ms")
        try:
            await browser.render(site.url("/p"))
            await async_wait_until(lambda: not chromium_pids(), timeout=15)
            await browser.render(site.url("/p"))
        finally:
            await browser.close()
        return browser.launches

    assert asyncio.run(run()) == 2
