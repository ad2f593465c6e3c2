"""Core commands: init, upgrade, check (history, show and status are in monitor/cli/history.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor.cli import app
from monitor.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    handle_errors,
    open_engine,
    print_json,
    settings_from,
)

if TYPE_CHECKING:
    from monitor.config import PolicySettings, Settings
    from monitor.pipeline.chain import CheckOutcome
    from monitor.run.delivery import DeliverySummary


@app.command()
@handle_errors
def init(config: ConfigOption = None) -> None:
    """Create the database (or bring it up to date) and register the configured policies."""
    from storage import migrations, queries
    from storage.engine import session_scope

    settings = settings_from(config)
    engine = open_engine(settings, check_schema=False)
    migrations.upgrade(engine)
    with session_scope(engine) as session:
        rows = queries.sync_policies(session, settings)
    console.print(
        f"database ready at {engine.url.render_as_string(hide_password=True)}; {len(rows)} policies"
    )


@app.command()
@handle_errors
def upgrade(config: ConfigOption = None) -> None:
    """Apply pending schema migrations."""
    from storage import migrations

    settings = settings_from(config)
    engine = open_engine(settings, check_schema=False)
    before = migrations.current_revision(engine)
    migrations.upgrade(engine)
    console.print(f"schema: {before or 'empty'} → {migrations.head_revision()}")


def _select(settings: Settings, names: list[str] | None) -> list[PolicySettings]:
    if names:
        return [settings.policy(name) for name in names]
    return [policy for policy in settings.policies if policy.enabled]


async def _check(
    settings: Settings, policies: list[PolicySettings], show_progress: bool
) -> tuple[list[CheckOutcome], DeliverySummary]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from monitor.pipeline.chain import Pipeline
    from monitor.sources.fetch import Fetcher
    from storage import queries
    from storage.engine import session_scope

    engine = open_engine(settings)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    async with Fetcher(settings.fetch) as fetcher:
        pipeline = Pipeline(settings, engine, fetcher, worker="cli")
        with Progress(
            TextColumn("checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not show_progress,
            transient=True,
        ) as progress:
            task = progress.add_task("check", total=len(policies))
            outcomes = await pipeline.check_all(policies, on_done=lambda _o: progress.advance(task))
        deliveries = await deliver_after_check(settings, engine)
    return outcomes, deliveries


async def deliver_after_check(settings: Settings, engine: Any) -> DeliverySummary:
    """A one-shot check delivers the alerts it queued before it exits; returns the DeliverySummary."""
    from monitor.run.delivery import deliver_pending

    return await deliver_pending(settings, engine, worker="cli")


def _outcome_row(outcome: CheckOutcome) -> dict[str, Any]:
    return {
        "policy": outcome.policy,
        "outcome": outcome.outcome,
        "http_status": outcome.http_status,
        "version": outcome.version_number,
        "change_id": outcome.change_id,
        "material": outcome.material,
        "severity": outcome.severity,
        "alerts": outcome.alerts,
        "error": outcome.error,
        "duration_ms": outcome.duration_ms,
    }


@app.command()
@handle_errors
def check(
    names: Annotated[list[str] | None, typer.Argument(help="Policies to check (default: all).")] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fetch policies now and store new versions. Exits 0 even when some sites fail (they are reported)."""
    import asyncio

    from rich.table import Table

    settings = settings_from(config, secrets=True)
    policies = _select(settings, names)
    outcomes, deliveries = asyncio.run(
        _check(settings, policies, show_progress=not as_json and console.is_terminal)
    )
    if as_json:
        print_json([_outcome_row(outcome) for outcome in outcomes])
        return
    table = Table("policy", "outcome", "version", "judgement", "detail")
    for outcome in outcomes:
        style = (
            "red"
            if outcome.failed
            else "green"
            if outcome.outcome in {"new_version", "first_version"}
            else ""
        )
        judgement = (
            f"{outcome.severity}{' (material)' if outcome.material else ''}" if outcome.change_id else ""
        )
        table.add_row(
            outcome.policy,
            f"[{style}]{outcome.outcome}[/]" if style else outcome.outcome,
            str(outcome.version_number or ""),
            judgement,
            outcome.error or "",
        )
    console.print(table)
    failed = sum(outcome.failed for outcome in outcomes)
    console.print(f"{len(outcomes)} checked, {failed} failed")
    if settings.notifiers:
        console.print(deliveries.line(), highlight=False)
        for error in deliveries.errors:
            console.print(f"  {error}", style="red", markup=False, highlight=False)
