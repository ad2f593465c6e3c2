"""The fetch step per policy: the static HTTP body, or the DOM headless Chromium rendered.

``render = "static"`` is the plain GET. ``"browser"`` always renders. ``"auto"`` (the default) does the GET
and renders only when the static page is a script shell (:func:`monitor.core.shell.shell_reason`): a
near-empty body, a "Loading…"/"enable JavaScript" notice, or an empty mount point while scripts are
present. The result says which renderer produced it (``FetchResult.renderer``), and the store step
records it on the version. Without Chromium a page that needs it fails with ``needs_browser``; it never
becomes a "too short" version.
"""

from __future__ import annotations

import hashlib
import logging
import weakref

from monitor.config import PolicySettings, Settings
from monitor.core.extract import HTML_TYPES, split_content_type
from monitor.core.shell import shell_reason
from monitor.errors import FetchError, UnusableContent
from monitor.sources.browser import BrowserPool, RenderedPage
from monitor.sources.fetch import Fetcher, FetchResult

log = logging.getLogger(__name__)

#: Static bodies whose shell verdict is remembered (by URL and body hash), so identical bytes are parsed once.
VERDICT_CACHE_SIZE = 4096
_pools: weakref.WeakKeyDictionary[Fetcher, BrowserPool] = weakref.WeakKeyDictionary()
_verdicts: dict[str, tuple[bytes, str | None]] = {}


async def fetch_page(
    fetcher: Fetcher,
    settings: Settings,
    policy: PolicySettings,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult:
    """Fetch ``policy.url`` as its ``render`` setting says. Raises FetchError (``needs_browser`` ...)."""
    if policy.render == "browser":
        return await _rendered(fetcher, settings, policy, because='render = "browser"')
    result = await fetcher.fetch(
        policy.url, etag=etag, last_modified=last_modified, ignore_robots=policy.ignore_robots
    )
    if policy.render == "static" or result.not_modified or not _html(result):
        return result
    reason = _shell_verdict(result)
    if reason is None:
        return result
    log.info("%s: static page is a shell (%s); rendering it in the browser", policy.name, reason)
    return await _rendered(fetcher, settings, policy, because=f"the static page shows {reason}")


def browser_pool(fetcher: Fetcher, settings: Settings) -> BrowserPool:
    """The run's one browser, created on first use and closed with the fetcher."""
    pool = _pools.get(fetcher)
    if pool is None:
        pool = BrowserPool(settings.browser, user_agent=fetcher.user_agent)
        _pools[fetcher] = pool
        fetcher.on_close(pool.close)
    return pool


async def _rendered(
    fetcher: Fetcher, settings: Settings, policy: PolicySettings, *, because: str
) -> FetchResult:
    pool = browser_pool(fetcher, settings)
    problem = pool.available()
    if problem is not None:
        raise UnusableContent(
            f'{policy.name} needs a browser ({because}) but {problem}; or set policies.render = "static"',
            reason="needs_browser",
        )
    interval = await fetcher.permit(policy.url, ignore_robots=policy.ignore_robots)
    try:
        # The pacing gate is entered once a browser page is free, so waiting for the browser never
        # holds one of the fetch slots that static checks need.
        page = await pool.render(
            policy.url, select=policy.select, gate=lambda: fetcher.paced(policy.url, interval)
        )
    except FetchError as error:
        if "download is starting" not in str(error).lower():
            raise
        # A file that opens as a download, not a page: the static body is the document.
        return await fetcher.fetch(policy.url, ignore_robots=policy.ignore_robots)
    mime = split_content_type(page.content_type)[0]
    if mime is not None and mime not in HTML_TYPES:
        # A PDF (or a text file) shows in the browser's viewer, whose DOM holds none of its text: the
        # document is the static body, read by the same extract step.
        return await fetcher.fetch(policy.url, ignore_robots=policy.ignore_robots)
    return _as_result(page)


def _as_result(page: RenderedPage) -> FetchResult:
    # No validators: the static shell's ETag says nothing about the data its scripts load, so the next
    # check must not be answered 304 from it.
    return FetchResult(
        url=page.url,
        status=page.status,
        body=page.html.encode("utf-8"),
        content_type="text/html; charset=utf-8",
        charset="utf-8",
        etag=None,
        last_modified=None,
        headers={k: v for k, v in page.headers.items() if k in _KEPT},
        not_modified=False,
        fetched_at=page.fetched_at,
        elapsed_ms=page.elapsed_ms,
        redirects=(),
        renderer="browser",
    )


_KEPT = frozenset(
    {"content-language", "date", "server", "cache-control", "last-modified", "etag", "x-robots-tag"}
)


def _html(result: FetchResult) -> bool:
    mime = split_content_type(result.content_type)[0]
    if mime in HTML_TYPES:
        return True
    return mime is None and result.body[:512].lstrip().lower().startswith((b"<!doctype html", b"<html"))


def _shell_verdict(result: FetchResult) -> str | None:
    digest = hashlib.blake2b(result.body, digest_size=16).digest()
    cached = _verdicts.get(result.url)
    if cached is not None and cached[0] == digest:
        return cached[1]
    reason = shell_reason(result.body)
    if len(_verdicts) >= VERDICT_CACHE_SIZE:
        _verdicts.pop(next(iter(_verdicts)))
    _verdicts[result.url] = (digest, reason)
    return reason
