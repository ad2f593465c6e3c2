"""The fetch step of a policy published over several pages (``combine``): every page, texts joined in order.

Each page is fetched like any other policy page (concurrently; the fetcher paces each host; the
policy's ``render`` applies to every page) and extracted with its own ``select``/``remove`` (default:
the policy's). The joined text comes back as one
``text/plain`` result, so the rest of the chain treats it as a single page: its hash short-cuts an
unchanged check, and extraction only normalises it. A page that fails fails the whole check, as one
missing part would otherwise look like a deletion.
"""

from __future__ import annotations

import asyncio

from monitor.config import PolicySettings, Settings
from monitor.core.extract import extract
from monitor.errors import ConfigError
from monitor.sources.fetch import Fetcher, FetchResult
from monitor.sources.page import fetch_page

JOINED_TYPE = "text/plain; charset=utf-8"


async def fetch_combined(fetcher: Fetcher, settings: Settings, policy: PolicySettings) -> FetchResult:
    """Fetch every page of ``policy.combine`` and return their texts joined in order, as one result."""
    pages = [
        policy.model_copy(update={
            "url": part.url, "combine": [],
            "select": part.select if part.select is not None else policy.select,
            "remove": part.remove if part.remove is not None else policy.remove,
        })
        for part in policy.combine
    ]  # fmt: skip
    results = await asyncio.gather(*(fetch_page(fetcher, settings, page) for page in pages))
    texts = await asyncio.to_thread(_texts, policy, results)
    body = "\n\n".join(text for text in texts if text).encode("utf-8")
    first = results[0]
    return FetchResult(
        url=first.url,
        status=first.status,
        body=body,
        content_type=JOINED_TYPE,
        charset="utf-8",
        etag=None,  # no single validator covers several pages: every check fetches them all
        last_modified=None,
        headers={},
        not_modified=False,
        fetched_at=first.fetched_at,
        elapsed_ms=sum(result.elapsed_ms for result in results),
        redirects=tuple(url for result in results for url in result.redirects),
        renderer="browser" if any(result.renderer == "browser" for result in results) else "static",
    )


def _texts(policy: PolicySettings, results: list[FetchResult]) -> list[str]:
    texts = []
    for index, (part, result) in enumerate(zip(policy.combine, results, strict=True)):
        try:
            texts.append(
                extract(
                    result.body,
                    content_type=result.content_type,
                    url=result.url,
                    select=part.select if part.select is not None else policy.select,
                    remove=part.remove if part.remove is not None else policy.remove,
                )
            )
        except ValueError as error:
            raise ConfigError(f"policies.{policy.name}.combine[{index}]: select/remove: {error}") from None
    return texts
