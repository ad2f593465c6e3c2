"""Reading the history: ``history`` (one line per version, like ``git log --oneline``), ``show``, ``status``.

Text output fits the terminal (80 columns when not a terminal, or ``$COLUMNS``): a row never wraps into a
wall; what does not fit is cut with "…", and ``--long`` / ``--json`` give everything. Times are UTC,
``YYYY-MM-DD HH:MM``, with how long ago beside them.
"""

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
from monitor.cli.output import color_enabled, page, paged
from monitor.errors import NotFound

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from monitor.config import Settings
    from storage.models import Policy

NoPagerOption = Annotated[bool, typer.Option("--no-pager", help="Do not page the output on a terminal.")]
SEVERITY_STYLE = {"high": "bold red", "medium": "bold yellow", "low": "cyan", "none": "dim"}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _history_rows(settings: Settings, name: str) -> list[dict[str, Any]]:
    from storage import queries
    from storage.engine import session_scope

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
                    "observed_at": _iso(version.observed_at),
                    "first_seen": _iso(version.first_seen),
                    "last_seen": _iso(version.last_seen),
                    "source": version.source,
                    "renderer": version.renderer,
                    "archived_at": _iso(version.archived_at),
                    "reverted_to": version.reverted_to,
                    "language": version.language,
                    "stated_date": version.stated_date,
                    "change": None
                    if change is None
                    else {
                        "id": change.id,
                        "material": change.material,
                        "severity": change.severity,
                        "categories": change.categories or [],
                        "direction": change.direction,
                        "anomaly": change.anomaly,
                        "summary": change.summary,
                        "notice": change.notice,
                        "stats": (change.report or {}).get("stats"),
                    },
                }
            )
    return rows


def _summary(row: dict[str, Any]) -> str:
    change = row["change"]
    if row["reverted_to"]:
        return f"reverted to version {row['reverted_to']}"
    if change is None:
        return "first version"
    return str(change["summary"] or "no clause changed")


def _judgement(row: dict[str, Any]) -> tuple[str, str]:
    """The severity-and-categories column and its style: ``HIGH sale,sharing``, ``-`` when not material."""
    change = row["change"]
    if change is None:
        return "", ""
    if change.get("anomaly"):
        return f"ANOMALY {change['anomaly']}", "bold magenta"
    if not change["material"]:
        return "-", "dim"
    words = change["severity"].upper()
    if change["categories"]:
        words += " " + ",".join(change["categories"])
    return words, SEVERITY_STYLE.get(change["severity"], "")


def oneline(row: dict[str, Any], *, width: int) -> Text:
    """``  12  2026-12-02 12:00 (3 days ago)  live  HIGH sharing  summary…`` cut to ``width``."""
    from rich.text import Text

    from monitor.core.render import relative_time, short_time

    line = Text(f"{row['number']:>4}  ", style="bold")
    when = row["observed_at"] or row["first_seen"]
    line.append(short_time(when))
    line.append(f" ({relative_time(when)})", style="dim")
    line.append(f"  {row['source']}")
    judgement, style = _judgement(row)
    if judgement:
        line.append("  ")
        line.append(judgement, style=style)
    line.append("  " + " ".join(_summary(row).split()))
    line.truncate(width, overflow="ellipsis")
    return line


def _long_entry(out: Console, row: dict[str, Any]) -> None:
    from rich.text import Text

    from monitor.core.render import relative_time, short_time

    when = row["observed_at"] or row["first_seen"]
    head = Text(f"version {row['number']}", style="bold yellow")
    head.append(f"  {short_time(when)} UTC ({relative_time(when)})  {row['source']}")
    out.print(head)
    out.print(f"  seen     {short_time(row['first_seen'])} .. {short_time(row['last_seen'])}"
              f" ({relative_time(row['last_seen'])})", highlight=False)
    if row["archived_at"]:
        out.print(f"  archived {short_time(row['archived_at'])}", highlight=False)
    out.print(f"  sha256   {row['sha256']}", highlight=False)
    change = row["change"]
    if change is not None:
        _, style = _judgement(row)
        line = Text("  change   ")
        line.append("material" if change["material"] else "not material", style=style)
        line.append(f" · severity {change['severity']} · {change['direction']}")
        if change["categories"]:
            line.append(" · " + ", ".join(change["categories"]))
        out.print(line)
        if change.get("stats"):
            stats = " · ".join(f"{key} {value}" for key, value in change["stats"].items())
            out.print(f"  clauses  {stats}", highlight=False)
    out.print(Text(_summary(row)), highlight=False)
    out.print()


