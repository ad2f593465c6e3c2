"""Headless Chromium for script-rendered policies: one shared, bounded browser per run.

:class:`BrowserPool` drives the system's Debian ``chromium`` through Playwright's Python API
(``executable_path``; Playwright's own browser download is never used). One browser process serves the
whole run: at most ``browser.concurrency`` pages at once, each in a fresh context (no cookies or storage
carried between policies), relaunched after ``browser.restart_after`` pages (Chromium's memory only
grows) and after a crash, and closed after ``browser.idle_timeout`` without pages. A page is taken when
the policy's ``select`` selectors (or ``browser.wait_for``) have text, or after ``load`` once the text
has stopped changing for ``browser.settle``.

Playwright is imported only when a page first needs the browser, so ``check`` of static pages never loads
it. Politeness is the fetcher's: robots.txt, per-host pacing and the User-Agent (see
:meth:`monitor.sources.fetch.Fetcher.permit` and :meth:`~monitor.sources.fetch.Fetcher.paced`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from monitor.config import BrowserSettings
from monitor.errors import FetchError, UnusableContent

log = logging.getLogger(__name__)

CHROMIUM_ARGS = (
    "--no-sandbox",  # containers and CI run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",  # /dev/shm is tiny in containers; use /tmp
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--mute-audio",
)
INSTALL_HINT = "install the Debian package chromium (apt-get install chromium)"
#: Until the selected elements have text; the page's own body when nothing is selected.
_HAS_TEXT_JS = """(selectors) => selectors.some(
  (css) => Array.from(document.querySelectorAll(css)).some((el) => (el.innerText || '').trim().length > 0))"""
#: Resolves once document.body's text length has not changed for ``quiet`` ms (polled every 100 ms).
_SETTLED_JS = """(quiet) => new Promise((resolve) => {
  let last = -1, since = performance.now();
  const tick = () => {
    const size = document.body ? document.body.innerText.length : 0;
    if (size !== last) { last = size; since = performance.now(); }
    if (performance.now() - since >= quiet) { resolve(size); } else { setTimeout(tick, 100); }
  };
  tick();
})"""


Gate = Callable[[], AbstractAsyncContextManager[None]]


@dataclass(frozen=True)
class RenderedPage:
    """The DOM after the page's scripts ran, and the main document's answer."""

    url: str
    status: int
    html: str
    headers: dict[str, str]
    content_type: str | None
    fetched_at: datetime
    elapsed_ms: int


class BrowserPool:
    """``pool = BrowserPool(settings, user_agent=ua)``; ``await pool.render(url)``; ``await pool.close()``."""

    def __init__(self, settings: BrowserSettings, *, user_agent: str) -> None:
        self._settings = settings
        self._user_agent = user_agent
        self._condition = asyncio.Condition()
        self._active = 0
        self._served = 0
        self._driver: Any = None  # playwright.async_api.Playwright
        self._browser: Any = None  # playwright.async_api.Browser
        self._idle: asyncio.Task[None] | None = None
        self.launches = 0

    def available(self) -> str | None:
        """None when the configured Chromium can run; otherwise why not (names the setting and package)."""
        path = self._settings.executable_path
        if not os.path.isfile(path) or not os.access(path, os.X_OK):
            return f"browser.executable_path {path!r} is not an executable file; {INSTALL_HINT}"
        return None

    async def render(self, url: str, *, select: Sequence[str] = (), gate: Gate | None = None) -> RenderedPage:
        """Load ``url``, wait for its text, return the DOM. One retry on a fresh browser after a crash.

        ``gate()`` (the fetcher's pacing) is entered around the page load, once a browser page is free.
        """
        for attempt in (1, 2):
            browser = await self._acquire()
            try:
                async with gate() if gate is not None else contextlib.nullcontext():
                    return await self._render_once(browser, url, select)
            except FetchError:
                raise
            except Exception as error:
                if browser.is_connected() and not _crashed(error):
                    raise FetchError(f"browser failed on {url}: {error}", reason="browser_error") from None
                log.warning("browser crashed rendering %s (%s); relaunching", url, error)
                await self._discard(browser)
                if attempt == 2:
                    message = f"browser crashed twice on {url}: {error}"
                    raise FetchError(message, reason="browser_crashed") from None
            finally:
                await self._release()
        raise AssertionError("unreachable")

    async def close(self) -> None:
        self._cancel_idle()
        async with self._condition:
            await self._stop()

    async def _acquire(self) -> Any:
        """A slot on a running browser; relaunch first once ``restart_after`` pages are done with it."""
        limit = self._settings.concurrency
        async with self._condition:
            await self._condition.wait_for(
                lambda: self._active < limit and not (self._due_restart() and self._active > 0)
            )
            self._cancel_idle()
            if self._browser is None or not self._browser.is_connected() or self._due_restart():
                await self._stop()
                await self._launch()
            self._active += 1
            self._served += 1
            return self._browser

    async def _release(self) -> None:
        async with self._condition:
            self._active -= 1
            self._condition.notify_all()
            if self._active == 0 and self._browser is not None:
                self._idle = asyncio.create_task(self._close_when_idle())

    async def _close_when_idle(self) -> None:
        """A daemon checks in bursts: between them an idle browser would hold hundreds of MB for hours."""
        await asyncio.sleep(self._settings.idle_timeout.total_seconds())
        async with self._condition:
            if self._active == 0:
                log.info("closing the idle browser")
                await self._stop()

    def _cancel_idle(self) -> None:
        if self._idle is not None and self._idle is not asyncio.current_task():
            self._idle.cancel()
        self._idle = None

    def _due_restart(self) -> bool:
        return self._served >= self._settings.restart_after

    async def _launch(self) -> None:
        problem = self.available()
        if problem is not None:
            raise UnusableContent(f"this page needs a browser: {problem}", reason="needs_browser")
        from playwright.async_api import async_playwright

        self._driver = await async_playwright().start()
        try:
            self._browser = await self._driver.chromium.launch(
                executable_path=self._settings.executable_path, args=list(CHROMIUM_ARGS), headless=True
            )
        except Exception as error:
            await self._driver.stop()
            self._driver = None
            raise UnusableContent(
                f"this page needs a browser, but {self._settings.executable_path} did not start: {error}; "
                f"check browser.executable_path or {INSTALL_HINT}",
                reason="needs_browser",
            ) from None
        self._served = 0
        self.launches += 1

    async def _stop(self) -> None:
        browser, driver, self._browser, self._driver = self._browser, self._driver, None, None
        if browser is not None:
            try:
                await browser.close()
            except Exception as error:  # a crashed browser cannot be closed politely
                log.info("closing the browser: %s", error)
        if driver is not None:
            await driver.stop()

    async def _discard(self, browser: Any) -> None:
        async with self._condition:
            if self._browser is browser:
                await self._stop()

    async def _render_once(self, browser: Any, url: str, select: Sequence[str]) -> RenderedPage:
        timeout_ms = self._settings.timeout.total_seconds() * 1000
        context = await browser.new_context(
            user_agent=self._user_agent,
            extra_http_headers={"Accept-Language": "en"},
            service_workers="block",
        )
        try:
            blocked = frozenset(self._settings.block_resources)
            if blocked:
                await context.route("**/*", lambda route: _route(route, blocked))
            page = await context.new_page()
            page.set_default_timeout(timeout_ms)
            started = time.monotonic()
            response = await _navigate(page, url, timeout_ms)
            fetched_at = datetime.now(UTC)
            if response is None:
                raise FetchError(f"the browser got no response for {url}", reason="browser_error")
            if response.status >= 400:
                status = response.status
                raise FetchError(f"HTTP {status} from {page.url}", reason=f"http_{status}", status=status)
            await self._wait_for_text(page, url, select)
            headers = {name.lower(): value for name, value in (await response.all_headers()).items()}
            return RenderedPage(
                url=page.url,
                status=response.status,
                html=await page.content(),
                headers=headers,
                content_type=headers.get("content-type"),
                fetched_at=fetched_at,
                elapsed_ms=int((time.monotonic() - started) * 1000),
            )
        finally:
            await context.close()

    async def _wait_for_text(self, page: Any, url: str, select: Sequence[str]) -> None:
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        wanted = list(select) or ([self._settings.wait_for] if self._settings.wait_for else [])
        try:
            if wanted:
                await page.wait_for_function(_HAS_TEXT_JS, arg=wanted, polling=100)
            else:
                await page.evaluate(_SETTLED_JS, self._settings.settle.total_seconds() * 1000)
        except PlaywrightTimeout:
            seconds = self._settings.timeout.total_seconds()
            what = ", ".join(wanted) or "the page"
            raise FetchError(
                f"after {seconds:.0f}s in the browser, {what} still had no text ({url})",
                reason="render_timeout",
            ) from None


async def _navigate(page: Any, url: str, timeout_ms: float) -> Any:
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        return await page.goto(url, wait_until="load", timeout=timeout_ms)
    except PlaywrightTimeout:
        raise FetchError(f"timed out loading {url} in the browser", reason="timeout") from None


async def _route(route: Any, blocked: frozenset[str]) -> None:
    """Images, media and fonts carry no policy text: not downloading them saves time and memory."""
    if route.request.resource_type in blocked:
        await route.abort()
    else:
        await route.continue_()


def _crashed(error: Exception) -> bool:
    text = str(error).lower()
    return any(sign in text for sign in ("target closed", "browser has been closed", "crash", "disconnected"))
