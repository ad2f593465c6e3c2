"""The ``policywatch`` command line. Each module registers its commands on ``app``.

Building the help (and any command) imports every module listed below, so these modules import nothing heavy
at top level: each command imports the storage layer, the pipeline, the web app... inside its own function.
tests/cli/test_import_guard.py holds every command to that.
"""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.output import ColorMode, configure

app = typer.Typer(
    name="policywatch",
    help="Watch privacy policies; keep every version; alert when a change is material.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain (click) help and usage errors: typer's rich help imports rich's Markdown, Syntax and Traceback
    # (pygments, markdown-it), which tripled the time ``policywatch --help`` takes.
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from monitor import __version__

        typer.echo(f"policywatch {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    color: Annotated[
        ColorMode,
        typer.Option(
            "--color",
            help="Colour output: auto (terminals only, not with NO_COLOR), always, never.",
            case_sensitive=False,
        ),
    ] = ColorMode.auto,
    no_pager: Annotated[
        bool, typer.Option("--no-pager", help="Print long output straight to the terminal ($PAGER, less).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True),
    ] = False,
) -> None:
    """Watch privacy policies; keep every version; alert when a change is material."""
    configure(color=color, pager=not no_pager)


# Importing a command module registers its commands on ``app``.
from monitor.cli import (  # noqa: E402,F401
    alerts,
    backfill,
    compare,
    core,
    demo,
    discover,
    doctor,
    history,
    migrate,
    ota,
    run,
    serve,
)


def main() -> None:
    app()
