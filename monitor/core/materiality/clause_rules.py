"""Judging one clause change: material or not, categories, direction, reasons.

Added or removed clauses are material when they state a practice in a privacy category (a sentence with a
verb or a table row naming a practice term), and are not date lines, banners or navigation, and their
wording does not survive elsewhere in the other version (a duplicate or a split is not a change).

Modified clauses are judged on the substantive word delta only (see ``wording``). Triggers, in order:
negation flip on a practice verb, limiter removed/added ("only"), qualifier added ("by default",
"except"), commitment weakened ("will" → "may"), changed durations, ages or response times, new or removed
named terms (party, data type, purpose, country, right, safeguard, notice term). A substantive rewrite
with no trigger is material only when the changed words themselves name a category's topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from monitor.core.materiality import lexicon, measures, patterns, practice, terms
from monitor.core.materiality.types import ChangeJudgement, Direction, Severity
from monitor.core.materiality.wording import WordDelta, phrase, plain, squash, substantive_delta, tokens

if TYPE_CHECKING:
    from monitor.core.clauses import Clause
    from monitor.core.diff import ClauseChange
    from monitor.core.materiality.language import Lexicon

NOT_MATERIAL: Final = ChangeJudgement(False, "none", (), "neutral", ())

_HIGH_CATEGORIES: Final = frozenset({"sale", "sensitive_data"})


class TextKeys:
    """``squash()``-ed whole texts, computed on first use: most changes never need them."""

    def __init__(self, old_text: str | None, new_text: str) -> None:
        self._texts = {"old": old_text or "", "new": new_text}
        self._keys: dict[str, str] = {}

    def get(self, side: str) -> str:
        if side not in self._keys:
            self._keys[side] = squash(self._texts[side])
        return self._keys[side]


@dataclass(slots=True)
class _Found:
    categories: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)
    less: bool = False
    more: bool = False
    high: bool = False

    def add(
        self, reason: str, categories: set[str], *, less: bool = False, more: bool = False, high: bool = False
    ) -> None:
        self.reasons.append(reason)
        self.categories |= categories
        self.less |= less
        self.more |= more
        self.high |= high


def _quote(text: str, limit: int = 90) -> str:
    text = " ".join(plain(text).split())
    return f'"{text[:limit]}{"…" if len(text) > limit else ""}"'


def _states_practice(text: str, lex: Lexicon) -> bool:
    """A sentence with an actor and verb, or a table row / list item (cookie tables, data lists)."""
    stripped = text.strip()
    if lex.date_line.search(plain(stripped)) and len(stripped) < 160:
        return False
    if lex.chrome.search(plain(stripped).strip()):
        return False
    if stripped.count(" ") < 3 and "/" in stripped:
        return False  # a wrapped URL or path fragment states nothing
    words = re.findall(r"[^\W\d_]{2,}", plain(stripped))
    if len(words) < 3:
        return False
    return bool(lex.verb.search(stripped)) or stripped.count("|") >= 2 or len(words) >= 6


# Categories that stay even when the section is about something else: they change who is at risk or what
# kind of data is at stake, whatever the section's topic.
_ALWAYS: Final = frozenset(
    {"sale", "sensitive_data", "children", "business_transfer", "legal_disclosure", "sharing"}
)


def clause_categories(clause: Clause, lex: Lexicon) -> set[str]:
    """What an added or removed clause is about. Its own cues decide; when its section heading names some of
    them, the clause is about the section's topic and its other cues are incidental ("we keep advertising
    data for 13 months" under "How long we keep data" is a retention change)."""
    text = plain(clause.text)
    found = lex.categories(text)
    heading = lex.heading_categories(clause.section)
    if not found:
        return heading
    # What the main statement says decides; a purpose or example clause tacked on ("…, so that they can
    # apply safeguards", "such as cookies") adds only categories that always matter.
    cut = lex.subordinate.search(text)
    if cut and cut.start() >= 30:
        main = lex.categories(text[: cut.start()])
        if main:
            found = main | (found & _ALWAYS)
    focused = found & heading
    found = (focused | (found & _ALWAYS)) if focused else found
    return found


