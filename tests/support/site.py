"""A scriptable HTTP site on 127.0.0.1 for policywatch tests (fetcher, daemon, alerts, Wayback).

::

    with LoopbackSite() as site:
        site.set("/privacy", "<h1>Privacy</h1>", etag='"v1"')
        site.fail("/privacy", status=503, times=2, retry_after="1")
        url = site.url("/privacy")
        ...
        site.wait_for(lambda: site.count("/privacy") >= 3)

Routes are matched on the full target (``/path?query``) first, then on the path alone. Every request is
logged (:attr:`LoopbackSite.requests`) with the monotonic time it arrived, so tests can check spacing
and pauses from timestamps rather than by sleeping.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from tests.support.polling import async_wait_until, wait_until

CHUNK = 16 * 1024


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    target: str  # as sent: path and query
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float  # time.monotonic() when the request arrived


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    chunked: bool = False  # send with Transfer-Encoding: chunked and no Content-Length
    #: Pieces made while sending (chunked), for bodies too large to build first (decompression bombs).
    stream: Callable[[], Iterable[bytes]] | None = None


@dataclass
class Fault:
    status: int | None  # None: after ``delay``, serve the route normally
    remaining: int | None  # None: forever
    retry_after: str | None = None
    delay: float = 0.0
    reset: bool = False
    body: bytes = b""


Handler = Callable[[RecordedRequest], Response]


class LoopbackSite:
    """``with LoopbackSite() as site:`` — an HTTP/1.1 server with keep-alive in a daemon thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, Response | Handler] = {}
        self._faults: dict[str, Fault] = {}
        self._log: list[RecordedRequest] = []
        self._robots: str | None = None
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Self:
        self._server = _Server(("127.0.0.1", 0), _RequestHandler, site=self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="loopback-site",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the site is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # -- scripting ---------------------------------------------------------------------------------

    def set(
        self,
        path: str,
        body: bytes | str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str | None = "text/html; charset=utf-8",
        etag: str | None = None,
        last_modified: str | None = None,
        chunked: bool = False,
    ) -> None:
        """Serve ``body`` at ``path``; with ``etag``/``last_modified`` a matching conditional GET gets 304."""
        all_headers = {"Content-Type": content_type} if content_type else {}
        all_headers.update(headers or {})
        data = body.encode("utf-8") if isinstance(body, str) else body
        response = Response(status, data, all_headers, etag, last_modified, chunked)
        with self._lock:
            self._routes[path] = response

    def stream(
        self,
        path: str,
        pieces: Callable[[], Iterable[bytes]],
        *,
        headers: dict[str, str] | None = None,
        content_type: str | None = "text/html; charset=utf-8",
    ) -> None:
        """Serve, chunked, the pieces ``pieces()`` yields, made as they are sent (never held whole)."""
        all_headers = {"Content-Type": content_type} if content_type else {}
        all_headers.update(headers or {})
        with self._lock:
            self._routes[path] = Response(200, b"", all_headers, stream=pieces)

    def handle(self, path: str, handler: Handler) -> None:
        """Answer ``path`` with ``handler(request)`` (runs in the server thread)."""
        with self._lock:
            self._routes[path] = handler

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        location = to if "://" in to else self.url(to)
        with self._lock:
            self._routes[path] = Response(status, b"", {"Location": location})

    def fail(
        self,
        path: str,
        status: int | None = 500,
        *,
        times: int | None = None,
        retry_after: str | int | None = None,
        delay: float = 0.0,
        reset: bool = False,
        body: bytes | str = b"",
    ) -> None:
        """Inject a fault: answer ``status`` (after ``delay`` s), or close the connection (``reset``).

        ``times=N`` fails the next N requests, then the route is served normally again. With
        ``status=None`` the fault is only a delay before the normal answer (a slow server).
        """
        data = body.encode("utf-8") if isinstance(body, str) else body
        fault = Fault(status, times, None if retry_after is None else str(retry_after), delay, reset, data)
        with self._lock:
            self._faults[path] = fault

    def clear_fault(self, path: str) -> None:
        with self._lock:
            self._faults.pop(path, None)

    @property
    def robots(self) -> str | None:
        return self._robots

    @robots.setter
    def robots(self, text: str | None) -> None:
        """The body of ``/robots.txt``; None answers 404 (no robots.txt)."""
        with self._lock:
            self._robots = text

    # -- observing ---------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._log)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    def count(self, path: str) -> int:
        return len(self.requests_to(path))

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    def wait_for(self, predicate: Callable[[], object], timeout: float = 5.0) -> None:
        wait_until(predicate, timeout=timeout)

    async def async_wait_for(self, predicate: Callable[[], object], timeout: float = 5.0) -> None:
        await async_wait_until(predicate, timeout=timeout)

    # -- serving (server threads) ------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        request = _record(handler, method)
        with self._lock:
            self._log.append(request)
            fault = self._take_fault(request)
        if fault is not None:
            if fault.delay:
                self._stopping.wait(fault.delay)
            if fault.reset:
                _reset(handler)
                return
            if fault.status is not None:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                _send(handler, method, Response(fault.status, fault.body, headers))
                return
        _send(handler, method, self._answer(request))

    def _take_fault(self, request: RecordedRequest) -> Fault | None:
        key = request.target if request.target in self._faults else request.path
        fault = self._faults.get(key)
        if fault is None:
            return None
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                del self._faults[key]
        return fault

    def _answer(self, request: RecordedRequest) -> Response:
        with self._lock:
            route = self._routes.get(request.target) or self._routes.get(request.path)
            robots = self._robots
        if route is None and request.path == "/robots.txt" and robots is not None:
            return Response(200, robots.encode("utf-8"), {"Content-Type": "text/plain; charset=utf-8"})
        if route is None:
            return Response(404, b"not found", {"Content-Type": "text/plain"})
        response = route if isinstance(route, Response) else route(request)
        if _not_modified(response, request.headers):
            return Response(304, b"", _validators(response))
        return response


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], *, site: LoopbackSite
    ) -> None:
        self.site = site
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hang up on purpose in tests (size caps, timeouts); that is not a server failure.
        pass


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.site._serve(self, "GET")

    def do_HEAD(self) -> None:
        self.server.site._serve(self, "HEAD")

    def do_POST(self) -> None:
        self.server.site._serve(self, "POST")

    def do_PUT(self) -> None:
        self.server.site._serve(self, "PUT")

    def do_DELETE(self) -> None:
        self.server.site._serve(self, "DELETE")


