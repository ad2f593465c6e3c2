"""``backfill``: import policies' archived versions from the Wayback Machine."""

from __future__ import annotations

import calendar
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli import app
from monitor.cli.common import (
    EXIT_OTHER,
    ConfigOption,
    JsonOption,
    console,
    err_console,
    handle_errors,
    open_engine,
    print_json,
    settings_from,
)
from monitor.errors import ArchiveError

if TYPE_CHECKING:
    from rich.progress import Progress, ProgressColumn, TaskID
    from rich.table import Table
    from sqlalchemy.engine import Engine

    from monitor.config import PolicySettings, Settings
    from monitor.run.backfill import BackfillSummary

EXIT_INTERRUPTED = 130


def parse_day(value: str | None, *, end: bool = False) -> date | None:
    """``YYYY-MM-DD``, ``YYYYMMDD``, ``YYYY-MM`` or ``YYYY``; a partial date means its first day, or its
    last day with ``end`` (so ``--until 2019`` includes all of 2019)."""
    if value is None:
        return None
    digits = value.strip().replace("-", "")
    try:
        if len(digits) == 8 and digits.isdigit():
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        if len(digits) == 6 and digits.isdigit():
            year, month = int(digits[:4]), int(digits[4:])
            return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
        if len(digits) == 4 and digits.isdigit():
            return date(int(digits), 12, 31) if end else date(int(digits), 1, 1)
    except ValueError:
        pass
    raise typer.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD")


def backfill_columns() -> tuple[ProgressColumn, ...]:
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

    return (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("fetched {task.fields[fetched]}"),
        TextColumn("new {task.fields[new]}"),
        TimeElapsedColumn(),
    )


class _Bars:
    """One progress row per policy: captures handled of those listed, plus fetched and new versions."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def update(self, summary: BackfillSummary) -> None:
        task = self.tasks.get(summary.policy)
        if task is None:
            task = self.progress.add_task(summary.policy, total=None, fetched=0, new=0)
            self.tasks[summary.policy] = task
        self.progress.update(
            task,
            total=summary.listed or None,
            completed=summary.processed,
            fetched=summary.fetched,
            new=summary.new_versions,
        )


async def _run(
    settings: Settings,
    engine: Engine,
    policies: list[PolicySettings],
    since: date | None,
    until: date | None,
    notify: bool,
    bars: _Bars | None,
) -> list[BackfillSummary | str]:
    from monitor.run.backfill import BackfillSummary, backfill_policy
    from monitor.sources.wayback import WaybackClient

    results: list[BackfillSummary | str] = []
    async with WaybackClient(settings, engine) as wayback:
        for policy in policies:
            try:
                results.append(
                    await backfill_policy(
                        settings,
                        engine,
                        policy,
                        since=since,
                        until=until,
                        notify=notify,
                        progress=bars.update if bars else None,
                        client=wayback,
                    )
                )
            except ArchiveError as error:
                results.append(f"{policy.name}: {error}")
    if notify and any(isinstance(result, BackfillSummary) and result.alerts for result in results):
        from monitor.cli.core import deliver_after_check

        await deliver_after_check(settings, engine)
    return results


def _table(results: list[BackfillSummary | str]) -> Table:
    from rich.table import Table

    table = Table("policy", "listed", "known", "fetched", "new versions", "unchanged", "skipped", "state")
    for result in results:
        if isinstance(result, str):
            name, _, message = result.partition(": ")
            table.add_row(name, "", "", "", "", "", "", f"[red]error: {message}[/]")
            continue
        skipped = result.anomalies + result.redirects + result.revisits + result.duplicates + result.malformed
        state = "[green]complete[/]" if result.complete else f"[yellow]{result.failed} failed; run again[/]"
        table.add_row(
            result.policy,
            str(result.listed),
            str(result.skipped_known),
            str(result.fetched),
            str(result.new_versions),
            str(result.unchanged),
            str(skipped + result.unusable),
            state,
        )
    return table


@app.command()
@handle_errors
def backfill(
    names: Annotated[list[str], typer.Argument(help="Policies to backfill.", show_default=False)],
    since: Annotated[str | None, typer.Option("--since", help="First day (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last day, included (YYYY-MM-DD).")] = None,
    notify: Annotated[
        bool, typer.Option("--notify", help="Send one digest of the material changes found.")
    ] = False,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import archived versions from the Wayback Machine into the policies' history.

    Re-running fetches nothing already stored; an interrupted run resumes where it stopped.
    """
    import asyncio
    from dataclasses import asdict

    from rich.progress import Progress

    from monitor.run.backfill import BackfillSummary
    from storage import queries
    from storage.engine import session_scope

    first, last = parse_day(since), parse_day(until, end=True)
    if first and last and first > last:
        raise typer.BadParameter("--since is after --until")
    settings = settings_from(config)
    policies = [settings.policy(name) for name in names]
    engine = open_engine(settings)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    show = not as_json and console.is_terminal
    try:
        with Progress(*backfill_columns(), console=console, disable=not show, transient=True) as progress:
            bars = _Bars(progress)
            results = asyncio.run(_run(settings, engine, policies, first, last, notify, bars))
    except KeyboardInterrupt:
        err_console.print("interrupted: run the same command again to resume where it stopped")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if as_json:
        print_json([asdict(r) if isinstance(r, BackfillSummary) else {"error": r} for r in results])
    else:
        console.print(_table(results))
    if not all(isinstance(result, BackfillSummary) and result.complete for result in results):
        raise typer.Exit(EXIT_OTHER)