@app.command()
@handle_errors
def history(
    name: str,
    long: Annotated[bool, typer.Option("--long", "-l", help="Every detail and the full summary.")] = False,
    reverse: Annotated[bool, typer.Option("--reverse", help="Oldest first (text output).")] = False,
    config: ConfigOption = None,
    as_json: JsonOption = False,
    no_pager: NoPagerOption = False,
) -> None:
    """One line per version, newest first: number, date, source, judgement, summary (--json: oldest first)."""
    rows = _history_rows(settings_from(config), name)
    if as_json:
        print_json(rows)
        return
    shown = rows if reverse else list(reversed(rows))
    with paged(enabled=not no_pager) as out:
        for row in shown:
            if long:
                _long_entry(out, row)
            else:
                out.print(oneline(row, width=out.width), no_wrap=True, overflow="ellipsis")
        if not rows:
            out.print("no versions yet")


@app.command()
@handle_errors
def show(
    name: str,
    version: Annotated[
        int | None, typer.Option("--version", "-v", help="Version number (default: latest).")
    ] = None,
    config: ConfigOption = None,
    no_pager: NoPagerOption = False,
) -> None:
    """Print the text of a version."""
    from storage import queries
    from storage.engine import session_scope

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
    # Piped or redirected, the exact text (an imported file round-trips byte for byte); on a terminal, a
    # final newline so the prompt does not stick to the last line.
    if not text.endswith("\n") and console.is_terminal:
        text += "\n"
    page(text, enabled=not no_pager)


def _status_row(session: Any, policy: Policy) -> dict[str, Any]:
    from storage import queries

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
        return " (archive only)"
    return "" if row["enabled"] else " (off)"


def _next_check(row: dict[str, Any]) -> str:
    from datetime import UTC, datetime

    from monitor.core.render import as_utc, relative_time

    if row["lease_owner"]:
        return f"now ({row['lease_owner']})"
    if row["archive_only"]:
        return "never (archive)"
    due = row["next_check_at"]
    if due is None:
        return "not scheduled"
    if as_utc(datetime.fromisoformat(due)) <= datetime.now(UTC):
        return "due"
    return relative_time(due)


def _status_table(rows: list[dict[str, Any]]) -> Any:
    from rich import box
    from rich.table import Table

    from monitor.core.render import relative_time

    # No column wraps: at 80 columns rich shrinks the widest ones and cuts them with "…".
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for column in ("policy", "last check", "result", "versions", "next check", "alerts"):
        table.add_column(column, no_wrap=True, overflow="ellipsis",
                         justify="right" if column == "versions" else "left")
    for row in rows:
        health = row["last_outcome"] or ("imported" if row["archive_only"] else "-")
        if row["consecutive_failures"]:
            health = f"[red]failing {row['consecutive_failures']}x[/]"
        alerts = row["alerts"]
        alert_text = f"{alerts['delivered']} sent"
        if alerts["pending"]:
            alert_text += f", {alerts['pending']} pending"
        if alerts["dead"]:
            alert_text += f", [red]{alerts['dead']} dead[/]"
        next_check = _next_check(row)
        table.add_row(
            row["policy"] + _status_mark(row),
            relative_time(row["last_check_at"]) or "never",
            health,
            str(row["versions"]),
            next_check,
            alert_text,
        )
    return table


@app.command()
@handle_errors
def status(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Per policy: last check, result, schedule, versions and alert deliveries; then each failing policy's
    error. Times are relative ("5 minutes ago"); --json gives the full timestamps."""
    from rich.text import Text

    from monitor.core.render import short_time
    from storage import queries
    from storage.engine import session_scope

    settings = settings_from(config)
    engine = open_engine(settings, readonly=True)
    with session_scope(engine) as session:
        rows = [_status_row(session, policy) for policy in queries.list_policies(session)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no policies yet: add [[policies]] to the config and run `policywatch init`")
        return
    console.print(_status_table(rows))
    for row in rows:
        if not row["last_error"]:
            continue
        since = f" since {short_time(row['failing_since'])}" if row["failing_since"] else ""
        line = Text(f"{row['policy']}: ", style="bold")
        line.append(f"failing{since}: " if row["consecutive_failures"] else "last error: ",
                    style="red" if color_enabled() else "")
        line.append(" ".join(str(row["last_error"]).split()))
        line.truncate(console.width, overflow="ellipsis")
        console.print(line, no_wrap=True, overflow="ellipsis")
