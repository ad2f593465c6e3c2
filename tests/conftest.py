"""Shared fixtures: a config written to a temporary folder and an initialised database.

More fixtures live in ``tests/support`` (the loopback site, PostgreSQL, SMTP, Wayback emulator).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from monitor.config import Settings, load_config
from storage import migrations
from storage.engine import make_engine

pytest_plugins = [
    "tests.support.fixtures",
    "tests.support.postgres",
    "tests.support.wayback_fixtures",
    "tests.support.alert_fixtures",
]

ConfigFactory = Callable[..., Path]


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return str(value)


def render_config(
    *,
    storage_url: str,
    policies: list[dict[str, Any]],
    sections: dict[str, dict[str, Any]] | None = None,
    notifiers: dict[str, dict[str, Any]] | None = None,
) -> str:
    """A config.toml as text; fetch settings default to fast, polite-enough test values."""
    merged: dict[str, dict[str, Any]] = {
        "storage": {"url": storage_url},
        "fetch": {
            "timeout": "5s",
            "per_host_interval": 0,
            "retries": 1,
            "retry_backoff": "50ms",
            "user_agent": "policywatch-tests/0.1",
        },
    }
    for name, values in (sections or {}).items():
        merged.setdefault(name, {}).update(values)
    lines: list[str] = []
    for name, values in merged.items():
        lines.append(f"[{name}]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in values.items())
        lines.append("")
    for notifier_id, values in (notifiers or {}).items():
        lines.append(f"[notifiers.{notifier_id}]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in values.items())
        lines.append("")
    for policy in policies:
        lines.append("[[policies]]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in policy.items())
        lines.append("")
    return "\n".join(lines)


@pytest.fixture
def make_config(tmp_path: Path) -> ConfigFactory:
    """Write a config.toml into tmp_path; keyword arguments as for ``render_config``."""

    def factory(*, storage_url: str | None = None, **kwargs: Any) -> Path:
        path = tmp_path / "config.toml"
        url = storage_url or "sqlite:///policywatch.db"
        path.write_text(textwrap.dedent(render_config(storage_url=url, **kwargs)), encoding="utf-8")
        return path

    return factory


def initialised_engine(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url)
    migrations.upgrade(engine)
    return engine


@pytest.fixture
def load_settings() -> Callable[[Path], Settings]:
    return load_config


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    migrations.upgrade(engine)
    yield engine
    engine.dispose()
