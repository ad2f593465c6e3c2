"""The e-mail transport: multipart/alternative messages over SMTP with aiosmtplib.

``security`` is ``starttls`` (the default: plain connect, then STARTTLS is required), ``ssl`` (implicit TLS,
usually port 465) or ``none``. The password comes from the environment variable named by ``password_env``
and is never logged or put in an error message.
"""

from __future__ import annotations

import hashlib
import ssl
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from monitor.config import EmailNotifierSettings, NotifierSettings, secret_from_env
from monitor.errors import ConfigError, DeliveryError
from notifiers import register
from notifiers.base import AlertMessage, RenderedAlert
from notifiers.render import delivery_id, render_email
from storage.models import utcnow

#: SMTP replies that mean "fix the credentials", which an operator can do while the alert waits.
AUTH_CODES = frozenset({530, 534, 535, 538})


def message_id_for(messages: Sequence[AlertMessage], sender: str) -> str:
    """A Message-ID derived from the alert keys: a resend after a crash carries the same id."""
    domain = sender.rpartition("@")[2].strip(" >") or "policywatch.invalid"
    digest = hashlib.sha256(delivery_id(messages).encode("utf-8")).hexdigest()[:32]
    return f"<{digest}.alert@{domain}>"


def build_email(
    rendered: RenderedAlert, *, sender: str, to: Sequence[str], message_id: str, date: datetime
) -> EmailMessage:
    """The MIME message: text/plain first, then text/html, as multipart/alternative."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    # RFC 3834: an automatic message; stops vacation auto-replies and mail loops.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return message


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


@register("email")
class EmailNotifier:
    def __init__(self, notifier_id: str, settings: NotifierSettings) -> None:
        if not isinstance(settings, EmailNotifierSettings):
            raise ConfigError(f"notifiers.{notifier_id}: not an e-mail notifier")
        self.notifier_id = notifier_id
        self.settings = settings
        self.digest = settings.digest

    def _password(self) -> str | None:
        try:
            key = f"notifiers.{self.notifier_id}.password_env"
            return secret_from_env(self.settings.password_env, key=key)
        except ConfigError as error:
            # Fixable without losing the alert: set the variable and restart, the alert is retried.
            raise DeliveryError(str(error)) from None

    async def send(self, messages: Sequence[AlertMessage]) -> None:
        settings = self.settings
        now = utcnow()
        email = build_email(
            render_email(messages), sender=settings.sender, to=settings.to,
            message_id=message_id_for(messages, settings.sender), date=now,
        )
        password = self._password()
        try:
            await aiosmtplib.send(
                email,
                hostname=settings.host,
                port=settings.port,
                username=settings.username if password is not None else None,
                password=password,
                use_tls=settings.security == "ssl",
                start_tls=settings.security == "starttls",
                validate_certs=settings.verify_tls,
                tls_context=tls_context(settings) if settings.security != "none" else None,
                timeout=settings.timeout.total_seconds(),
            )
        except aiosmtplib.SMTPException as error:
            raise DeliveryError(
                f"SMTP {settings.host}:{settings.port}: {describe(error)}", permanent=is_permanent(error)
            ) from None
        except (OSError, TimeoutError) as error:  # ssl.SSLError and refused connections are OSErrors
            raise DeliveryError(f"SMTP {settings.host}:{settings.port}: {describe(error)}") from None
