"""The English lexicon: the existing English cue tables (``lexicon``, ``topics``, ``headings``, ``terms``,
``practice``) gathered into one ``Lexicon`` value, plus the clause-level cues (date lines, page chrome,
sentences with an actor and a verb)."""

from __future__ import annotations

import re
from typing import Final

from monitor.core.materiality import headings, lexicon, practice, terms, topics
from monitor.core.materiality.fastre import AnyLex
from monitor.core.materiality.language import Lexicon

_DATE_LINE: Final = re.compile(
    r"^\W*(?:last\s+)?(?:updated|effective|modified|revised|version|date|as of|previous version"
    r"|valid from)\b",
    re.I,
)
_CHROME: Final = re.compile(
    r"\b(?:accept all|reject all|allow all|accept (?:strictly )?necessary|manage (?:cookie )?preferences|"
    r"cookie banner"
    r"|back to top|skip to (?:main )?content|expand all|collapse all|print this page|table of contents|"
    r"click here"
    r"|view previous|previous versions?"
    # An update banner names the document, not a practice ("we have updated our sharing…" is a change).
    r"|we(?:'ve|’ve| have) (?:made (?:some )?(?:changes|updates) to|updated|changed|revised) (?:our|this|the)"
    r" (?:privacy |cookie )?(?:policy|notice|statement|terms)"
    r"|we(?:'d|’d| would) like to use cookies|(?:this|our) (?:web)?site uses cookies|by clicking)\b"
    # A bare pointer to another document states no practice of its own.
    r"|^\W*(?:for more (?:details|information)[^.]{0,40},\s*)?(?:please )?(?:read|see|visit|refer to|review)"
    r" (?:our|the) [^.]{0,60}(?:policy|notice|page|article|section)\W*$",
    re.I,
)
_VERB: Final = re.compile(
    r"\b(?:we|you|they|it|this|these|our|your)\b(?:\W+\w+){0,6}?\W+(?:\w+(?:s|ed|e)|may|will|can|must|is|are|do|does)\b"
    r"|\b(?:used|shared|collected|stored|retained|deleted|processed|sold|disclosed|transferred)\b",
    re.I,
)
# How strong a safeguard's stated standard is: "strong" → "reasonable" weakens the commitment.
SAFEGUARD_STRENGTH: Final = {
    "strong": 2, "strict": 2, "robust": 2, "rigorous": 2, "stringent": 2, "industry-leading": 2,
    "state-of-the-art": 2, "advanced": 2, "reasonable": 1, "appropriate": 1, "adequate": 1,
    "commercially": 1, "basic": 0,
}  # fmt: skip


US_STATES: Final = tuple(
    [
        "Alabama",
        "Alaska",
        "Arizona",
        "Arkansas",
        "California",
        "Colorado",
        "Connecticut",
        "Delaware",
        "Florida",
        "Georgia",
        "Hawaii",
        "Idaho",
        "Illinois",
        "Indiana",
        "Iowa",
        "Kansas",
        "Kentucky",
        "Louisiana",
        "Maine",
        "Maryland",
        "Massachusetts",
        "Michigan",
        "Minnesota",
        "Mississippi",
        "Missouri",
        "Montana",
        "Nebraska",
        "Nevada",
        "New Hampshire",
        "New Jersey",
        "New Mexico",
        "New York",
        "North Carolina",
        "North Dakota",
        "Ohio",
        "Oklahoma",
        "Oregon",
        "Pennsylvania",
        "Rhode Island",
        "South Carolina",
        "South Dakota",
        "Tennessee",
        "Texas",
        "Utah",
        "Vermont",
        "Virginia",
        "Washington",
        "West Virginia",
        "Wisconsin",
        "Wyoming",
        "Quebec",
        "Ontario",
        "British Columbia",
        "Alberta",
        "Puerto Rico",
    ]
)
JURISDICTION: Final = re.compile(
    r"(?<![\w.])(?:"
    + "|".join(re.escape(c) for c in sorted((*terms.COUNTRIES, *US_STATES), key=len, reverse=True))
    + r")(?![\w])",
    re.I,
)


def build() -> Lexicon:
    return Lexicon(
        code="en",
        strong={cat: AnyLex(p) for cat, p in lexicon.TOPIC.items()},
        weak={cat: AnyLex(p) for cat, p in topics.WEAK.items()},
        heading=headings.HEADING,
        terms=terms.TERMS,
        country=terms.COUNTRY_RX,
        country_name=terms.COUNTRY_NAME,
        transfer_context=terms.TRANSFER_CONTEXT,
        negated_practice=terms.NEGATED_PRACTICE,
        affirmed_practice=terms.AFFIRMED_PRACTICE,
        negation_cue=terms.NEGATION_CUE,
        stem=terms.verb_stem,
        verb_category=practice.VERB_CATEGORY,
        limiters=terms.LIMITERS,
        qualifiers=terms.QUALIFIERS,
        strong_modals=terms.STRONG_MODALS,
        weak_modals=terms.WEAK_MODALS,
        without=frozenset({"without"}),
        notice=re.compile(r"\bnotice\b", re.I),
        duration=terms.DURATION,
        num_words=lexicon.NUM_WORDS,
        unit_days=terms.unit_days,
        open_ended=terms.OPEN_ENDED,
        after_closure=terms.AFTER_CLOSURE,
        age=terms.AGE,
        response_context=terms.RESPONSE_CONTEXT,
        retention_context=terms.RETENTION_CONTEXT,
        protective=practice.PROTECTIVE,
        disclaimer=practice.DISCLAIMER,
        expanding=practice.EXPANDING,
        date_line=_DATE_LINE,
        chrome=_CHROME,
        verb=_VERB,
        jurisdiction=JURISDICTION,
        condition=re.compile(r"\b(?:if|when|where|unless|only|provided|as long as|in case|whether)\b", re.I),
        conjunctions=("and", "or"),
        use_statement=re.compile(
            r"\b(?:use|uses|used|using|process(?:es|ed|ing)?|analy[sz](?:e|es|ed|ing)|review(?:s|ed|ing)?)\b",
            re.I,
        ),
        purpose_markers=frozenset({"to", "for"}),
        subordinate=re.compile(
            r",? (?:so that|in order to|to help|to ensure|such as|including|for example|e\.g\."
            r"|which (?:helps|allows|enables))\b",
            re.I,
        ),
        safeguard_qualifiers=SAFEGUARD_STRENGTH,
    )
