"""The e-mail transport against a real SMTP server on 127.0.0.1: plain, STARTTLS + AUTH, implicit TLS."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from monitor.config import EmailNotifierSettings
from monitor.errors import DeliveryError
from notifiers import build_transport
from notifiers.compose import compose_email
from notifiers.email import EmailTransport
from tests.notifiers.helpers import BASE_URL, corpus_message, send_once
from tests.support.alert_fixtures import SMTP_USER
from tests.support.smtp import SmtpServer

PASSWORD_ENV = "POLICYWATCH_TEST_SMTP_PASSWORD"


def notifier(values: dict[str, Any]) -> tuple[EmailTransport, EmailNotifierSettings]:
    settings = EmailNotifierSettings.model_validate(values)
    built = build_transport("mail", settings)
    assert isinstance(built, EmailTransport)
    return built, settings


def composed(settings: EmailNotifierSettings, **facts: Any) -> Any:
    return compose_email([corpus_message(**facts)], settings, sent_at=datetime.now(UTC))


async def test_plain_smtp_delivers_one_multipart_alternative_message(smtp_server: SmtpServer) -> None:
    await send_once(*notifier(smtp_server.settings()))

    [received] = smtp_server.wait_for_messages(1)
    message = received.message
    assert received.mail_from == "policywatch@alerts.example"
    assert received.rcpt_tos == ("privacy-team@example.org",)
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert "Words: QNET [-does not-]{+may+} share" in text.get_content()
    assert f"{BASE_URL}/policies/qnet/changes/7" in text.get_content()
    assert "<del style=" in html.get_content() and "<style" not in html.get_content()
    assert message["Subject"].startswith("[policywatch] HIGH: qnet privacy policy now allows sale of data")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@alerts.example>")
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["To"] == "privacy-team@example.org"


async def test_one_pass_sends_over_one_session_and_a_resend_keeps_its_message_id(
    smtp_server: SmtpServer,
) -> None:
    mail, settings = notifier(smtp_server.settings())
    await mail.send(composed(settings))
    await mail.send(composed(settings))
    await mail.send(composed(settings, key="change:8:mail"))
    await mail.close()

    received = smtp_server.wait_for_messages(3)
    ids = [item.message["Message-ID"] for item in received]
    assert ids[0] == ids[1] != ids[2]
    assert len({item.peer for item in received}) == 1


async def test_a_session_the_server_dropped_is_replaced_without_losing_the_message(
    smtp_server: SmtpServer,
) -> None:
    mail, settings = notifier(smtp_server.settings())
    await mail.send(composed(settings))
    smtp_server.stop()  # drops the open session, as an idle timeout or a restart would
    smtp_server.start()
    await mail.send(composed(settings, key="change:8:mail"))
    await mail.close()

    first, second = smtp_server.wait_for_messages(2)
    assert first.peer != second.peer


async def test_starttls_with_self_signed_certificate_and_auth(
    smtp_starttls_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, SMTP_USER[1])
    await send_once(*notifier(smtp_starttls_server.settings(password_env=PASSWORD_ENV)))

    [received] = smtp_starttls_server.wait_for_messages(1)
    assert received.tls and received.login == SMTP_USER[0]
    assert received.message.get_content_type() == "multipart/alternative"


# aiosmtpd cannot see TLS it did not negotiate itself, so it warns about AUTH on an implicit-TLS port.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_implicit_tls_with_auth(smtp_ssl_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, SMTP_USER[1])
    await send_once(*notifier(smtp_ssl_server.settings(password_env=PASSWORD_ENV)))

    [received] = smtp_ssl_server.wait_for_messages(1)
    assert received.tls and received.login == SMTP_USER[0]


async def test_wrong_password_is_a_retryable_failure_that_never_shows_the_password(
    smtp_starttls_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "wrong-password-123")
    with pytest.raises(DeliveryError) as caught:
        await send_once(*notifier(smtp_starttls_server.settings(password_env=PASSWORD_ENV)))

    assert not caught.value.permanent
    assert "535" in str(caught.value) and "wrong-password-123" not in str(caught.value)
    assert smtp_starttls_server.auth_failures >= 1 and smtp_starttls_server.messages == []


async def test_unset_password_variable_names_the_variable(
    smtp_starttls_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(
        DeliveryError, match=f"notifiers.mail.password_env: environment variable {PASSWORD_ENV}"
    ):
        await send_once(*notifier(smtp_starttls_server.settings(password_env=PASSWORD_ENV)))


async def test_untrusted_certificate_is_refused(
    smtp_starttls_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, SMTP_USER[1])
    settings = smtp_starttls_server.settings(password_env=PASSWORD_ENV, ca_file=None)
    with pytest.raises(DeliveryError, match="certificate verify failed"):
        await send_once(*notifier(settings))
    assert smtp_starttls_server.messages == []


async def test_verify_tls_false_accepts_a_self_signed_certificate(
    smtp_starttls_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, SMTP_USER[1])
    settings = smtp_starttls_server.settings(password_env=PASSWORD_ENV, ca_file=None, verify_tls=False)
    await send_once(*notifier(settings))
    assert len(smtp_starttls_server.wait_for_messages(1)) == 1


async def test_server_down_is_a_retryable_failure(smtp_server: SmtpServer) -> None:
    smtp_server.stop()
    with pytest.raises(DeliveryError) as caught:
        await send_once(*notifier(smtp_server.settings()))
    assert not caught.value.permanent and f"127.0.0.1:{smtp_server.port}" in str(caught.value)


@pytest.mark.parametrize(
    ("reply", "permanent"), [("451 4.3.0 try again later", False), ("554 5.7.1 rejected as spam", True)]
)
async def test_smtp_reply_codes_decide_whether_to_retry(
    smtp_server: SmtpServer, reply: str, permanent: bool
) -> None:
    smtp_server.reply_next(reply)
    with pytest.raises(DeliveryError) as caught:
        await send_once(*notifier(smtp_server.settings()))
    assert caught.value.permanent is permanent and reply.split()[0] in str(caught.value)
