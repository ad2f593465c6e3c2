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
from monitor.errors import ConfigError, NotFound, PolicywatchError, StorageError

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


def settings_from(path: Path | None, *, secrets: bool = False) -> Settings:
    """The config; with ``secrets``, refuse it while a ``*_env`` key names an unset variable (start-up check
    of the commands that deliver alerts or serve the UI, so a missing password is not found at delivery)."""
    from monitor.config import default_config_path, load_config, require_secrets

    config_path = path if path is not None else default_config_path()
    settings = load_config(config_path)
    if secrets:
        require_secrets(settings, config_path)
    return settings


def open_engine(settings: Settings, *, check_schema: bool = True, readonly: bool = False) -> Engine:
    from storage.engine import make_engine

    _opened.append(settings.database_url)
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


def database_fault_of(error: BaseException) -> StorageError | None:
    """The one-line StorageError for a database failure that escaped as a driver error, else None.

    Looked up lazily: a command that never touched the database never imports SQLAlchemy for this.
    """
    if "sqlalchemy" not in sys.modules:
        return None
    from storage.engine import database_fault, is_database_fault, is_unreadable_value

    if not (is_database_fault(error) or is_unreadable_value(error)):
        return None
    return database_fault(error, _opened[-1] if _opened else "the database")


#: The URLs this process opened, so that a fault raised far from ``open_engine`` still names the file.
_opened: list[str] = []


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn policywatch errors into a one-line message and an exit code (2 config, 3 storage, 1 other).

    A database fault (unreadable, damaged, read-only, full, unreachable) is a storage error wherever it
    was raised, so no command prints a traceback for one.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return _translated(func, *args, **kwargs)
        except ConfigError as error:
            _report("config error", error)
            raise typer.Exit(EXIT_CONFIG) from None
        except StorageError as error:
            _report("not found" if isinstance(error, NotFound) else "database error", error)
            raise typer.Exit(EXIT_STORAGE) from None
        except PolicywatchError as error:
            _report("error", error)
            raise typer.Exit(EXIT_OTHER) from None

    return wrapper


def _translated(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    try:
        return func(*args, **kwargs)
    except PolicywatchError:
        raise
    except Exception as error:
        fault = database_fault_of(error)
        if fault is None:
            raise
        raise fault from None
