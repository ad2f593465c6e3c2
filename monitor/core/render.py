"""Renderings of a change report (the ``compare --json`` document): terminal text and standalone HTML.

Both read only the report dict, so a stored change renders exactly like a fresh comparison.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from monitor.core.templating import template_environment

SEVERITY_STYLE = {"high": "bold red", "medium": "bold yellow", "low": "cyan", "none": "dim"}
KIND_STYLE = {"added": "green", "removed": "red", "modified": "yellow", "moved": "blue"}

_templates = template_environment("monitor.core", html=True)


def inline_text(inline: list[list[Any]]) -> Text:
    """Word-level diff ops as rich Text: deletions struck red, insertions green."""
    out = Text()
    for op, chunk in inline:
        style = {-1: "red strike", 1: "bold green"}.get(int(op), "")
        out.append(str(chunk), style=style)
    return out


def _change_block(entry: dict[str, Any]) -> RenderableType:
    kind = entry["kind"]
    title = Text(kind.upper(), style=KIND_STYLE.get(kind, ""))
    if entry.get("material"):
        title.append(f"  {entry['severity'].upper()} ", style=SEVERITY_STYLE[entry["severity"]])
        title.append(", ".join(entry.get("categories", [])))
    if entry.get("section"):
        title.append(f"  § {entry['section']}", style="dim")
    if kind == "modified" and entry.get("inline"):
        body: RenderableType = inline_text(entry["inline"])
    elif kind == "moved":
        body = Text(entry.get("new") or "", style="blue")
    elif kind == "added":
        body = Text("+ " + (entry.get("new") or ""), style="green")
    else:
        body = Text("- " + (entry.get("old") or ""), style="red")
    reasons = [Text("  ↳ " + reason, style="italic") for reason in entry.get("reasons", [])]
    return Group(title, body, *reasons, Text(""))


def render_text(report: dict[str, Any], *, title: str = "") -> RenderableType:
    """A terminal rendering: judgement first, then material changes, then the rest."""
    severity = report["severity"]
    head = Text()
    if title:
        head.append(title + "\n", style="bold")
    if report.get("anomaly"):
        head.append(f"ANOMALY: {report['anomaly']}\n", style="bold magenta")
    head.append(
        ("MATERIAL" if report["material"] else "not material") + f" · severity {severity}",
        style=SEVERITY_STYLE.get(severity, ""),
    )
    head.append(f" · {report['direction']}")
    if report.get("categories"):
        head.append(" · " + ", ".join(report["categories"]))
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
        parts.extend(_change_block(entry) for entry in material)
    if other:
        parts.append(Rule("other changes"))
        parts.extend(_change_block(entry) for entry in other)
    if not changes:
        parts.append(Text("no clause changed", style="dim"))
    return Group(*parts)


def inline_html(inline: list[list[Any]]) -> Markup:
    """Word-level ops as escaped HTML with <del>/<ins>; policy text is third-party input."""
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
    template = _templates.get_template("compare.html.j2")
    return template.render(
        report=report,
        title=title,
        inline_html=inline_html,
        side_by_side_html=side_by_side_html,
    )