def _terms(
    text: str, lex: Lexicon, *, rights_context: bool, notice_context: bool = True
) -> dict[tuple[str, str], str]:
    """(kind, label) → category for the named terms in a text."""
    out: dict[tuple[str, str], str] = {}
    for term in lex.terms:
        if term.kind == "right" and not rights_context:
            continue
        if term.kind == "notice" and not notice_context:
            continue  # "by e-mail" in a contact line is a channel, not notice of changes
        if term.pattern.search(text):
            out[(term.kind, term.label)] = term.category
    if lex.transfer_context.search(text):
        for m in lex.country.finditer(text):
            out[("country", lex.country_name.get(m.group(0).lower(), m.group(0)))] = "international_transfer"
    # A more specific label makes the generic one redundant ("precise location" over "location").
    for specific, generic in (
        (("data type", "precise location"), ("data type", "location")),
        (("party", "advertising partners"), ("party", "partners")),
        (("party", "analytics partners"), ("party", "partners")),
    ):
        if specific in out:
            out.pop(generic, None)
    return out


def _sentence_negated(text: str, needle: re.Pattern[str], lex: Lexicon) -> bool:
    for sentence in re.split(r"(?<=[.;:!?])\s+", text):
        if needle.search(sentence):
            return bool(lex.negation_cue.search(sentence))
    return False


def _modified(change: ClauseChange, lex: Lexicon) -> ChangeJudgement:
    assert change.old is not None and change.new is not None
    addresses = _address_change(change.old.text, change.new.text)
    if addresses:
        return _judgement(addresses)
    delta = substantive_delta(change.old.text, change.new.text)
    if delta.empty or _link_labels_only(change.old.text, change.new.text, delta):
        return NOT_MATERIAL
    old, new = plain(change.old.text), plain(change.new.text)
    cats = lex.categories(old) | lex.categories(new)
    found = _Found()
    _flip_rules(old, new, delta, cats, found, lex)
    scoped = _pattern_rules(old, new, delta, cats, found, lex)
    for f in (*measures.durations_change(old, new, cats, lex), *measures.age_change(old, new, lex)):
        found.add(f.reason, set(f.categories), less=f.less, more=f.more)
    _term_rules(old, new, cats, found, lex, skip_countries=scoped)
    if not found.reasons:
        changed = " ".join(delta.removed + delta.added)
        changed_cats = lex.categories(changed) & cats
        content = [t for t in delta.removed + delta.added if len(t) > 3]
        if not changed_cats or len(content) < 4:
            return NOT_MATERIAL
        # A sentence inserted into (or cut from) a clause points the way an added (removed) clause would.
        inserted, cut = " ".join(delta.added), " ".join(delta.removed)
        less = more = False
        if len(delta.added) >= 6 and not delta.removed and changed_cats != {"contact"}:
            less = not practice.protective(inserted, lex)
            more = not less
        elif len(delta.removed) >= 6 and not delta.added and changed_cats != {"contact"}:
            more = not practice.protective(cut, lex)
            less = not more
        reason = f'wording changed: "{phrase(delta.removed, 8)}" → "{phrase(delta.added, 8)}"'
        found.add(reason, changed_cats, less=less, more=more)
    if not found.categories:
        found.categories = cats or lex.heading_categories(change.new.section)
    return _judgement(found)


_EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LABEL: Final = re.compile(r"\[([^\]]*)\]\([^)]*\)")
# Words that point at a link rather than state anything ("click here", "visit the … page").
_NAVIGATION: Final = frozenset(
    (
        "click", "here", "tap", "view", "visit", "see", "go", "to", "learn", "more", "read", "your", "the",
        "this", "our", "page", "please", "cliquez", "ici", "consultez", "voir", "visitez", "hier", "klicken",
        "besuchen", "sie",
    )
)  # fmt: skip


def _address_change(old: str, new: str) -> _Found | None:
    """An e-mail address to write to (in the text or behind a mailto link) changed: where requests and
    complaints go is a contact change, even when the visible words stay the same."""
    old_a = {a.lower().rstrip(".") for a in _EMAIL.findall(old)}
    new_a = {a.lower().rstrip(".") for a in _EMAIL.findall(new)}
    if old_a == new_a or not (old_a or new_a):
        return None
    found = _Found()
    gone, came = sorted(old_a - new_a), sorted(new_a - old_a)
    found.add(
        f'contact address changed: "{", ".join(gone) or "none"}" → "{", ".join(came) or "none"}"', {"contact"}
    )
    return found


def _link_labels_only(old: str, new: str, delta: WordDelta) -> bool:
    """Every changed word is the label of a link ("click here" → "view your privacy choices"): navigation
    wording, not policy."""
    old_labels = {t for label in _LABEL.findall(old) for t in tokens(label)} | _NAVIGATION
    new_labels = {t for label in _LABEL.findall(new) for t in tokens(label)} | _NAVIGATION
    return all(set(o) <= old_labels and set(n) <= new_labels for o, n in delta.regions)


