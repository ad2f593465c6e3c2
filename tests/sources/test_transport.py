"""The threaded transport under the fetcher: same answers as httpx's own, cheaper, and abandonable."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time

import httpx
import pytest

from monitor.errors import ContentTooLarge
from monitor.sources.transport import ThreadedTransport
from tests.support.site import LoopbackSite

LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=2)


def transport(max_bytes: int = 1_000_000) -> ThreadedTransport:
    return ThreadedTransport(workers=2, max_bytes=max_bytes, limits=LIMITS)


async def test_answers_like_httpx_with_redirects_and_decoding(site: LoopbackSite) -> None:
    site.set("/zipped", gzip.compress(b"policy text " * 1000), headers={"Content-Encoding": "gzip"})
    site.set("/redirect-target", "moved here")
    site.redirect("/old", "/redirect-target")
    async with httpx.AsyncClient(transport=transport(), follow_redirects=True) as client:
        zipped = await client.get(site.url("/zipped"))
        moved = await client.get(site.url("/old"))
        again = await client.get(site.url("/zipped"))

    assert zipped.content == b"policy text " * 1000 and again.status_code == 200
    assert moved.text == "moved here" and [str(r.url) for r in moved.history] == [site.url("/old")]
    assert [request.path for request in site.requests] == ["/zipped", "/old", "/redirect-target", "/zipped"]


async def test_a_body_over_the_limit_is_refused_while_reading(site: LoopbackSite) -> None:
    site.set("/huge", b"x" * 300_000, chunked=True)  # no Content-Length to refuse it up front
    async with httpx.AsyncClient(transport=transport(max_bytes=100_000)) as client:
        with pytest.raises(ContentTooLarge):
            await client.get(site.url("/huge"))


async def test_a_cancelled_request_does_not_hold_up_shutdown(site: LoopbackSite) -> None:
    site.set("/slow", "finally")
    site.fail("/slow", None, delay=5)
    threaded = transport()
    client = httpx.AsyncClient(transport=threaded, timeout=30)
    request = asyncio.ensure_future(client.get(site.url("/slow")))
    await site.async_wait_for(lambda: site.count("/slow") == 1)
    request.cancel()
    started = time.monotonic()
    await client.aclose()
    assert time.monotonic() - started < 1
    workers = [t for t in threading.enumerate() if t.name.startswith("policywatch-http")]
    assert workers and all(t.daemon for t in workers)  # the interpreter will not wait for them at exit
