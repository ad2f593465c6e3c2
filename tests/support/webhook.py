"""A webhook receiver on 127.0.0.1: records every POST, and can answer errors for a while.

::

    with WebhookReceiver() as hook:
        hook.fail(status=500, times=2)      # the next two POSTs get 500, then 204 again
        ...
        hook.wait_for(1)
        hook.json()[0]["severity"]

``accepted`` holds the POSTs answered 2xx (what counts as delivered), ``requests`` every POST, failed
ones included. It is a :class:`tests.support.site.LoopbackSite` with one route, so faults behave
exactly as for the policy sites.
"""

from __future__ import annotations

import json
import threading
from types import TracebackType
from typing import Any, Self

from tests.support.polling import wait_until
from tests.support.site import LoopbackSite, RecordedRequest, Response

PATH = "/hooks/policywatch"


class WebhookReceiver:
    def __init__(self, *, status: int = 204) -> None:
        self.site = LoopbackSite()
        self._status = status
        self._lock = threading.Lock()
        self._accepted: list[RecordedRequest] = []

    def start(self) -> Self:
        self.site.start()
        self.site.handle(PATH, self._receive)
        return self

    def _receive(self, request: RecordedRequest) -> Response:
        # Faults are answered before this handler runs, so it only sees requests it answers itself.
        with self._lock:
            status = self._status
            if 200 <= status < 300 and request.method == "POST":
                self._accepted.append(request)
        return Response(status, b"")

    def stop(self) -> None:
        self.site.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self.site.url(PATH)

    def answer(self, status: int) -> None:
        """From now on, answer every POST with ``status``."""
        with self._lock:
            self._status = status

    def fail(self, status: int = 500, *, times: int | None = None, body: str = "") -> None:
        """Answer the next ``times`` POSTs (every one, if None) with ``status``."""
        self.site.fail(PATH, status, times=times, body=body)

    def recover(self) -> None:
        self.site.clear_fault(PATH)

    @property
    def requests(self) -> list[RecordedRequest]:
        return [request for request in self.site.requests_to(PATH) if request.method == "POST"]

    @property
    def accepted(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._accepted)

    def json(self) -> list[Any]:
        """The bodies of the accepted POSTs, parsed."""
        return [json.loads(request.body) for request in self.accepted]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """Wait until ``count`` POSTs were accepted."""
        wait_until(lambda: len(self.accepted) >= count, timeout=timeout)
        return self.accepted

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """A ``[notifiers.<id>]`` table posting to this receiver."""
        return {"kind": "webhook", "url": self.url, "timeout": "5s", **overrides}
