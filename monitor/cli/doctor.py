"""``doctor``: is this installation able to work? The config, its secrets, and the database's health."""

from __future__ import annotations

from typing import Any

import typer

from monitor.cli import app
from monitor.cli.common import EXIT_CONFIG, EXIT_STORAGE, ConfigOption, JsonOption, console, handle_errors

MARKS = {"ok": "[green]ok[/]  ", "warn": "[yellow]warn[/]", "fail": "[red]FAIL[/]", "skip": "[dim]skip[/]"}


@app.command()
@handle_errors
def doctor(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Check the config and its secrets, then the database: opens, writable, PRAGMA integrity_check (SQLite),
    schema revision, tables. Exits 3 if the database has a problem, 2 if only the config does."""
    from rich.markup import escape

    from monitor.cli.common import print_json, settings_from
    from monitor.config import default_config_path, missing_secrets
    from storage.doctor import Finding, diagnose
    from storage.engine import make_engine

    path = config if config is not None else default_config_path()
    settings = settings_from(path)  # an invalid config is a config error (exit 2) before anything else
    findings = [Finding("config", "ok", f"{path}: valid, {len(settings.policies)} policies")]
    findings += [Finding("secrets", "fail", f"{path}: {problem}") for problem in missing_secrets(settings)]
    engine = make_engine(settings.database_url)
    try:
        findings += diagnose(engine)
    finally:
        engine.dispose()
    rows: list[dict[str, Any]] = [
        {"check": item.check, "status": item.status, "detail": item.detail} for item in findings
    ]
    if as_json:
        print_json(rows)
    else:
        for item in findings:
            console.print(f"{MARKS[item.status]} {item.check:<9} {escape(item.detail)}", soft_wrap=True)
    if any(item.failed for item in findings if item.check not in {"config", "secrets"}):
        raise typer.Exit(EXIT_STORAGE)
    if any(item.failed for item in findings):
        raise typer.Exit(EXIT_CONFIG)
