"""Combining clause judgements into a document judgement, and the one- or two-sentence summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from monitor.core.materiality.lexicon import CATEGORIES
from monitor.core.materiality.types import SEVERITY_ORDER, ChangeJudgement, Direction, Severity

_LABEL: Final = {
    "sharing": "sharing with third parties",
    "sale": "sale of data",
    "advertising": "tracking and advertising",
    "collection": "data collected",
    "sensitive_data": "sensitive data",
    "purpose": "uses of data",
    "retention": "retention",
    "user_rights": "your rights",
    "children": "children's data",
    "international_transfer": "international transfers",
    "security": "security",
    "policy_change": "notice of changes",
    "legal_disclosure": "disclosure to authorities",
    "business_transfer": "business transfers",
    "contact": "contacts",
}
_ANOMALY: Final = {
    "error_page": "the capture is an error page, not a policy version",
    "partial_capture": "part of the capture is an error, maintenance or geo-block notice, not policy text",
    "bot_wall": "the capture is a bot-challenge page, not a policy version",
    "login_wall": "the capture is a login page, not a policy version",
    "too_short": "the capture is empty or cut short, not a full policy version",
    "language_changed": "the policy came back in a different language",
}


def combine_direction(changes: Sequence[ChangeJudgement]) -> Direction:
    """Both ways among the material clause changes → mixed; none → neutral."""
    less = any(c.direction in ("less_protective", "mixed") for c in changes)
    more = any(c.direction in ("more_protective", "mixed") for c in changes)
    if less and more:
        return "mixed"
    return "less_protective" if less else "more_protective" if more else "neutral"


def max_severity(severities: Sequence[Severity]) -> Severity:
    return max(severities, key=SEVERITY_ORDER.index, default="none")


def ordered_categories(cats: set[str]) -> tuple[str, ...]:
    return tuple(c for c in CATEGORIES if c in cats)


def document_categories(changes: Sequence[ChangeJudgement]) -> tuple[str, ...]:
    """The categories of the material clause changes (each already narrowed to what changed)."""
    return ordered_categories({c for change in changes for c in change.categories})


def _strip_quote(reason: str, limit: int = 110) -> str:
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"


def summarise(
    changes: Sequence[ChangeJudgement],
    severity: Severity,
    direction: Direction,
    categories: tuple[str, ...],
    anomaly: str | None,
    total_changes: int,
) -> str:
    """Plain-language summary: verdict first, then the strongest reasons."""
    if anomaly:
        return f"Not material: {_ANOMALY.get(anomaly, anomaly)}; no alert."
    if not any(c.material for c in changes):
        if total_changes == 0:
            return "No change in wording."
        return f"Not material: {total_changes} edit(s) to wording or formatting only; no practice changed."
    material = [c for c in changes if c.material]
    areas = ", ".join(_LABEL[c] for c in categories[:5]) + (" and more" if len(categories) > 5 else "")
    ranked = sorted(material, key=lambda c: (-SEVERITY_ORDER.index(c.severity), c.direction == "neutral"))
    reasons: list[str] = []
    for change in ranked:
        # Term-level reasons are easier to verify than whole-clause quotes, so prefer them.
        for reason in sorted(change.reasons, key=lambda r: r.startswith("clause ")):
            if reason not in reasons:
                reasons.append(reason)
            break
        if len(reasons) == 2:
            break
    verdict = f"Material, {severity} severity, {direction.replace('_', ' ')}"
    lead = f"{verdict}: {len(material)} change(s) to {areas}."
    return lead + " " + "; ".join(_strip_quote(r) for r in reasons) + "."