def _record(handler: BaseHTTPRequestHandler, method: str) -> RecordedRequest:
    arrived = time.monotonic()
    length = handler.headers.get("Content-Length", "")
    body = handler.rfile.read(int(length)) if length.isdigit() else b""
    return RecordedRequest(
        method=method,
        path=urlsplit(handler.path).path,
        target=handler.path,
        headers={name.lower(): value for name, value in handler.headers.items()},
        body=body,
        at=arrived,
    )


def _validators(response: Response) -> dict[str, str]:
    headers = {}
    if response.etag:
        headers["ETag"] = response.etag
    if response.last_modified:
        headers["Last-Modified"] = response.last_modified
    return headers


def _not_modified(response: Response, headers: dict[str, str]) -> bool:
    if response.status != 200:
        return False
    if_none_match = headers.get("if-none-match")
    if response.etag and if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or response.etag.removeprefix("W/") in tags
    if_modified_since = headers.get("if-modified-since")
    if response.last_modified and if_modified_since:
        try:
            return parsedate_to_datetime(if_modified_since) >= parsedate_to_datetime(response.last_modified)
        except (TypeError, ValueError):
            return if_modified_since == response.last_modified
    return False


def _send(handler: BaseHTTPRequestHandler, method: str, response: Response) -> None:
    try:
        handler.send_response(response.status)
        for name, value in {**response.headers, **_validators(response)}.items():
            handler.send_header(name, value)
        if response.status in (204, 304):
            handler.end_headers()
            return
        if response.chunked or response.stream is not None:
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            if method != "HEAD":
                pieces = response.stream() if response.stream is not None else _pieces(response.body)
                _write_chunked(handler, pieces)
            return
        handler.send_header("Content-Length", str(len(response.body)))
        handler.end_headers()
        if method != "HEAD":
            handler.wfile.write(response.body)
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True


def _pieces(body: bytes) -> Iterable[bytes]:
    return (body[start : start + CHUNK] for start in range(0, len(body), CHUNK))


def _write_chunked(handler: BaseHTTPRequestHandler, pieces: Iterable[bytes]) -> None:
    for piece in pieces:
        if piece:
            handler.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
    handler.wfile.write(b"0\r\n\r\n")


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Abort the connection with a TCP RST and no response at all."""
    handler.close_connection = True
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
