"""Core commands: init, upgrade, check, history, show, status."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

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
from monitor.config import PolicySettings, Settings
from monitor.errors import NotFound
from monitor.pipeline.chain import CheckOutcome, PipelineContext, run_checks
from monitor.sources.fetch import Fetcher
from storage import migrations, queries
from storage.engine import session_scope
from storage.models import Policy

if TYPE_CHECKING:
    from monitor.run.delivery import DeliverySummary


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@app.command()
@handle_errors
def init(config: ConfigOption = None) -> None:
    """Create the database (or bring it up to date) and register the configured policies."""
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
    engine = open_engine(settings)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    async with Fetcher(settings.fetch) as fetcher:
        ctx = PipelineContext(settings=settings, engine=engine, fetcher=fetcher, worker="cli")
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
            outcomes = await run_checks(ctx, policies, on_done=lambda _o: progress.advance(task))
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
    settings = settings_from(config)
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


def _history_rows(settings: Settings, name: str) -> list[dict[str, Any]]:
    engine = open_engine(settings, readonly=True)
    with session_scope(engine) as session:
        policy = queries.get_policy(session, name)
        assert policy.id is not None
        rows = []
        for version in queries.versions_in_time_order(session, policy.id):
            assert version.id is not None
            change = queries.change_into(session, version.id)
            rows.append(
                {
                    "number": version.number,
                    "sha256": version.text_sha256,
                    "first_seen": _iso(version.first_seen),
                    "last_seen": _iso(version.last_seen),
                    "source": version.source,
                    "archived_at": _iso(version.archived_at),
                    "reverted_to": version.reverted_to,
                    "change": None
                    if change is None
                    else {
                        "id": change.id,
                        "material": change.material,
                        "severity": change.severity,
                        "categories": change.categories or [],
                        "direction": change.direction,
                        "summary": change.summary,
                        "stats": (change.report or {}).get("stats"),
                    },
                }
            )
    return rows


@app.command()
@handle_errors
def history(name: str, config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """One entry per version, oldest first, with the change that led to it."""
    rows = _history_rows(settings_from(config), name)
    if as_json:
        print_json(rows)
        return
    table = Table("#", "first seen", "last seen", "source", "sha256", "change")
    for row in rows:
        change = row["change"]
        if row["reverted_to"]:
            summary = f"reverted to version {row['reverted_to']}"
        elif change is None:
            summary = "first version"
        else:
            summary = f"{change['severity'].upper()} {','.join(change['categories'])} — {change['summary']}"
        source = row["source"] + (f" ({row['archived_at'][:10]})" if row["archived_at"] else "")
        table.add_row(
            str(row["number"]),
            row["first_seen"][:19],
            row["last_seen"][:19],
            source,
            row["sha256"][:12],
            summary,
        )
    console.print(table)


@app.command()
@handle_errors
def show(
    name: str,
    version: Annotated[
        int | None, typer.Option("--version", "-v", help="Version number (default: latest).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Print the text of a version."""
    settings = settings_from(config)
    engine = open_engine(settings, readonly=True)
    with session_scope(engine) as session:
        policy = queries.get_policy(session, name)
        assert policy.id is not None
        row = (
            queries.get_version(session, policy.id, version)
            if version is not None
            else queries.latest_version(session, policy.id)
        )
        if row is None:
            raise NotFound(f"policy {name!r} has no versions yet")
        text = queries.version_text(row)
    # Piped or redirected, the exact text (an imported file round-trips byte for byte); on a terminal,
    # a final newline so the prompt does not stick to the last line.
    typer.echo(text, nl=console.is_terminal and not text.endswith("\n"))


def _status_row(session: Any, policy: Policy) -> dict[str, Any]:
    assert policy.id is not None
    counts = queries.alert_counts(session, policy.id)
    return {
        "policy": policy.name,
        "url": policy.url,
        "enabled": policy.enabled,
        "archive_only": policy.archive_only,
        "last_check_at": _iso(policy.last_check_at),
        "last_outcome": policy.last_outcome,
        "last_error": policy.last_error,
        "last_http_status": policy.last_http_status,
        "consecutive_failures": policy.consecutive_failures,
        "failing_since": _iso(policy.failing_since),
        "next_check_at": _iso(policy.next_check_at),
        "lease_owner": policy.lease_owner,
        "versions": queries.version_count(session, policy.id),
        "alerts": {"pending": counts.pending, "delivered": counts.delivered, "dead": counts.dead},
    }


def _status_mark(row: dict[str, Any]) -> str:
    if row["archive_only"]:
        return " (archive only, not checked live)"
    return "" if row["enabled"] else " (disabled)"


@app.command()
@handle_errors
def status(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Per policy: last check, result, error, schedule, versions and alert deliveries."""
    settings = settings_from(config)
    engine = open_engine(settings, readonly=True)
    with session_scope(engine) as session:
        rows = [_status_row(session, policy) for policy in queries.list_policies(session)]
    if as_json:
        print_json(rows)
        return
    table = Table("policy", "last check", "result", "versions", "next check", "alerts", "last error")
    for row in rows:
        health = row["last_outcome"] or ("imported history" if row["archive_only"] else "never checked")
        if row["consecutive_failures"]:
            health = f"[red]failing since {row['failing_since'][:19]} ({row['consecutive_failures']}x)[/]"
        alerts = row["alerts"]
        alert_text = f"{alerts['delivered']} sent"
        if alerts["pending"]:
            alert_text += f", {alerts['pending']} pending"
        if alerts["dead"]:
            alert_text += f", [red]{alerts['dead']} dead[/]"
        table.add_row(
            row["policy"] + _status_mark(row),
            (row["last_check_at"] or "")[:19],
            health,
            str(row["versions"]),
            f"now, by {row['lease_owner']}" if row["lease_owner"] else (row["next_check_at"] or "")[:19],
            alert_text,
            (row["last_error"] or "")[:80],
        )
    console.print(table)
