"""Measured commitments inside a clause: durations (retention, response times, cookie lifetimes) and age
thresholds, compared old against new in the clause's own language ("30 days", "trente jours", "30 Tage")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.core.materiality import terms
from monitor.core.materiality.patterns import Finding

if TYPE_CHECKING:
    from monitor.core.materiality.language import Lexicon


def _f(reason: str, cats: set[str], *, less: bool = False, more: bool = False) -> Finding:
    return Finding(reason, frozenset(cats), less=less, more=more)


def durations_change(old: str, new: str, cats: set[str], lex: Lexicon) -> list[Finding]:
    """A duration in the clause changed: retention, response time or cookie lifetime, and which way."""
    old_d, new_d = terms.durations(old, lex), terms.durations(new, lex)
    old_set, new_set = {round(d, 3) for _, d in old_d}, {round(d, 3) for _, d in new_d}
    open_old, open_new = lex.open_ended.search(old), lex.open_ended.search(new)
    after_old, after_new = lex.after_closure.search(old), lex.after_closure.search(new)
    if old_set == new_set and bool(open_old) == bool(open_new) and bool(after_old) == bool(after_new):
        return []
    # The words just before the duration say what it measures ("we respond within 30 days" in a sentence
    # that also mentions deletion is a response time).
    at = new.find(new_d[0][0]) if new_d else -1
    window = new[max(0, at - 60) : at] if at >= 0 else ""
    if lex.response_context.search(window):
        kind, cat = "response time", "user_rights"
    elif lex.retention_context.search(window):
        kind, cat = "retention", "retention"
    elif lex.response_context.search(new) and not lex.retention_context.search(new):
        kind, cat = "response time", "user_rights"
    elif "advertising" in cats and ("cookie" in new.lower() or "cookie" in old.lower()):
        kind, cat = "cookie lifetime", "advertising"
    else:
        kind, cat = "retention", "retention"
    before = old_d[0][0] if old_d else (open_old.group(0) if open_old else "")
    after = new_d[0][0] if new_d else (open_new.group(0) if open_new else "")
    if not before and not after:
        return []
    old_max = max(old_set, default=0.0)
    new_max = max(new_set, default=0.0)
    longer = (
        (bool(open_new) and not open_old)
        or (bool(after_new) and not after_old)
        or (bool(old_set) and bool(new_set) and new_max > old_max)
    )
    shorter = (bool(open_old) and not open_new and bool(new_set)) or (
        bool(old_set) and bool(new_set) and new_max < old_max
    )
    if old_set and not new_set and not open_new:
        return [_f(f'{kind} period removed: "{before}"', {cat}, less=True)]
    elif longer:
        return [_f(f'{kind} lengthened: "{before or "unspecified"}" → "{after}"', {cat}, less=True)]
    elif shorter:
        return [_f(f'{kind} shortened: "{before}" → "{after or "unspecified"}"', {cat}, more=True)]
    else:
        return [_f(f'{kind} changed: "{before or "unspecified"}" → "{after or "unspecified"}"', {cat})]


def _ages(ages: set[int]) -> str:
    return "/".join(map(str, sorted(ages)))


def age_change(old: str, new: str, lex: Lexicon) -> list[Finding]:
    """An age threshold changed: a lower one lets younger users in (less protective)."""
    old_a = {int(m.group(1)) for m in lex.age.finditer(old)}
    new_a = {int(m.group(1)) for m in lex.age.finditer(new)}
    if old_a and new_a and old_a != new_a:
        lower = min(new_a) < min(old_a)
        return [
            _f(
                f"age threshold changed: {_ages(old_a)} → {_ages(new_a)}",
                {"children"},
                less=lower,
                more=not lower,
            )
        ]

    return []
