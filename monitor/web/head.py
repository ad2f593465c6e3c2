"""``HEAD`` on every ``GET`` route, as HTTP requires (RFC 9110 §9.3.2) and as monitors and link checkers use.

FastAPI routes answer only the methods they declare, so ``HEAD /`` was a 405. This ASGI middleware runs a
HEAD request as the GET it stands for and sends the status and headers (Content-Length included) without
the body. Methods other than HEAD pass through untouched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # A copy: the server keeps its own scope, and with it the knowledge that no body may be sent.
        await self.app({**scope, "method": "GET"}, receive, headers_only)