def _flip_rules(old: str, new: str, delta: WordDelta, cats: set[str], found: _Found, lex: Lexicon) -> None:
    neg_old, neg_new = terms.negated_verbs(old, lex), terms.negated_verbs(new, lex)
    for stem, before in neg_old.items():
        if stem not in neg_new:
            after = terms.affirmed_phrase(new, stem, lex) or phrase(delta.added, 6)
            flip = practice.flip_cats(stem, new, cats, lex)
            found.add(f'negation removed: "{before}" → "{after}"', flip, less=True, high=True)
    for stem, after in neg_new.items():
        if stem not in neg_old:
            before = terms.affirmed_phrase(old, stem, lex) or phrase(delta.removed, 6)
            found.add(
                f'negation added: "{before}" → "{after}"',
                practice.flip_cats(stem, new, cats, lex),
                more=True,
                high=True,
            )
    focus = practice.focus(delta, cats, lex)
    removed, added = set(delta.removed), set(delta.added)
    if neg_old and not found.reasons and delta.removed and not delta.added and set(neg_old) <= set(neg_new):
        # Words dropped from a "we do not …" sentence narrow the promise (a plan or party left out).
        stem = min(neg_old)
        found.add(
            f'protection narrowed: "{phrase(delta.removed, 8)}" dropped from "{neg_old[stem]}"',
            practice.flip_cats(stem, old, cats, lex),
            less=True,
        )
    if (removed & lex.limiters) - added:
        found.add(f'restriction removed: "{phrase(delta.removed, 8)}"', focus, less=True)
    elif (added & lex.limiters) - removed:
        found.add(f'restriction added: "{phrase(delta.added, 8)}"', focus, more=True)
    qualifiers = (added & lex.qualifiers) - removed
    if qualifiers and not found.reasons:
        found.add(f'qualifier added: "{phrase(delta.added, 8)}"', focus, less=True)
    if (removed & lex.strong_modals) and (added & lex.weak_modals) and not (removed & lex.weak_modals):
        found.add(
            f'commitment weakened: "{phrase(delta.removed, 6)}" → "{phrase(delta.added, 6)}"',
            focus,
            less=True,
        )
    if (added & lex.without) and lex.notice.search(new) and not (removed & lex.without):
        found.add(
            f'notice weakened: "{phrase(delta.removed, 8)}" → "{phrase(delta.added, 8)}"',
            {"policy_change"} if "policy_change" in cats else focus,
            less=True,
        )


def _pattern_rules(old: str, new: str, delta: WordDelta, cats: set[str], found: _Found, lex: Lexicon) -> bool:
    """Scope and strength rules (``patterns``); True when a jurisdiction list changed (countries handled)."""
    negated = bool(lex.negated_practice.search(new) or lex.negated_practice.search(old))
    focus = practice.focus(delta, cats, lex)
    scope = patterns.jurisdictions(old, new, cats, lex)
    findings = [
        *scope,
        *patterns.safeguard_strength(delta, cats, lex),
        *patterns.safeguard_scope(old, new, delta, lex),
        *patterns.conditions(new, delta, focus, lex),
        *patterns.party_qualifier(old, new, delta, negated, lex),
    ]
    if not findings and not found.reasons:
        findings = patterns.new_purpose(new, delta, lex)
    for f in findings:
        found.add(f.reason, set(f.categories), less=f.less, more=f.more)
    return patterns.names_jurisdictions(old, new, lex)


def _term_rules(
    old: str, new: str, cats: set[str], found: _Found, lex: Lexicon, *, skip_countries: bool = False
) -> None:
    rights = "user_rights" in cats
    notice = "policy_change" in cats
    old_t = _terms(old, lex, rights_context=rights, notice_context=notice)
    new_t = _terms(new, lex, rights_context=rights, notice_context=notice)
    if skip_countries:
        old_t = {k: v for k, v in old_t.items() if k[0] != "country"}
        new_t = {k: v for k, v in new_t.items() if k[0] != "country"}
    # Dict order, not set order: reasons must come out the same in every process.
    for key in [key for key in new_t if key not in old_t]:
        kind, label = key
        cat = new_t[key]
        pattern = re.compile(re.escape(label.split()[0]), re.I)
        negated = _sentence_negated(new, pattern, lex)
        protective_kind = kind in ("right", "safeguard") or (kind == "notice")
        more = negated != protective_kind and not (kind == "notice" and any(w in new for w in lex.without))
        high = (
            cat in _HIGH_CATEGORIES or (kind == "purpose" and label == "AI model training") or kind == "party"
        )
        found.add(
            f"new {kind}: {label}",
            {cat} | ({"sharing"} if kind == "party" and cat != "sale" else set()),
            less=not more,
            more=more,
            high=high and not more,
        )
    for key in [key for key in old_t if key not in new_t]:
        kind, label = key
        cat = old_t[key]
        protective_kind = kind in ("right", "safeguard", "notice")
        pattern = re.compile(re.escape(label.split()[0]), re.I)
        negated = _sentence_negated(old, pattern, lex)
        less = protective_kind != negated
        found.add(
            f"{kind} removed: {label}",
            {cat},
            less=less,
            more=not less,
            high=less and (cat in _HIGH_CATEGORIES or label == "AI model training"),
        )


