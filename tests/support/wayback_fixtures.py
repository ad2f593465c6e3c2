"""Pytest fixtures for backfill tests (registered in ``tests/conftest.py``): the emulator and settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor.config import Settings, load_config
from tests.support.wayback import ARCHIVED_URL, WaybackEmulator


@pytest.fixture
def wayback_archive() -> Iterator[WaybackEmulator]:
    """A started :class:`WaybackEmulator`, stopped after the test."""
    with WaybackEmulator() as archive:
        yield archive


@pytest.fixture
def archive_settings(
    make_config: Callable[..., Path], wayback_archive: WaybackEmulator
) -> Callable[..., Settings]:
    """Settings for one policy ``acme`` (at ``url``) archived by the emulator, with fast test rates.

    Keyword arguments override ``[wayback]`` keys; ``policy`` adds keys to the policy. A webhook notifier
    ``team`` is declared at ``hook_url`` (by default a closed port: ``backfill_policy`` only queues alerts).
    """

    def factory(
        *,
        url: str = ARCHIVED_URL,
        policy: dict[str, Any] | None = None,
        hook_url: str = "http://127.0.0.1:9/hook",
        **wayback: Any,
    ) -> Settings:
        values = {
            "base_url": wayback_archive.base_url,
            "requests_per_minute": 600,
            "captures_per_second": 20,
            "rate_limit_pause": "1s",
            "retries": 2,
            **wayback,
        }
        path = make_config(
            policies=[{"name": "acme", "url": url, **(policy or {})}],
            sections={"wayback": values},
            notifiers={"team": {"kind": "webhook", "url": hook_url}},
        )
        return load_config(path)

    return factory
