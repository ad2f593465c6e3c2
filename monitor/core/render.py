"""Renderings of a change report (the ``compare --json`` document): terminal text and standalone HTML.

Both read only the report dict, so a stored change renders exactly like a fresh comparison. The terminal
rendering reads the same with and without colour: without it, word diffs carry ``[-removed-]{+added+}``
markers (``git diff --word-diff=plain``) and every judgement is spelled out in words. Also here: the short
and relative dates the CLI prints ("2026-12-02 12:00", "3 days ago").
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from monitor.core.facts import notice_text
from monitor.core.report import anomaly_label

if TYPE_CHECKING:
    from jinja2 import Environment
    from markupsafe import Markup

SEVERITY_STYLE = {"high": "bold red", "medium": "bold yellow", "low": "cyan", "none": "dim"}
KIND_STYLE = {"added": "green", "removed": "red", "modified": "yellow", "moved": "blue"}
#: git's plain word-diff markers, used when there is no colour to tell removed from added.
REMOVED_MARKERS = ("[-", "-]")
ADDED_MARKERS = ("{+", "+}")


@cache
def _templates() -> Environment:
    # Jinja is needed for --html only; compare's text output does not pay for importing it.
    from monitor.core.templating import template_environment

    return template_environment("monitor.core", html=True)


def inline_text(inline: list[list[Any]], *, color: bool = True) -> Text:
    """Word-level diff ops as rich Text: deletions struck red, insertions green; without colour, the
    deletions as ``[-...-]`` and insertions as ``{+...+}``."""
    out = Text()
    for op, chunk in inline:
        kind = int(op)
        if not color and kind:
            start, end = REMOVED_MARKERS if kind < 0 else ADDED_MARKERS
            out.append(f"{start}{chunk}{end}")
            continue
        style = {-1: "red strike", 1: "bold green"}.get(kind, "")
        out.append(str(chunk), style=style)
    return out


def as_utc(value: datetime) -> datetime:
    """Stored times are UTC; SQLite hands them back naive."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def short_time(value: datetime | str | None) -> str:
    """``YYYY-MM-DD HH:MM`` in UTC (an ISO string is accepted too); empty for None."""
    if value is None:
        return ""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return as_utc(when).strftime("%Y-%m-%d %H:%M")


_UNITS = (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400),
          ("hour", 3600), ("minute", 60), ("second", 1))
#: A unit is used once the span reaches this many of it (as git does: "36 hours ago", then "2 days ago").
_FROM = {"year": 1, "month": 2, "week": 2, "day": 1.5, "hour": 1.5, "minute": 1.5, "second": 0}


