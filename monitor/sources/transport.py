"""An ``httpx`` async transport that runs the synchronous HTTP stack in a small thread pool.

Why: on CPython, ``httpx.AsyncClient``'s own transport (httpcore over anyio) costs about 2 ms of CPU per
request on the event loop, while the synchronous stack costs under 1 ms and releases the GIL while it
waits on sockets. A check pass over a thousand unchanged pages is almost nothing but requests, so this
halves its time. Everything above the transport — redirects, cookies, decoding, the fetcher's politeness,
retries and caps — stays in the async client, unchanged.

The body is read inside the worker thread, so the event loop never blocks on a socket; bodies that send
more than ``max_bytes`` are refused there, before they are held in memory. The body is handed on as it
came (still compressed): the fetcher decodes it within its limits (:mod:`monitor.sources.body`). A
redirect's body is dropped here, because httpx reads — and would inflate, unbounded — the body of every
redirect it follows, and nobody ever uses it. The workers are daemon threads: a
request abandoned by a cancelled check (shutdown after the grace period) must not keep the process alive
until its socket times out, as ``ThreadPoolExecutor`` workers would.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any

import httpx

from monitor.sources.body import BodyLimits, read_body_sync


class _Body(httpx.AsyncByteStream):
    def __init__(self, content: bytes) -> None:
        self._content = content

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._content

    async def aclose(self) -> None:
        self._content = b""


Job = tuple[Callable[[], Any], asyncio.AbstractEventLoop, "asyncio.Future[Any]"]


class DaemonThreadPool:
    """A fixed set of daemon threads running blocking calls for an event loop."""

    def __init__(self, workers: int, name: str) -> None:
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{n}", daemon=True) for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def run(self, call: Callable[[], Any]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._jobs.put((call, loop, future))
        return future

    def shutdown(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            call, loop, future = job
            if future.cancelled():
                continue
            try:
                result = call()
            except BaseException as error:  # handed to the awaiting coroutine, which re-raises it
                _settle(loop, future, error=error)
            else:
                _settle(loop, future, result=result)


def _settle(loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], *, result: Any = None,
            error: BaseException | None = None) -> None:
    def settle() -> None:
        if future.cancelled():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
        loop.call_soon_threadsafe(settle)


class ThreadedTransport(httpx.AsyncBaseTransport):
    """``httpx.HTTPTransport`` driven from asyncio: one worker thread per concurrent request."""

    def __init__(self, *, workers: int, max_bytes: int, limits: httpx.Limits) -> None:
        self._sync = httpx.HTTPTransport(limits=limits, http1=True, http2=False)
        self._pool = DaemonThreadPool(workers, "policywatch-http")
        self._limits = BodyLimits(max_bytes)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        sync_request = httpx.Request(
            request.method, request.url, headers=request.headers, content=body,
            extensions=request.extensions,
        )
        status, headers, content, extensions = await self._pool.run(lambda: self._round_trip(sync_request))
        return httpx.Response(status, headers=headers, stream=_Body(content), extensions=extensions)

    def _round_trip(self, request: httpx.Request) -> tuple[int, httpx.Headers, bytes, dict[str, object]]:
        response = self._sync.handle_request(request)
        try:
            if response.has_redirect_location:
                content = b""
            else:
                content = read_body_sync(response, self._limits, decode=False, url=str(request.url))
        finally:
            response.close()
        return response.status_code, response.headers, content, dict(response.extensions)

    async def aclose(self) -> None:
        self._sync.close()
        self._pool.shutdown()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()
