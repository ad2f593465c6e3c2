"""One rule engine, one lexicon per language: what a rule reads from the words of a policy.

A ``Lexicon`` holds everything language-specific the rules need - category cues (strong, weak, headings),
named terms (parties, data types, purposes, countries, rights, safeguards, notice terms), negation and
modality, limiters and qualifiers, durations and ages, and the protective/practice cues that give a change its
direction. The rules in ``clause_rules`` and ``practice`` are the same for every language and use the same
category ids; only the words differ. ``SUPPORTED_LANGUAGES`` lists the languages that have a lexicon;
``lexicon_for("xx")`` returns None for any other, and ``classify`` then answers "unsupported language".

Adding a language: write ``lexicon_<code>.py`` building a ``Lexicon`` from general policy language of that
language (never from the words of a labelled pair), register it in ``_BUILDERS``, and add rule tests in that
language written from scratch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Final

from monitor.core.materiality.fastre import AnyLex

if TYPE_CHECKING:
    from monitor.core.materiality.terms import Term

SUPPORTED_LANGUAGES: Final[tuple[str, ...]] = ("en", "fr", "de")


@dataclass(frozen=True, slots=True, eq=False)
class Lexicon:
    """The words one language uses for the practices the rules judge (identity-hashed, built once)."""

    code: str
    strong: Mapping[str, AnyLex]  # category → cues that state the practice outright
    weak: Mapping[str, AnyLex]  # category → incidental cues, used only when no strong cue matches
    heading: Mapping[str, re.Pattern[str]]  # category → words of a section heading
    terms: tuple[Term, ...]
    country: re.Pattern[str]
    country_name: Mapping[str, str]  # lower-case match → display name
    transfer_context: re.Pattern[str]  # a sentence about storing or moving data
    negated_practice: re.Pattern[str]  # one capturing group per alternative: the practice verb
    affirmed_practice: tuple[re.Pattern[str], ...]
    negation_cue: re.Pattern[str]
    stem: Callable[[str], str]  # practice verb → canonical stem (the keys of verb_category)
    verb_category: Mapping[str, str]
    limiters: frozenset[str]  # "only": removing one widens a practice
    qualifiers: frozenset[str]  # "except", "by default": adding one carves out the promise
    strong_modals: frozenset[str]
    weak_modals: frozenset[str]
    without: frozenset[str]  # "without" (notice)
    notice: re.Pattern[str]
    duration: re.Pattern[str]  # group 1 = number, group 2 = unit
    num_words: Mapping[str, int]
    unit_days: Callable[[str], float]
    open_ended: re.Pattern[str]
    after_closure: re.Pattern[str]
    age: re.Pattern[str]
    response_context: re.Pattern[str]
    retention_context: re.Pattern[str]
    protective: re.Pattern[str]
    disclaimer: re.Pattern[str]
    expanding: re.Pattern[str]
    date_line: re.Pattern[str]
    chrome: re.Pattern[str]
    verb: re.Pattern[str]
    jurisdiction: re.Pattern[str]  # countries, regions and states a right or a transfer can apply to
    condition: re.Pattern[str]  # "if", "only", "unless": a sentence that sets a condition
    conjunctions: tuple[str, str]  # ("and", "or"): and → or in a condition loosens it
    use_statement: re.Pattern[str]  # "we use / process / analyse …"
    purpose_markers: frozenset[str]  # "to", "for": what introduces a purpose
    subordinate: re.Pattern[str]  # ", so that", "such as": where a sentence's main statement ends
    safeguard_qualifiers: Mapping[str, int] = field(default_factory=dict)  # "strong" 2 > "reasonable" 1

    def categories(self, text: str) -> set[str]:
        """Categories a text is about: its strong cues, or its weak cues when it has no strong one."""
        return set(_topics(self, text))

    def strong_categories(self, text: str) -> set[str]:
        return {cat for cat, lex in self.strong.items() if lex.search(text)}

    def heading_categories(self, section: tuple[str, ...]) -> set[str]:
        """Categories of the innermost heading that names one (inner headings are more specific)."""
        key = (self.code, section)
        if key not in _HEADINGS:
            if len(_HEADINGS) > 4096:
                _HEADINGS.clear()
            _HEADINGS[key] = frozenset(self._heading_categories(section))
        return set(_HEADINGS[key])

    def _heading_categories(self, section: tuple[str, ...]) -> set[str]:
        for heading in reversed(section):
            found = {cat for cat, pattern in self.heading.items() if pattern.search(heading)}
            if found:
                return found
        return set()


_CACHE: dict[tuple[str, str], frozenset[str]] = {}
_HEADINGS: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}


def _topics(lex: Lexicon, text: str) -> frozenset[str]:
    key = (lex.code, text)
    found = _CACHE.get(key)
    if found is None:
        strong = lex.strong_categories(text)
        found = frozenset(strong or {cat for cat, weak in lex.weak.items() if weak.search(text)})
        if len(_CACHE) > 8192:
            _CACHE.clear()
        _CACHE[key] = found
    return found


def _english() -> Lexicon:
    from monitor.core.materiality.lexicon_en import build

    return build()


def _french() -> Lexicon:
    from monitor.core.materiality.lexicon_fr import build

    return build()


def _german() -> Lexicon:
    from monitor.core.materiality.lexicon_de import build

    return build()


_BUILDERS: Final[dict[str, Callable[[], Lexicon]]] = {"en": _english, "fr": _french, "de": _german}


def base_language(language: str | None) -> str:
    """ "en-GB" / "fr_FR" / "FR" → "en" / "fr"; empty or None → "en" (the engine's historic default)."""
    if not language:
        return "en"
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] or "en"


@cache
def lexicon_for(language: str | None) -> Lexicon | None:
    """The lexicon of a language (ISO 639-1, region suffixes ignored), or None when there is none."""
    builder = _BUILDERS.get(base_language(language))
    return builder() if builder else None
