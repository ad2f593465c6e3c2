"""A Wayback Machine emulator on 127.0.0.1 for backfill tests.

::

    with WaybackEmulator() as archive:
        archive.add_capture("20150101000000", URL, "<html>…</html>")
        archive.add_revisit("20150201000000", URL, digest)
        archive.fail("capture", 429, after=3)          # the 4th capture request gets a 429
        settings: wayback.base_url = archive.base_url

It serves what policywatch uses of the real archive:

* ``/cdx/search/cdx`` with ``output=json``: a header row naming the ``fl`` fields, rows in time order,
  ``from``/``to`` (day prefixes, padded like the real server), ``collapse=digest`` (adjacent equal
  digests, within a page, as the real server does), and paging with ``limit`` + ``showResumeKey`` /
  ``resumeKey`` (an empty row, then ``[key]``, ends a page that has more). ``filter`` is *not* applied
  unless ``honour_filter=True``, so revisits, 3xx rows and malformed rows reach the client and its own
  checks are exercised.
* ``/web/<timestamp>id_/<original>``: the raw capture with ``Memento-Datetime``, a redirect, or 404.
* Faults per kind (``cdx`` or ``capture``): a status (429, 503 …) or a delay, after N good answers.

Every request is logged with its monotonic arrival time and the status it got, so tests check rates,
pauses and which calls were made from timestamps, never by sleeping.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import parse_qs, urlsplit

ARCHIVED_URL = "https://www.example.com/privacy"  # only ever "fetched" from the emulator
DEFAULT_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
Kind = Literal["cdx", "capture", "other"]


def sha1_digest(body: bytes) -> str:
    """The archive's payload digest: base32 of the SHA-1."""
    return base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def memento_header(timestamp: str) -> str:
    moment = datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return format_datetime(moment, usegmt=True)


@dataclass
class _Entry:
    """One CDX line; ``raw`` rows are served exactly as given (malformed on purpose)."""

    sort_key: str
    timestamp: str = ""
    original: str = ""
    mimetype: str = "text/html"
    status: str = "200"
    digest: str = ""
    length: str = "-"
    raw: list[Any] | None = None

    def fields(self) -> dict[str, str]:
        return {
            "urlkey": "surt:" + self.original,
            "timestamp": self.timestamp,
            "original": self.original,
            "mimetype": self.mimetype,
            "statuscode": self.status,
            "digest": self.digest,
            "length": self.length,
        }


@dataclass
class _Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Fault:
    kind: Kind
    status: int | None  # None: only the delay, then the normal answer
    times: int
    after: int  # good answers to let through first
    delay: float


@dataclass(frozen=True)
class ArchiveRequest:
    kind: Kind
    target: str
    params: dict[str, str]
    timestamp: str | None  # of a capture request
    at: float  # time.monotonic() on arrival
    status: int  # what it was answered
    user_agent: str


