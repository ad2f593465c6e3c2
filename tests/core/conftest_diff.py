"""Helpers shared by the clause and diff tests (imported explicitly; not a pytest conftest)."""

from __future__ import annotations

from pathlib import Path

from monitor.core.clauses import segment
from monitor.core.diff import ClauseDiff, diff_clauses

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"
HISTORIES = CORPUS / "histories"
OTA_PAIRS = CORPUS / "ota-dev" / "pairs"


def diff_texts(old: str, new: str) -> ClauseDiff:
    return diff_clauses(segment(old), segment(new))


def content_changes(diff: ClauseDiff) -> int:
    """Changes that alter wording: everything except moves."""
    stats = diff.stats()
    return stats["added"] + stats["removed"] + stats["modified"]


def changed_text(diff: ClauseDiff) -> str:
    """All old and new display text of the changes, for checking what a diff points at."""
    parts = []
    for change in diff.changes:
        parts += [c.text for c in (change.old, change.new) if c is not None]
    return "\n".join(parts)
