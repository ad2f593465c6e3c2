"""What the pages show, computed from storage rows and stored reports (pure functions, no I/O)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from monitor.core.clauses import segment
from monitor.core.facts import notice_text
from monitor.core.materiality import CATEGORIES
from monitor.core.report import anomaly_label
from storage.browse import SEVERITY_RANK, ChangeRow, TimelineEntry
from storage.models import Policy

View = Literal["inline", "side"]
SEVERITIES = ("low", "medium", "high")


def parse_view(value: str | None) -> View:
    return "side" if value == "side" else "inline"


def parse_category(value: str | None) -> str | None:
    """A known category id, or None (unknown ids are ignored rather than showing an empty page)."""
    return value if value in CATEGORIES else None


def parse_severity(value: str | None) -> str | None:
    return value if value in SEVERITIES else None


@dataclass(frozen=True, slots=True)
class Health:
    state: Literal["ok", "failing", "unchecked", "disabled", "archive"]
    since: datetime | None
    detail: str | None


def health(policy: Policy) -> Health:
    if policy.archive_only:
        return Health("archive", None, None)  # imported history, no config entry: never checked live
    if not policy.enabled:
        return Health("disabled", None, None)
    if policy.consecutive_failures > 0:
        return Health("failing", policy.failing_since, policy.last_error)
    if policy.last_check_at is None:
        return Health("unchecked", None, None)
    return Health("ok", None, None)


def duration_words(delta: timedelta) -> str:
    """'3 days', '5 hours', 'a minute': how long something has been so."""
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600),
                       ("minute", 60)):  # fmt: skip
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "moments"


def category_counts(rows: Sequence[ChangeRow]) -> list[tuple[str, int]]:
    """Categories of material changes with how many changes touched each, in the fixed category order."""
    counts = Counter(category for row in rows if row.material for category in row.categories)
    return [(category, counts[category]) for category in CATEGORIES if counts[category]]


def matching(rows: Sequence[ChangeRow], category: str | None, min_severity: str | None) -> list[ChangeRow]:
    """Material changes passing the filters, newest first as given."""
    return [row for row in rows if row.material and row.matches(category=category, min_severity=min_severity)]


def at_least(severity: str, minimum: str | None) -> bool:
    return minimum is None or SEVERITY_RANK.get(severity, 0) >= SEVERITY_RANK[minimum]


@dataclass(frozen=True, slots=True)
class TimelineRow:
    entry: TimelineEntry
    highlighted: bool  # the change into this version passes the active filter


def timeline_rows(entries: Sequence[TimelineEntry], category: str | None) -> list[TimelineRow]:
    def passes(entry: TimelineEntry) -> bool:
        change = entry.change
        return category is None or (change is not None and change.material and category in change.categories)

    return [TimelineRow(entry, category is not None and passes(entry)) for entry in entries]


def split_entries(report: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Material clause changes first, then the others; each in document order."""
    changes = report.get("changes", [])
    return [e for e in changes if e.get("material")], [e for e in changes if not e.get("material")]


def clauses_about(report: dict[str, Any], category: str) -> list[dict[str, Any]]:
    """The material clause changes of a report that concern ``category``."""
    return [e for e in report.get("changes", []) if e.get("material") and category in e.get("categories", [])]


@dataclass(frozen=True, slots=True)
class ContextSection:
    section: str | None
    clauses: tuple[str, ...]


def unchanged_context(new_text: str, report: dict[str, Any]) -> list[ContextSection]:
    """The new version's clauses that no change touched, grouped under their section headings."""
    touched = {entry.get("new") for entry in report.get("changes", []) if entry.get("new")}
    sections: list[ContextSection] = []
    for clause in segment(new_text):
        if clause.text in touched:
            continue
        label = " › ".join(clause.section) or None
        if sections and sections[-1].section == label:
            last = sections.pop()
            sections.append(ContextSection(label, (*last.clauses, clause.text)))
        else:
            sections.append(ContextSection(label, (clause.text,)))
    return sections


def label(row: ChangeRow) -> str:
    """A one-line description: 'high · less protective · sharing, sale'."""
    parts = [row.severity if row.material else "not material", row.direction.replace("_", " ")]
    if row.categories:
        parts.append(", ".join(row.categories))
    if row.reverted_to is not None:
        parts.append(f"reverted to version {row.reverted_to}")
    if row.anomaly:
        parts.append(f"anomaly: {anomaly_label(row.anomaly)}")
    if row.notice:
        parts.append(notice_text(row.notice) or row.notice)
    return " · ".join(parts)


def neighbours(entries: Sequence[TimelineEntry], number: int) -> tuple[int | None, int | None]:
    """The version numbers just before and after ``number`` in time order."""
    numbers = [entry.version.number for entry in entries]
    if number not in numbers:
        return None, None
    at = numbers.index(number)
    return (numbers[at - 1] if at > 0 else None), (numbers[at + 1] if at + 1 < len(numbers) else None)
