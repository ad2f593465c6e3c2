"""``policywatch run``: the daemon."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli import app
from monitor.cli.common import ConfigOption, handle_errors, open_engine, settings_from

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from monitor.config import Settings


def open_daemon_engine(settings: Settings) -> Engine:
    """Create a missing database; refuse one whose schema is behind (``policywatch upgrade`` first)."""
    from storage import migrations

    engine = open_engine(settings, check_schema=False)
    if migrations.current_revision(engine) is None:
        migrations.upgrade(engine)
    migrations.ensure_current(engine)
    return engine


class LogFormat(StrEnum):
    auto = "auto"
    text = "text"
    json = "json"


@app.command()
@handle_errors
def run(
    config: ConfigOption = None,
    log_format: Annotated[
        LogFormat,
        typer.Option(
            "--log-format",
            help="auto: readable lines on a terminal, JSON lines otherwise (systemd, log shippers).",
            case_sensitive=False,
        ),
    ] = LogFormat.auto,
) -> None:
    """Monitor every policy on its schedule until SIGTERM or Ctrl-C. Logs go to stderr: a line per check
    and a summary per pass on a terminal, JSON lines otherwise."""
    import asyncio

    from monitor.run.daemon import run_daemon
    from monitor.run.observe import configure_logging

    settings = settings_from(config, secrets=True)
    engine = open_daemon_engine(settings)
    configure_logging(log_format=log_format.value)
    try:
        asyncio.run(run_daemon(settings, engine))
    finally:
        engine.dispose()
