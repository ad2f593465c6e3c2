"""A real SMTP server on 127.0.0.1 for alert tests: aiosmtpd in a thread, collecting parsed messages.

::

    with SmtpServer() as smtp:                               # plain SMTP on a free port
    with SmtpServer(tls=cert, starttls=True, auth=("u", "p")) as smtp:   # STARTTLS required, then AUTH
    with SmtpServer(tls=cert, implicit_tls=True) as smtp:   # SMTPS (TLS from the first byte)
        ...
        smtp.stop()      # an outage: connections are refused
        smtp.start()     # back on the same port
        smtp.wait_for_messages(1)

``self_signed_certificate(folder)`` makes a certificate for 127.0.0.1 with the ``openssl`` command.
"""

from __future__ import annotations

import email
import email.policy
import ssl
import subprocess
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.support.polling import wait_until


@dataclass(frozen=True)
class Certificate:
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def self_signed_certificate(folder: Path) -> Certificate:
    """A one-day certificate for 127.0.0.1 and localhost (an EC key: fast to make)."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return Certificate(cert, key)


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes
    login: str | None
    tls: bool
    peer: tuple[str, int]  # the client's address: one value per SMTP session


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = self.server._take_reply()
        if reply is not None:
            return reply
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        transport = server.transport
        tls = transport is not None and transport.get_extra_info("ssl_object") is not None
        peer = tuple(session.peer[:2]) if isinstance(session.peer, tuple) else ("", 0)
        self.server._store(
            Received(str(envelope.mail_from), tuple(envelope.rcpt_tos), parsed, raw, login, tls, peer)
        )
        return "250 Message accepted"


class _PortZeroController(Controller):
    """aiosmtpd's Controller, bound to port 0 the first time and to the same port after a restart."""

    async def _bind(self) -> Any:
        server = await self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context,
            reuse_address=True,
        )
        self.port = server.sockets[0].getsockname()[1]
        return server

    def _create_server(self) -> Any:
        return self._bind()


class SmtpServer:
    def __init__(
        self,
        *,
        tls: Certificate | None = None,
        starttls: bool = False,
        implicit_tls: bool = False,
        auth: tuple[str, str] | None = None,
    ) -> None:
        self._tls, self._starttls, self._implicit = tls, starttls, implicit_tls
        self._auth = auth
        self._lock = threading.Lock()
        self._messages: list[Received] = []
        self._replies: list[str] = []
        self._controller: _PortZeroController | None = None
        self.port = 0
        self.auth_failures = 0

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Self:
        kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": self.port, "ready_timeout": 10}
        if self._tls is not None and self._implicit:
            kwargs["ssl_context"] = self._tls.server_context()
        if self._tls is not None and self._starttls:
            kwargs.update(tls_context=self._tls.server_context(), require_starttls=True)
        if self._auth is not None:
            # aiosmtpd only knows about TLS it negotiated itself (STARTTLS), not implicit TLS.
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=self._starttls)
        controller = _PortZeroController(_Handler(self), **kwargs)
        controller.start()
        self._controller, self.port = controller, controller.port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- scripting ---------------------------------------------------------------------------------

    def reply_next(self, reply: str, times: int = 1) -> None:
        """Answer the next ``times`` DATA commands with ``reply`` (e.g. ``"451 try later"``)."""
        with self._lock:
            self._replies.extend([reply] * times)

    def _take_reply(self) -> str | None:
        with self._lock:
            return self._replies.pop(0) if self._replies else None

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert self._auth is not None
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(), auth_data.password.decode()
        ) == self._auth
        if not ok:
            self.auth_failures += 1
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    # -- observing ---------------------------------------------------------------------------------

    def _store(self, received: Received) -> None:
        with self._lock:
            self._messages.append(received)

    @property
    def messages(self) -> list[Received]:
        with self._lock:
            return list(self._messages)

    def wait_for_messages(self, count: int, timeout: float = 10.0) -> list[Received]:
        wait_until(lambda: len(self.messages) >= count, timeout=timeout)
        return self.messages

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """A ``[notifiers.<id>]`` table for this server (security follows how it was started)."""
        security = "ssl" if self._implicit else "starttls" if self._starttls else "none"
        values: dict[str, Any] = {
            "kind": "email", "host": "127.0.0.1", "port": self.port, "security": security,
            "from": "policywatch@alerts.example", "to": ["privacy-team@example.org"], "timeout": "5s",
        }
        if self._tls is not None:
            values["ca_file"] = str(self._tls.cert_file)
        if self._auth is not None:
            values["username"] = self._auth[0]
        values.update(overrides)
        return values
