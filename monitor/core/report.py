"""The change report: one JSON-ready document per pair of versions (the shape of ``compare --json``).

Stored with every change record, so history, the web UI and alerts read it instead of re-diffing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:  # readers of stored reports (alerts, pages) need none of the engine
    from monitor.core.diff import ClauseChange, ClauseDiff
    from monitor.core.materiality import ChangeJudgement, Judgement

REPORT_VERSION = 1


def section_label(change: ClauseChange) -> str | None:
    clause = change.new or change.old
    if clause is None or not clause.section:
        return None
    return " › ".join(clause.section)


def change_entry(change: ClauseChange, judged: ChangeJudgement) -> dict[str, Any]:
    return {
        "kind": change.kind,
        "section": section_label(change),
        "old": change.old.text if change.old else None,
        "new": change.new.text if change.new else None,
        "material": judged.material,
        "severity": judged.severity,
        "categories": list(judged.categories),
        "direction": judged.direction,
        "reasons": list(judged.reasons),
        "inline": [[op, text] for op, text in change.inline],
    }


def build_report(
    diff: ClauseDiff,
    judgement: Judgement,
    *,
    language: str | None = None,
    supported: bool = True,
    notice: str | None = None,
    stated_dates: tuple[str | None, str | None] = (None, None),
) -> dict[str, Any]:
    """The document ``policywatch compare --json`` prints; key order is part of the contract.

    ``language`` is the language the change was judged in (``supported`` False: it has no lexicon, so the
    change was not judged), ``notice`` is ``undated``/``redated``/None and
    ``stated_dates`` the old and new versions' stated dates (ISO, ``2025-03`` for a month), see
    ``monitor.core.facts``.
    """
    return {
        "material": judgement.material,
        "severity": judgement.severity,
        "categories": list(judgement.categories),
        "direction": judgement.direction,
        "anomaly": judgement.anomaly,
        "language": language,
        "supported": supported,
        "notice": notice,
        "stated_dates": {"old": stated_dates[0], "new": stated_dates[1]},
        "summary": judgement.summary,
        "stats": diff.stats(),
        "changes": [
            change_entry(change, judged)
            for change, judged in zip(diff.changes, judgement.changes, strict=True)
        ],
    }


#: Plain words for every anomaly kind, as pages and the terminal show them.
ANOMALY_LABELS: Final[dict[str, str]] = {
    "error_page": "error page instead of the policy",
    "bot_wall": "bot check instead of the policy",
    "login_wall": "login page instead of the policy",
    "too_short": "near-empty or truncated capture",
    "language_changed": "came back in another language",
    "partial_capture": "part of the page replaced by an error or maintenance notice",
}


def anomaly_label(kind: str | None) -> str:
    """``partial_capture`` → "part of the page replaced by …"; an unknown kind reads as its words."""
    if not kind:
        return ""
    return ANOMALY_LABELS.get(kind, kind.replace("_", " "))


def report_notice(report: dict[str, Any]) -> str | None:
    """The notice of a stored report (None for reports stored before notices existed)."""
    notice = report.get("notice")
    return str(notice) if notice else None


def report_stated_date(report: dict[str, Any], side: str = "new") -> str | None:
    dates = report.get("stated_dates") or {}
    value = dates.get(side) if isinstance(dates, dict) else None
    return str(value) if value else None


def material_changes(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry for entry in report.get("changes", []) if entry.get("material")]


def all_reasons(report: dict[str, Any]) -> list[str]:
    """Every distinct clause reason, in document order."""
    seen: dict[str, None] = {}
    for entry in material_changes(report):
        for reason in entry.get("reasons", []):
            seen.setdefault(reason, None)
    return list(seen)
