"""Builders for Clause / ClauseChange / ClauseDiff objects (shapes fixed by docs/ARCHITECTURE.md)."""

from __future__ import annotations

from monitor.core.clauses import Clause, normalise
from monitor.core.diff import ClauseChange, ClauseDiff, word_diff
from monitor.core.materiality import Judgement, classify

POLICY_FILLER = " ".join(
    f"Section {i}. We describe here how our service works for you in ordinary terms and plain words."
    for i in range(30)
)


def clause(text: str, section: tuple[str, ...] = (), index: int = 0) -> Clause:
    return Clause(text=text, norm=normalise(text), section=section, index=index)


def modified(old: str, new: str, section: tuple[str, ...] = ()) -> ClauseChange:
    return ClauseChange("modified", clause(old, section), clause(new, section), word_diff(old, new), 0.8)


def added(text: str, section: tuple[str, ...] = ()) -> ClauseChange:
    return ClauseChange("added", None, clause(text, section), (), 0.0)


def removed(text: str, section: tuple[str, ...] = ()) -> ClauseChange:
    return ClauseChange("removed", clause(text, section), None, (), 0.0)


def judge(*changes: ClauseChange, language: str = "en", old_extra: str = "") -> Judgement:
    """Classify a diff made of these changes, inside long ordinary texts (so no anomaly fires).
    ``old_extra`` is more text of the old version (what it already said elsewhere)."""
    old = POLICY_FILLER + " " + old_extra + " " + " ".join(c.old.text for c in changes if c.old)
    new = POLICY_FILLER + " " + old_extra + " " + " ".join(c.new.text for c in changes if c.new)
    return classify(old, new, ClauseDiff(tuple(changes), unchanged=30), language=language)


def reasons(judgement: Judgement) -> list[str]:
    return [r for c in judgement.changes for r in c.reasons]
