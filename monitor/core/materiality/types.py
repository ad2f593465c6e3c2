"""The judgement data types (see docs/ARCHITECTURE.md); re-exported by ``monitor.core.materiality``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# The scale is shared with the outbox, the web UI and the notifiers; it is defined once, in core.
from monitor.core.severity import SEVERITY_ORDER as SEVERITY_ORDER
from monitor.core.severity import Severity as Severity

Direction = Literal["less_protective", "more_protective", "mixed", "neutral"]


@dataclass(frozen=True, slots=True)
class ChangeJudgement:
    """Judgement of one ClauseChange (same order as ``ClauseDiff.changes``)."""

    material: bool
    severity: Severity
    categories: tuple[str, ...]
    direction: Direction
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Judgement:
    """Judgement of a whole version change."""

    material: bool
    severity: Severity
    categories: tuple[str, ...]
    direction: Direction
    anomaly: str | None  # error_page | partial_capture | bot_wall | login_wall | too_short | language_changed
    summary: str
    changes: tuple[ChangeJudgement, ...]
    language: str = "en"  # the lexicon the judgement used (ISO 639-1)
    supported: bool = True  # False: no lexicon for the language, so no judgement was made
