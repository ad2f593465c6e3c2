"""The e-mail transport: multipart/alternative messages over SMTP with aiosmtplib.

``security`` is ``starttls`` (the default: plain connect, then STARTTLS is required), ``ssl`` (implicit TLS,
usually port 465) or ``none``. The password comes from the environment variable named by ``password_env``
and is never logged or put in an error message.
"""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from monitor.config import EmailNotifierSettings, NotifierSettings, secret_from_env
from monitor.errors import ConfigError, DeliveryError
from notifiers.base import Message

#: SMTP replies that mean "fix the credentials", which an operator can do while the alert waits.
AUTH_CODES = frozenset({530, 534, 535, 538})


def build_email(message: Message) -> EmailMessage:
    """The MIME message: text/plain first, then text/html, as multipart/alternative.

    The email library refuses a header value with CR or LF (``ValueError``): such a message fails to
    send like any other, and the delivery loop records it against this notifier alone.
    """
    email = EmailMessage()
    email["From"] = message.sender
    email["To"] = ", ".join(message.recipients)
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.sent_at)
    email["Message-ID"] = message.message_id
    for name, value in message.headers:
        email[name] = value
    email.set_content(message.text, subtype="plain", charset="utf-8")
    email.add_alternative(message.html, subtype="html", charset="utf-8")
    return email


def is_permanent(error: aiosmtplib.SMTPException) -> bool:
    """A 5xx reply (other than an authentication problem) will not change on retry."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(is_permanent(refused) for refused in error.recipients)
    code = getattr(error, "code", None)
    return isinstance(code, int) and code >= 500 and code not in AUTH_CODES


def describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"


def tls_context(settings: EmailNotifierSettings) -> ssl.SSLContext | None:
    """A context trusting ``ca_file`` (a self-signed server); None keeps the system's trust store."""
    if settings.ca_file is None or not settings.verify_tls:
        return None
    return ssl.create_default_context(cafile=settings.ca_file)


class EmailTransport:
    """Sends over one SMTP session per delivery pass, opened at the first message."""

    def __init__(self, notifier_id: str, settings: NotifierSettings) -> None:
        if not isinstance(settings, EmailNotifierSettings):
            raise ConfigError(f"notifiers.{notifier_id}: not an e-mail notifier")
        self.notifier_id = notifier_id
        self.settings = settings
        self._client: aiosmtplib.SMTP | None = None

    def _password(self) -> str | None:
        try:
            key = f"notifiers.{self.notifier_id}.password_env"
            return secret_from_env(self.settings.password_env, key=key)
        except ConfigError as error:
            # Fixable without losing the alert: set the variable and restart, the alert is retried.
            raise DeliveryError(str(error)) from None

    async def _session(self, password: str | None) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        self._drop()  # a session the server closed still holds its transport
        settings = self.settings
        client = aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.port,
            use_tls=settings.security == "ssl",
            start_tls=settings.security == "starttls",  # connect() then requires STARTTLS
            validate_certs=settings.verify_tls,
            tls_context=tls_context(settings) if settings.security != "none" else None,
            timeout=settings.timeout.total_seconds(),
        )
        try:
            await client.connect()
            if settings.username is not None and password is not None:
                await client.login(settings.username, password)
        except BaseException:
            client.close()  # a half-open session (refused TLS, wrong password) must not leak its socket
            raise
        self._client = client
        return client

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    async def _deliver(self, email: EmailMessage, password: str | None) -> None:
        reused = self._client is not None and self._client.is_connected
        client = await self._session(password)
        try:
            await client.send_message(email)
        except aiosmtplib.SMTPServerDisconnected:
            if not reused:
                raise
            # The server closed the idle session between two messages: once more, on a new one.
            self._drop()
            await (await self._session(password)).send_message(email)

    async def send(self, message: Message) -> None:
        settings = self.settings
        email = build_email(message)
        password = self._password()
        where = f"SMTP {settings.host}:{settings.port}"
        try:
            await self._deliver(email, password)
        except aiosmtplib.SMTPException as error:
            self._drop()
            raise DeliveryError(f"{where}: {describe(error)}", permanent=is_permanent(error)) from None
        except (OSError, TimeoutError) as error:  # ssl.SSLError and refused connections are OSErrors
            self._drop()
            raise DeliveryError(f"{where}: {describe(error)}") from None

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            client.close()  # the messages are delivered; a rude goodbye loses nothing
