"""The change report: one JSON-ready document per pair of versions (the shape of ``compare --json``).

Stored with every change record, so history, the web UI and alerts read it instead of re-diffing.
"""

from __future__ import annotations

from typing import Any

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


def build_report(diff: ClauseDiff, judgement: Judgement) -> dict[str, Any]:
    """The document ``policywatch compare --json`` prints; key order is part of the contract."""
    return {
        "material": judgement.material,
        "severity": judgement.severity,
        "categories": list(judgement.categories),
        "direction": judgement.direction,
        "anomaly": judgement.anomaly,
        "summary": judgement.summary,
        "stats": diff.stats(),
        "changes": [
            change_entry(change, judged)
            for change, judged in zip(diff.changes, judgement.changes, strict=True)
        ],
    }


def material_changes(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry for entry in report.get("changes", []) if entry.get("material")]


def all_reasons(report: dict[str, Any]) -> list[str]:
    """Every distinct clause reason, in document order."""
    seen: dict[str, None] = {}
    for entry in material_changes(report):
        for reason in entry.get("reasons", []):
            seen.setdefault(reason, None)
    return list(seen)
