"""The ``policywatch`` command line. Each module registers its commands on ``app``."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="policywatch",
    help="Watch privacy policies; keep every version; alert when a change is material.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Importing a command module registers its commands on ``app``.
from monitor.cli import alerts, backfill, compare, core, migrate, ota, run, serve  # noqa: E402,F401


def main() -> None:
    app()
