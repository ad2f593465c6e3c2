"""Rules for edits that change a promise's scope or strength without flipping it (issue 13).

Each rule states a pattern a privacy lawyer would recognise, in any language with a lexicon:

* **Jurisdiction and scope lists** - a country, region or state gains or loses a right, a complaint route
  or a transfer safeguard ("users in Brazil, Japan and Korea may appeal" → "users in Brazil may
  appeal"). In a clause that grants something, a jurisdiction dropped is less protective and one added
  more; in a clause that sends data somewhere, a destination added is less protective.
* **Qualifiers on safeguards** - a safeguard's stated standard lowered ("strong" → "reasonable"), or its
  scope cut ("encrypted at rest and in transit" → "encrypted in transit").
* **Conditions** - "and" → "or" in a condition loosens it (either test now suffices); "or" → "and"
  tightens it.
* **A party list narrowed or widened by one word** - "share with partners" → "share with selected partners"
  narrows the sharing; in a "we do not share with …" promise the same word narrows the promise instead.
* **A new purpose for data already held** - a use statement gains a purpose phrase ("we use your photos to
  develop new features").

A rule returns ``Finding`` values; ``clause_rules`` turns them into reasons, categories and direction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.core.materiality.wording import FILLER, phrase

if TYPE_CHECKING:
    from monitor.core.materiality.language import Lexicon
    from monitor.core.materiality.wording import WordDelta

_GRANTING = frozenset({"user_rights", "contact", "children", "security"})


@dataclass(frozen=True, slots=True)
class Finding:
    reason: str
    categories: frozenset[str]
    less: bool = False
    more: bool = False


# The EU and the EEA are one area for data-protection rights: naming one for the other changes no scope.
_EUROPE = frozenset({"european union", "eu", "european economic area", "eea"})


def _names(text: str, lex: Lexicon) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in lex.jurisdiction.finditer(text):
        name = lex.country_name.get(m.group(0).lower(), m.group(0))
        key = "eu/eea" if name.lower() in _EUROPE else name.lower()
        out.setdefault(key, "the EU/EEA" if key == "eu/eea" else name)
    return out


def _safeguarded(text: str, lex: Lexicon) -> bool:
    return any(t.kind == "safeguard" and t.pattern.search(text) for t in lex.terms)


def names_jurisdictions(old: str, new: str, lex: Lexicon) -> bool:
    """Both wordings name jurisdictions: their countries are judged as a scope list, not one by one."""
    return bool(lex.jurisdiction.search(old)) and bool(lex.jurisdiction.search(new))


def jurisdictions(old: str, new: str, cats: set[str], lex: Lexicon) -> list[Finding]:
    old_j, new_j = _names(old, lex), _names(new, lex)
    dropped = [v for k, v in old_j.items() if k not in new_j]
    gained = [v for k, v in new_j.items() if k not in old_j]
    if not (dropped or gained) or not (old_j and new_j):
        return []  # a clause that names no jurisdiction on one side is a rewrite, not a scope change
    granting = bool(cats & _GRANTING) or bool(lex.protective.search(new)) or _safeguarded(new, lex)
    transfer = not granting and ("international_transfer" in cats or bool(lex.transfer_context.search(new)))
    if not (granting or transfer):
        return []
    focus = cats & (_GRANTING | {"international_transfer"}) or {
        "international_transfer" if transfer else "user_rights"
    }
    if transfer:  # where data goes: the reasons name each country, as the term rules do
        return [
            *(Finding(f"new country: {n}", frozenset(focus), less=True) for n in gained),
            *(Finding(f"country removed: {n}", frozenset(focus), more=True) for n in dropped),
        ]
    out = []
    if dropped:
        out.append(
            Finding(f"scope narrowed: no longer applies to {', '.join(dropped)}", frozenset(focus), less=True)
        )
    if gained:
        out.append(
            Finding(f"scope widened: now also applies to {', '.join(gained)}", frozenset(focus), more=True)
        )
    return out


def safeguard_strength(delta: WordDelta, cats: set[str], lex: Lexicon) -> list[Finding]:
    levels = lex.safeguard_qualifiers
    out = []
    for old_run, new_run in delta.regions:
        before = [levels[w] for w in old_run if w in levels]
        after = [levels[w] for w in new_run if w in levels]
        if before and after and max(before) != max(after):
            weaker = max(after) < max(before)
            cat = frozenset({"security"} if "security" in cats or not cats else cats)
            verb = "weakened" if weaker else "strengthened"
            out.append(
                Finding(
                    f'safeguard {verb}: "{phrase(old_run, 6)}" → "{phrase(new_run, 6)}"',
                    cat,
                    less=weaker,
                    more=not weaker,
                )
            )
    return out


def safeguard_scope(old: str, new: str, delta: WordDelta, lex: Lexicon) -> list[Finding]:
    """Words cut from (or added to) a sentence that states a safeguard, with nothing else changed."""
    if not (_safeguarded(old, lex) and _safeguarded(new, lex)) or lex.negation_cue.search(new):
        return []
    content_removed = [w for w in delta.removed if w not in FILLER]
    content_added = [w for w in delta.added if w not in FILLER]
    if content_removed and not content_added:
        return [
            Finding(
                f'safeguard narrowed: "{phrase(delta.removed, 8)}" dropped',
                frozenset({"security"}),
                less=True,
            )
        ]
    if content_added and not content_removed and not (set(delta.added) & lex.qualifiers):
        return [
            Finding(
                f'safeguard widened: "{phrase(delta.added, 8)}" added', frozenset({"security"}), more=True
            )
        ]
    return []


def conditions(new: str, delta: WordDelta, focus: set[str], lex: Lexicon) -> list[Finding]:
    if not lex.condition.search(new):
        return []
    both, either = lex.conjunctions
    out = []
    for old_run, new_run in delta.regions:
        if old_run == (both,) and new_run == (either,):
            out.append(Finding(f'condition loosened: "{both}" → "{either}"', frozenset(focus), less=True))
        elif old_run == (either,) and new_run == (both,):
            out.append(Finding(f'condition tightened: "{either}" → "{both}"', frozenset(focus), more=True))
    return out


def _next_to_party(text: str, word: str, lex: Lexicon) -> bool:
    for m in re.finditer(rf"\b{re.escape(word)}\b", text, re.I):
        after, before = (
            text[m.end() : m.end() + 50].lstrip(" -"),
            text[max(0, m.start() - 50) : m.start()].rstrip(),
        )
        for t in lex.terms:
            if t.kind != "party":
                continue
            if t.pattern.pattern.match(after):
                return True
            if any(hit.end() == len(before) for hit in t.pattern.pattern.finditer(before)):
                return True  # French and German put the adjective after the noun
    return False


def party_qualifier(old: str, new: str, delta: WordDelta, negated: bool, lex: Lexicon) -> list[Finding]:
    """One word added to or dropped from a party name ("partners" → "selected partners")."""
    out = []
    for old_run, new_run in delta.regions:
        if len(old_run) + len(new_run) != 1:
            continue
        word, added = (new_run[0], True) if new_run else (old_run[0], False)
        if word in FILLER or not word.isalpha() or not _next_to_party(new if added else old, word, lex):
            continue
        # Narrowing who receives data protects the user; narrowing whom a "we do not share" promise covers
        # does not.
        narrowed = added
        less = narrowed == negated
        kind = "narrowed" if narrowed else "widened"
        subject = "protection" if negated else "recipients"
        out.append(
            Finding(
                f'{subject} {kind}: "{word}" {"added to" if added else "dropped from"} a party',
                frozenset({"sharing"}),
                less=less,
                more=not less,
            )
        )
    return out


def new_purpose(new: str, delta: WordDelta, lex: Lexicon) -> list[Finding]:
    """A use statement gains a purpose phrase ("… to develop new features"), and nothing is taken away: one
    insertion that starts with a purpose marker."""
    if not lex.use_statement.search(new) or len(delta.regions) != 1:
        return []
    old_run, new_run = delta.regions[0]
    lead = set(lex.conjunctions) | (FILLER - lex.purpose_markers)
    while new_run and new_run[0] in lead:
        new_run = new_run[1:]  # "… and to develop …": the conjunction joins the new purpose on
    if old_run or not new_run or new_run[0] not in lex.purpose_markers:
        return []
    content = [w for w in new_run[1:] if w not in FILLER and len(w) > 2]
    if len(content) < 2:
        return []
    return [Finding(f'new purpose: "{phrase(new_run, 10)}"', frozenset({"purpose"}), less=True)]
