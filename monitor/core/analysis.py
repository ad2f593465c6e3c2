"""The pure middle of the pipeline: segment → diff → classify, for any two texts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monitor.core.clauses import Clause, segment
from monitor.core.diff import ClauseDiff, diff_clauses
from monitor.core.materiality import Judgement, classify
from monitor.core.report import build_report


@dataclass(frozen=True, slots=True)
class Analysis:
    old: tuple[Clause, ...]
    new: tuple[Clause, ...]
    diff: ClauseDiff
    judgement: Judgement

    def report(self) -> dict[str, Any]:
        return build_report(self.diff, self.judgement)


def analyse(old_text: str | None, new_text: str) -> Analysis:
    """Segment both texts, align their clauses and judge the change (old_text None: a first version)."""
    old = segment(old_text) if old_text is not None else ()
    new = segment(new_text)
    diff = diff_clauses(old, new)
    return Analysis(old, new, diff, classify(old_text, new_text, diff))