def survives(text: str, other: str) -> bool:
    """The clause's wording occurs in the other version's squashed text (list markers and edge punctuation
    may differ)."""
    words = squash(text).split()
    key = " ".join(words[1:-1] if len(words) > 4 else words)
    return len(key) > 8 and key in other


def _added_or_removed(clause: Clause, lex: Lexicon, *, added: bool, keys: TextKeys) -> ChangeJudgement:
    if not _states_practice(clause.text, lex):
        return NOT_MATERIAL
    cats = clause_categories(clause, lex)
    if not cats:
        return NOT_MATERIAL
    if survives(clause.text, keys.get("old" if added else "new")):
        return NOT_MATERIAL  # the same wording survives elsewhere (split, merge, duplicate copy)
    text = plain(clause.text)
    found = _Found()
    held = _already_held(text, lex, keys) if added else []
    if held:
        cats = (cats - {"collection"}) | {"purpose"}
        found.reasons.append(f"new purpose for data already collected: {', '.join(held)}")
    reason = f"clause {'added' if added else 'removed'} ({', '.join(_ordered(cats))}): {_quote(clause.text)}"
    if cats <= {"contact"}:
        found.add(reason, cats)  # who to contact changed: no effect on protection either way
    else:
        # Adding a practice or removing a protection makes the policy less protective.
        less = practice.protective(text, lex) != added
        found.add(reason, cats, less=less, more=not less)
    named = _terms(text, lex, rights_context="user_rights" in cats)
    interesting = [(k, lbl) for (k, lbl), c in named.items() if c in cats and k != "notice"]
    for kind, label in interesting[:4]:
        found.reasons.append(
            f"{'new' if added else 'removed'} {kind}: {label}" if added else f"{kind} removed: {label}"
        )
    found.high = (
        bool(cats & _HIGH_CATEGORIES)
        or any(lbl == "AI model training" or (k == "party" and less) for k, lbl in interesting)
        or (added and "sharing" in cats and less)
    )
    return _judgement(found)


def _already_held(text: str, lex: Lexicon, keys: TextKeys) -> list[str]:
    """Data types a new use statement names that the old text already named (a new use of held data)."""
    if not lex.use_statement.search(text) or lex.purpose_markers.isdisjoint(text.split()):
        return []
    old = keys.get("old")
    return [
        t.label
        for t in lex.terms
        if t.kind == "data type" and t.pattern.search(text) and t.pattern.search(old)
    ][:3]


def _ordered(cats: set[str]) -> list[str]:
    return [c for c in lexicon.CATEGORIES if c in cats]


def _judgement(found: _Found) -> ChangeJudgement:
    direction: Direction = (
        "mixed"
        if found.less and found.more
        else "less_protective"
        if found.less
        else "more_protective"
        if found.more
        else "neutral"
    )
    cats = set(found.categories)
    severity: Severity
    if found.high or cats & _HIGH_CATEGORIES:
        severity = "high"
    elif cats <= {"contact"} or direction == "neutral":
        severity = "low"
    else:
        severity = "medium"
    return ChangeJudgement(
        True, severity, tuple(_ordered(cats)), direction, tuple(dict.fromkeys(found.reasons))
    )


def judge_change(change: ClauseChange, keys: TextKeys, lex: Lexicon) -> ChangeJudgement:
    """One ClauseChange → ChangeJudgement; ``keys`` gives the whole texts for duplicate checks."""
    if change.kind == "moved":
        return NOT_MATERIAL
    if change.kind == "modified" and change.old is not None and change.new is not None:
        return _modified(change, lex)
    if change.kind == "added" and change.new is not None:
        return _added_or_removed(change.new, lex, added=True, keys=keys)
    if change.kind == "removed" and change.old is not None:
        return _added_or_removed(change.old, lex, added=False, keys=keys)
    return NOT_MATERIAL