class WaybackEmulator:
    """``with WaybackEmulator() as archive:`` — a threaded HTTP server on a free loopback port."""

    def __init__(self, *, honour_filter: bool = False) -> None:
        self.honour_filter = honour_filter
        self._lock = threading.Lock()
        self._entries: list[_Entry] = []
        self._captures: dict[str, _Answer] = {}
        self._faults: list[_Fault] = []
        self._log: list[ArchiveRequest] = []
        self._arrivals: dict[Kind, int] = {"cdx": 0, "capture": 0, "other": 0}
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self._server = _Server(("127.0.0.1", 0), _Handler, archive=self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="wayback", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "the emulator is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- content -------------------------------------------------------------------------------

    def add_capture(
        self,
        timestamp: str,
        original: str,
        body: bytes | str,
        *,
        mimetype: str = "text/html",
        memento: str | None = None,
        listed: bool = True,
        headers: dict[str, str] | None = None,
    ) -> str:
        """A 200 capture; ``memento`` makes it claim another moment; ``headers`` are added. Its digest."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        digest = sha1_digest(data)
        headers = {
            "Content-Type": f"{mimetype}; charset=utf-8",
            "Memento-Datetime": memento_header(memento or timestamp),
            **(headers or {}),
        }
        with self._lock:
            self._captures[timestamp] = _Answer(200, data, headers)
            if listed:
                self._entries.append(
                    _Entry(timestamp, timestamp, original, mimetype, "200", digest, str(len(data)))
                )
        return digest

    def add_listing(
        self, timestamp: str, original: str, digest: str, *, status: str = "200", mimetype: str = "text/html"
    ) -> None:
        """A CDX row with no capture behind it (or one added with ``listed=False``)."""
        with self._lock:
            self._entries.append(_Entry(timestamp, timestamp, original, mimetype, status, digest))

    def add_revisit(self, timestamp: str, original: str, digest: str) -> None:
        self.add_listing(timestamp, original, digest, status="-", mimetype="warc/revisit")

    def add_redirect_row(self, timestamp: str, original: str, *, status: int = 302) -> None:
        """A 3xx capture (the site redirected), listed with its status."""
        target = original.rstrip("/") + "/moved"
        self._set_capture(
            timestamp, _Answer(status, b"", {"Location": f"{self.base_url}/web/{timestamp}id_/{target}"})
        )
        self.add_listing(
            timestamp, original, sha1_digest(f"redirect {timestamp}".encode()), status=str(status)
        )

    def add_moved_capture(self, timestamp: str, original: str, *, to_timestamp: str) -> None:
        """Listed as 200, but the capture redirects to another timestamp (as the archive does when the
        exact capture cannot be served)."""
        location = f"{self.base_url}/web/{to_timestamp}id_/{original}"
        self._set_capture(timestamp, _Answer(302, b"", {"Location": location}))
        self.add_listing(timestamp, original, sha1_digest(f"moved {timestamp}".encode()))

    def add_malformed(self, after_timestamp: str, row: list[Any]) -> None:
        with self._lock:
            self._entries.append(_Entry(after_timestamp + "~", raw=row))

    def row_count(self) -> int:
        with self._lock:
            return len(self._entries)

    def _set_capture(self, timestamp: str, answer: _Answer) -> None:
        with self._lock:
            self._captures[timestamp] = answer

    # -- faults and log ------------------------------------------------------------------------

    def fail(
        self, kind: Kind, status: int | None, *, times: int = 1, after: int = 0, delay: float = 0.0
    ) -> None:
        """Answer ``status`` (after ``delay`` s) to ``times`` requests of ``kind``, once ``after`` passed."""
        with self._lock:
            self._faults.append(_Fault(kind, status, times, after, delay))

    @property
    def requests(self) -> list[ArchiveRequest]:
        with self._lock:
            return list(self._log)

    def of_kind(self, kind: Kind) -> list[ArchiveRequest]:
        return [request for request in self.requests if request.kind == kind]

    def captures(self, status: int | None = None) -> list[str]:
        """Timestamps of the capture requests (answered ``status``, if given), in arrival order."""
        return [
            request.timestamp
            for request in self.of_kind("capture")
            if request.timestamp is not None and (status is None or request.status == status)
        ]

    def arrived(self, kind: Kind) -> int:
        """Requests of ``kind`` received so far, including those still being answered (delays)."""
        with self._lock:
            return self._arrivals[kind]

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()
            self._arrivals = {"cdx": 0, "capture": 0, "other": 0}

    # -- serving (server threads) --------------------------------------------------------------

    def _take_fault(self, kind: Kind) -> _Fault | None:
        for fault in self._faults:
            if fault.kind != kind or fault.times <= 0:
                continue
            if fault.after > 0:
                fault.after -= 1
                return None
            fault.times -= 1
            return fault
        return None

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        arrived = time.monotonic()
        parts = urlsplit(handler.path)
        kind: Kind = (
            "cdx"
            if parts.path == "/cdx/search/cdx"
            else "capture"
            if parts.path.startswith("/web/")
            else "other"
        )
        params = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        timestamp = _capture_timestamp(handler.path) if kind == "capture" else None
        with self._lock:
            self._arrivals[kind] += 1
            fault = self._take_fault(kind)
        if fault is not None and fault.delay:
            self._stopping.wait(fault.delay)
        if fault is not None and fault.status is not None:
            answer = _Answer(
                fault.status,
                f"<html><body>HTTP {fault.status}</body></html>".encode(),
                {"Content-Type": "text/html"},
            )
        elif kind == "cdx":
            answer = self._cdx(params)
        elif kind == "capture" and timestamp is not None:
            with self._lock:
                answer = self._captures.get(timestamp) or _Answer(404, b"not archived")
        else:
            answer = _Answer(404, b"not found")
        with self._lock:
            self._log.append(
                ArchiveRequest(
                    kind,
                    handler.path,
                    params,
                    timestamp,
                    arrived,
                    answer.status,
                    handler.headers.get("User-Agent", ""),
                )
            )
        _send(handler, answer)

    def _cdx(self, params: dict[str, str]) -> _Answer:
        if params.get("output") != "json":
            return _Answer(400, b"the emulator speaks output=json only")
        fields = params.get("fl", ",".join(DEFAULT_FIELDS)).split(",")
        with self._lock:
            entries = sorted(self._entries, key=lambda entry: entry.sort_key)
        entries = [entry for entry in entries if _in_range(entry, params) and self._passes(entry, params)]
        offset = int(params["resumeKey"].rsplit(" ", 1)[1]) if "resumeKey" in params else 0
        limit = int(params.get("limit", "0")) or len(entries)
        page = entries[offset : offset + limit]
        if params.get("collapse") == "digest":
            page = _collapse(page)
        body: list[Any] = [fields] if page else []
        body += [
            entry.raw if entry.raw is not None else [entry.fields().get(name, "") for name in fields]
            for entry in page
        ]
        more = offset + limit < len(entries)
        if more and params.get("showResumeKey") == "true":
            body += [[], [f"{params.get('url', '')} {offset + limit}"]]
        return _Answer(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def _passes(self, entry: _Entry, params: dict[str, str]) -> bool:
        if entry.raw is not None:
            return True
        if entry.original != params.get("url"):
            return False
        wanted = params.get("filter", "")
        return not (
            self.honour_filter
            and wanted.startswith("statuscode:")
            and entry.status != wanted.split(":", 1)[1]
        )


def _in_range(entry: _Entry, params: dict[str, str]) -> bool:
    key = entry.sort_key[:14]
    start = params.get("from", "").ljust(14, "0")
    end = params.get("to", "").ljust(14, "9") if params.get("to") else "9" * 14
    return start <= key <= end


def _collapse(page: list[_Entry]) -> list[_Entry]:
    """Fold a row into the one just before it when both have the same digest."""
    kept: list[_Entry] = []
    for entry in page:
        previous = kept[-1] if kept else None
        if (
            previous is not None
            and entry.raw is None
            and previous.raw is None
            and previous.digest == entry.digest
        ):
            continue
        kept.append(entry)
    return kept


def _capture_timestamp(path: str) -> str | None:
    rest = path[len("/web/") :]
    stamp, _, _original = rest.partition("/")
    return stamp.removesuffix("id_") if stamp.endswith("id_") else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], *, archive: WaybackEmulator
    ):
        self.archive = archive
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hang up on purpose (cancelled backfills)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.archive.serve(self)


def _send(handler: BaseHTTPRequestHandler, answer: _Answer) -> None:
    try:
        handler.send_response(answer.status)
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(answer.body)))
        handler.end_headers()
        handler.wfile.write(answer.body)
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True