def relative_time(value: datetime | str | None, *, now: datetime | None = None) -> str:
    """"3 days ago", "in 2 hours", "just now": how far ``value`` is from ``now``, in its largest unit."""
    if value is None:
        return ""
    when = as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)
    seconds = ((now and as_utc(now)) or datetime.now(UTC)).timestamp() - when.timestamp()
    span = abs(seconds)
    if span < 10:
        return "just now"
    for unit, size in _UNITS:
        if span >= _FROM[unit] * size:
            count = int(span // size)
            words = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"{words} ago" if seconds > 0 else f"in {words}"
    return "just now"


def _change_block(entry: dict[str, Any], *, color: bool) -> RenderableType:
    kind = entry["kind"]
    title = Text(kind.upper(), style=KIND_STYLE.get(kind, ""))
    if entry.get("material"):
        # "!" and the word MATERIAL keep the mark visible (and greppable) without colour.
        title.append(f"  ! MATERIAL {entry['severity'].upper()} ", style=SEVERITY_STYLE[entry["severity"]])
        title.append(", ".join(entry.get("categories", [])))
        if entry.get("direction") and entry["direction"] != "neutral":
            title.append(f" ({entry['direction'].replace('_', ' ')})")
    if entry.get("section"):
        title.append(f"  § {entry['section']}", style="dim")
    if kind == "modified" and entry.get("inline"):
        body: RenderableType = inline_text(entry["inline"], color=color)
    elif kind == "moved":
        body = Text(entry.get("new") or "", style="blue")
    elif kind == "added":
        body = Text("+ " + (entry.get("new") or ""), style="green")
    else:
        body = Text("- " + (entry.get("old") or ""), style="red")
    reasons = [Text("  ↳ " + reason, style="italic") for reason in entry.get("reasons", [])]
    return Group(title, body, *reasons, Text(""))


def facts_line(report: dict[str, Any]) -> str:
    """``language fr · stated date 2025-03-03 → 2025-06-12``; empty for reports stored before facts."""
    parts = [f"language {report['language']}"] if report.get("language") else []
    dates = report.get("stated_dates") or {}
    old, new = dates.get("old"), dates.get("new")
    if old or new:
        shown = (new or "none") if old == new else f"{old or 'none'} → {new or 'none'}"
        parts.append(f"stated date {shown}")
    return " · ".join(parts)


def render_text(report: dict[str, Any], *, title: str = "", color: bool = True) -> RenderableType:
    """A terminal rendering: judgement first, then material changes, then the rest. ``color=False`` is for
    output without colour: word diffs then carry text markers."""
    severity = report["severity"]
    head = Text()
    if title:
        head.append(title + "\n", style="bold")
    if report.get("anomaly"):
        kind = report["anomaly"]
        head.append(f"ANOMALY: {kind} ({anomaly_label(kind)})\n", style="bold magenta")
    notice = notice_text(report.get("notice"))
    if notice:
        head.append(f"NOTICE: {notice}\n", style="bold magenta")
    head.append(
        ("MATERIAL" if report["material"] else "not material") + f" · severity {severity}",
        style=SEVERITY_STYLE.get(severity, ""),
    )
    head.append(f" · {report['direction']}")
    if report.get("categories"):
        head.append(" · " + ", ".join(report["categories"]))
    facts = facts_line(report)
    if facts:
        head.append("\n" + facts, style="dim")
    stats = report["stats"]
    head.append("\n" + " · ".join(f"{key} {value}" for key, value in stats.items()), style="dim")
    if report.get("summary"):
        head.append("\n" + report["summary"])
    changes = report.get("changes", [])
    material = [entry for entry in changes if entry.get("material")]
    other = [entry for entry in changes if not entry.get("material")]
    parts: list[RenderableType] = [Panel(head)]
    if material:
        parts.append(Rule("material changes"))
        parts.extend(_change_block(entry, color=color) for entry in material)
    if other:
        parts.append(Rule("other changes"))
        parts.extend(_change_block(entry, color=color) for entry in other)
    if not changes:
        parts.append(Text("no clause changed", style="dim"))
    return Group(*parts)


def inline_html(inline: list[list[Any]]) -> Markup:
    """Word-level ops as escaped HTML with <del>/<ins>; policy text is third-party input."""
    from markupsafe import Markup, escape

    out = []
    for op, chunk in inline:
        text = escape(str(chunk))
        if int(op) == -1:
            out.append(Markup("<del>{}</del>").format(text))
        elif int(op) == 1:
            out.append(Markup("<ins>{}</ins>").format(text))
        else:
            out.append(text)
    return Markup("").join(out)


def side_by_side_html(inline: list[list[Any]]) -> tuple[Markup, Markup]:
    """The old and new halves of a word diff, each with its own highlights."""
    old = [[op, chunk] for op, chunk in inline if int(op) <= 0]
    new = [[op, chunk] for op, chunk in inline if int(op) >= 0]
    return inline_html(old), inline_html(new)


def render_html(report: dict[str, Any], *, title: str = "policywatch comparison") -> str:
    """A self-contained page (inline CSS, no script) with inline and side-by-side word highlights."""
    template = _templates().get_template("compare.html.j2")
    return template.render(
        report=report,
        title=title,
        facts=facts_line(report),
        notice=notice_text(report.get("notice")),
        anomaly_label=anomaly_label,
        inline_html=inline_html,
        side_by_side_html=side_by_side_html,
    )
