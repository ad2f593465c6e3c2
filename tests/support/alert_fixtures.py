"""Fixtures for alert tests: SMTP servers (plain, STARTTLS + AUTH, implicit TLS) and a webhook receiver.

Registered in ``tests/conftest.py``. Every server listens on 127.0.0.1 with a free port and is stopped after
the test; the self-signed certificate is made once per test process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.support.smtp import Certificate, SmtpServer, self_signed_certificate
from tests.support.webhook import WebhookReceiver

SMTP_USER = ("alerts", "s3cret-pass")
#: Engines opened by ``tests.support.outbox.make_outbox``; disposed after each test.
OPEN_ENGINES: list[Engine] = []


@pytest.fixture(scope="session")
def smtp_certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    folder: Path = tmp_path_factory.mktemp("smtp-tls")
    return self_signed_certificate(folder)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Plain SMTP, no TLS, no AUTH."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def smtp_starttls_server(smtp_certificate: Certificate) -> Iterator[SmtpServer]:
    """STARTTLS required, then AUTH (LOGIN or PLAIN) with ``SMTP_USER``."""
    with SmtpServer(tls=smtp_certificate, starttls=True, auth=SMTP_USER) as server:
        yield server


@pytest.fixture
def smtp_ssl_server(smtp_certificate: Certificate) -> Iterator[SmtpServer]:
    """Implicit TLS (SMTPS) with AUTH."""
    with SmtpServer(tls=smtp_certificate, implicit_tls=True, auth=SMTP_USER) as server:
        yield server


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(autouse=True)
def _dispose_outbox_engines() -> Iterator[None]:
    """Close what ``tests.support.outbox.make_outbox`` opened, so no connection outlives its test."""
    yield
    while OPEN_ENGINES:
        OPEN_ENGINES.pop().dispose()
