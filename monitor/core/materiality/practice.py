"""Practice language: which way a clause points (protection or practice) and which category a trigger
inside a modified clause speaks to.

* ``protective(text)``: the clause promises the user something - a right or choice, a "we do not …"
  promise, consent, deletion, a safeguard - and states no affirmative practice of its own ("we may share"
  with an opt-out attached is still a practice). A disclaimer ("we do not secure data you send to
  third-party plug-ins") is not a protection.
* ``flip_cats`` / ``focus``: a modified clause's categories are those of its trigger - the flipped verb
  ("sell" → sale) plus specific categories of its sentence, or the categories its changed words name -
  not every topic the clause mentions.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from monitor.core.materiality.language import Lexicon
    from monitor.core.materiality.wording import WordDelta

# What a clause promises the user: a right or choice, a "we do not" promise, consent, deletion, a safeguard.
PROTECTIVE: Final = re.compile(
    r"\b(?:you (?:have the right to|are entitled to)"
    # "you can" grants something only with a verb of control ("you can capture screenshots" grants nothing)
    r"|you (?:can|may|will be able to) (?:also )?(?:opt|delete|access|correct|update|export|download|object"
    r"|withdraw|request|restrict|limit|manage|control|change|adjust|turn|disable|review|appeal|choose|decide"
    r"|unsubscribe|ask|exercise|contact|lodge|file|refuse|decline|remove|erase)|right to"
    r"|opt[- ]?out|withdraw|"
    r"we will (?:notify|ask|inform)|encrypt(?:s|ed|ion)?|not (?:be )?(?:used|shared|sold)|"
    r"(?:only )?with your (?:prior |express |explicit |affirmative )?(?:opt-in )?consent|(?:turn|switch) off"
    r"|(?:privacy|cookie) (?:choices|settings)|(?:we|will|automatically|regularly|promptly) (?:\w+ ){0,2}"
    r"(?:delete|erase|purge|anonymi[sz]e|de-identify|clean up)|delet(?:e|ed) (?:\w+ ){0,4}within"
    r"|until you (?:\w+ ){0,2}(?:delete|remove)"
    r"|(?:you|users?|end users|members?|each \w+) (?:\w+ ){0,2}(?:control|decide|choose)s?"
    r"|no (?:\w+ ){0,3}(?:(?:is|are|has|have|will)(?: been| be)? )?(?:used|shared|sold|collected|introduced|"
    r"tracked|stored|disclosed))\b",
    re.I,
)
# Disclaiming responsibility for data ("we do not secure data from third-party apps") protects no one.
DISCLAIMER: Final = re.compile(
    r"\b(?:not|cannot|n't) (?:\w+ ){0,2}(?:secure|protect|control|guarantee|warrant|be (?:held )?"
    r"(?:responsible|liable))\b",
    re.I,
)
# An affirmative practice with the service or a recipient as actor ("we may share", "partners use").
EXPANDING: Final = re.compile(
    r"\b(?:we|our (?:\w+ )?(?:partners|affiliates|providers)|partners|they|third parties|advertisers)\s+"
    r"(?:(?:may|might|can|will|also|could|would|to|and)\s+){0,3}(?:\w+ly\s+)?(?:sell|share|disclose|rent|"
    r"lease|transfer|collect|track|use|train|retain|keep|store|process|combine|infer|analy[sz]e|link|"
    r"provide|receive|obtain|access|monitor|review|profile|target)s?\b",
    re.I,
)
# The category a practice verb speaks to when its negation flips (the object adds specific categories).
VERB_CATEGORY: Final = {
    "sell": "sale", "sold": "sale", "rent": "sale", "leas": "sale", "shar": "sharing", "disclos": "sharing",
    "transfer": "sharing", "collect": "collection", "track": "advertising", "target": "advertising",
    "market": "advertising", "profil": "purpose", "train": "purpose", "us": "purpose", "use": "purpose",
    "process": "purpose", "combin": "purpose", "personali": "purpose", "retain": "retention",
    "keep": "retention", "stor": "retention",
}  # fmt: skip
_SPECIFIC: Final = frozenset({"sale", "sensitive_data", "children", "advertising"})


def _verb_category(stem: str, lex: Lexicon) -> str | None:
    return next(
        (c for k, c in lex.verb_category.items() if stem == k or (len(k) > 4 and stem.startswith(k))), None
    )


def _sharpen(found: set[str]) -> set[str]:
    """Generic "collection" gives way to what is collected (children's data, location, ...)."""
    return found - {"collection"} if found & _SPECIFIC else found


def flip_cats(stem: str, text: str, cats: set[str], lex: Lexicon) -> set[str]:
    """Categories of a negation flip: the verb's own category plus specific categories of its sentence."""
    verb = _verb_category(stem, lex)
    sentence = next((x for x in re.split(r"(?<=[.;:!?])\s+", text) if stem in x), text)
    found = ({verb} if verb else set()) | (lex.categories(sentence) & _SPECIFIC)
    return _sharpen(found) or cats


def focus(delta: WordDelta, cats: set[str], lex: Lexicon) -> set[str]:
    """Categories the changed words themselves name, within the clause's categories (else the clause's)."""
    changed = lex.categories(" ".join(delta.removed + delta.added)) & cats
    return _sharpen(changed or cats)


def protective(text: str, lex: Lexicon) -> bool:
    """A clause that states a protection and no new practice of its own ("we will not sell…", "you can…")."""
    if lex.disclaimer.search(text):
        return False
    negated = [m.span() for m in lex.negated_practice.finditer(text)]
    practice = any(
        not any(a <= m.start() < b or m.start() <= a < m.end() for a, b in negated)
        for m in lex.expanding.finditer(text)
    )
    if negated and not practice:
        return True
    return bool(lex.protective.search(text)) and not practice
