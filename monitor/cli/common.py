"""What every command shares: the config option, opening the database, and turning errors into exits."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer

from monitor.cli.output import console, err_console
from monitor.errors import ConfigError, PolicywatchError, StorageError

# Nothing heavy at import time (``--help`` imports every command module): pydantic, SQLAlchemy and the
# storage layer are imported by the functions that use them.
if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from monitor.config import Settings

__all__ = ["console", "err_console"]

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: ./config.toml, or $POLICYWATCH_CONFIG).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

EXIT_CONFIG = 2
EXIT_STORAGE = 3
EXIT_OTHER = 1

P = ParamSpec("P")
R = TypeVar("R")


def settings_from(path: Path | None) -> Settings:
    from monitor.config import default_config_path, load_config

    return load_config(path if path is not None else default_config_path())


def open_engine(settings: Settings, *, check_schema: bool = True, readonly: bool = False) -> Engine:
    from storage.engine import make_engine

    engine = make_engine(settings.database_url, readonly=readonly)
    if check_schema:
        from storage.migrations import ensure_current

        ensure_current(engine)
    return engine


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _report(label: str, error: Exception) -> None:
    # soft_wrap: an error message stays on one line, so it can be grepped and copied.
    # escape: messages quote config values and page text, which may contain [brackets].
    from rich.markup import escape

    message = escape(str(error))
    err_console.print(f"[bold red]{label}[/]: {message}", markup=True, highlight=False, soft_wrap=True)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn policywatch errors into a one-line message and an exit code (2 config, 3 storage, 1 other)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ConfigError as error:
            _report("config error", error)
            raise typer.Exit(EXIT_CONFIG) from None
        except StorageError as error:
            _report("database error", error)
            raise typer.Exit(EXIT_STORAGE) from None
        except PolicywatchError as error:
            _report("error", error)
            raise typer.Exit(EXIT_OTHER) from None

    return wrapper
