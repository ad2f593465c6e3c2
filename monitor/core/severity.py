"""The one severity scale: its names, their order, and the comparisons every layer makes with it.

The judgement assigns a severity (``monitor.core.materiality``); the outbox compares it with a notifier's
threshold, the history browser filters by it and the notifiers pick a digest's highest. All of them read
the order from here, so a new level is added in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal

Severity = Literal["none", "low", "medium", "high"]

#: Least to most severe.
SEVERITY_ORDER: Final[tuple[Severity, ...]] = ("none", "low", "medium", "high")
SEVERITY_RANK: Final[dict[str, int]] = {name: rank for rank, name in enumerate(SEVERITY_ORDER)}


def severity_rank(severity: str) -> int:
    """The rank of ``severity``; an unknown name ranks as ``none``."""
    return SEVERITY_RANK.get(severity, 0)


def severity_at_least(severity: str, minimum: str) -> bool:
    """True when ``severity`` meets the threshold ``minimum`` (a known level)."""
    return severity_rank(severity) >= SEVERITY_RANK[minimum]


def severities_at_least(minimum: str) -> list[str]:
    """Every level that meets ``minimum``, least severe first (for a database ``IN`` filter)."""
    return [name for name in SEVERITY_ORDER if severity_at_least(name, minimum)]


def highest_severity(severities: Iterable[str]) -> str:
    """The most severe of ``severities``; ``none`` for none."""
    return max(severities, key=severity_rank, default="none")
