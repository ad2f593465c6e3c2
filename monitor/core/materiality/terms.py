"""Named practice terms (parties, data types, purposes, countries, rights, safeguards, notice terms),
negation cues and durations.

A term that is present in the new wording of a clause and absent from the old one (or the reverse) is a
verifiable reason ("new party: data brokers"). Terms are matched on whole clauses, not only on the changed
words, so that moving a word inside a sentence is not mistaken for adding it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from monitor.core.materiality.fastre import Lex
from monitor.core.materiality.lexicon import NUM

if TYPE_CHECKING:
    from monitor.core.materiality.language import Lexicon

TermKind = Literal["party", "data type", "purpose", "country", "right", "safeguard", "notice"]
_F = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class Term:
    kind: TermKind
    label: str  # what a reason shows
    category: str  # category the term belongs to
    pattern: Lex


def term(kind: TermKind, label: str, category: str, regex: str) -> Term:
    """A named term; the label is what a reason shows (in English, whatever the policy's language)."""
    return Term(kind, label, category, Lex(re.compile(rf"\b(?:{regex})\b", _F)))


_t = term


TERMS: Final[tuple[Term, ...]] = (
    # parties
    _t("party", "third parties", "sharing", r"third[- ]part(?:y|ies)"),
    _t(
        "party",
        "advertising partners",
        "sharing",
        r"(?:advertising|ad|marketing|ad-tech) partners?|advertisers?",
    ),
    _t("party", "analytics partners", "sharing", r"analytics (?:partners?|providers?)"),
    _t(
        "party",
        "partners",
        "sharing",
        r"(?:business |trusted |selected |commercial |third[- ]party )?partners?",
    ),
    _t("party", "data brokers", "sale", r"data brokers?"),
    _t(
        "party",
        "affiliates",
        "sharing",
        r"affiliates?|subsidiar(?:y|ies)|group (?:companies|entities)|corporate family",
    ),
    _t(
        "party",
        "service providers",
        "sharing",
        r"service providers?|vendors?|contractors?|(?:sub-?)?processors?",
    ),
    _t("party", "other companies", "sharing", r"other (?:companies|organi[sz]ations|businesses)"),
    _t("party", "other users", "sharing", r"other users|publicly visible|the public"),
    _t(
        "party",
        "administrators",
        "sharing",
        r"(?:workspace |account )?(?:admins?|administrators?|owners?)|your employer",
    ),
    _t(
        "party",
        "government authorities",
        "legal_disclosure",
        r"government(?:al)? (?:authorities|agencies|entities|officials)|law enforcement|public authorities|"
        r"authorities",
    ),
    _t(
        "party",
        "buyers",
        "business_transfer",
        r"(?:prospective |potential |actual )?(?:buyers?|acquirers?|purchasers?)",
    ),
    _t("party", "third-party AI models", "sharing", r"third[- ]party (?:ai )?models?"),
    # data types
    _t(
        "data type", "biometric data", "sensitive_data", r"biometrics?(?: (?:data|information|identifiers?))?"
    ),
    _t(
        "data type",
        "facial data",
        "sensitive_data",
        r"facial (?:geometry|features|recognition|scans?)|face (?:scans?|data|templates?)",
    ),
    _t("data type", "voiceprints", "sensitive_data", r"voice ?prints?"),
    _t(
        "data type",
        "health data",
        "sensitive_data",
        r"health(?: (?:data|information|records|conditions?))?|medical (?:data|information|records)",
    ),
    _t("data type", "genetic data", "sensitive_data", r"genetic"),
    _t("data type", "precise location", "sensitive_data", r"precise (?:geo)?locations?|gps"),
    _t("data type", "location", "sensitive_data", r"(?:geo)?location(?: data| information)?"),
    _t(
        "data type",
        "government ID",
        "sensitive_data",
        r"government[- ](?:issued )?ids?|passports?|driver'?s? licen[cs]es?|id (?:cards?|documents?)|"
        r"national id",
    ),
    _t("data type", "racial or ethnic origin", "sensitive_data", r"racial|ethnic(?:ity| origin)?"),
    _t("data type", "religious beliefs", "sensitive_data", r"religio(?:n|us)(?: beliefs)?"),
    _t("data type", "sex life or orientation", "sensitive_data", r"sex life|sexual (?:orientation|life)"),
    _t("data type", "neural data", "sensitive_data", r"neural data"),
    _t("data type", "e-mail address", "collection", r"(?:email|mail) address(?:es)?"),
    _t("data type", "phone number", "collection", r"(?:tele)?phone numbers?"),
    _t("data type", "contacts", "collection", r"contacts? (?:list|information)|address book|device contacts"),
    _t("data type", "photos", "collection", r"photos?|images?|pictures?"),
    _t(
        "data type",
        "audio or video",
        "collection",
        r"audio|videos?|voice (?:input|recordings?|messages?)|recordings?",
    ),
    _t("data type", "browsing history", "collection", r"browsing (?:history|data|activity)"),
    _t(
        "data type",
        "messages",
        "collection",
        r"(?:direct |private )?messages|dms|conversations?|chats|chat (?:history|logs?|content|transcripts?)",
    ),
    _t("data type", "screenshots", "collection", r"screenshots?|screen (?:content|captures?)"),
    _t(
        "data type",
        "payment information",
        "collection",
        r"payment (?:information|card|details)|credit card|bank account",
    ),
    _t("data type", "IP address", "collection", r"ip address(?:es)?"),
    _t(
        "data type",
        "device identifiers",
        "collection",
        r"device (?:identifiers?|ids?)|advertising (?:ids?|identifiers?)",
    ),
    _t("data type", "age group", "children", r"age (?:group|range|bracket)s?(?: information)?"),
    _t("data type", "demographics", "collection", r"demographics?(?: (?:data|information))?"),
    _t("data type", "files", "collection", r"files|documents"),
    # purposes
    _t(
        "purpose",
        "AI model training",
        "purpose",
        r"train(?:s|ed|ing)? (?:\w+ ){0,4}(?:models?|ai|llms?)|(?:model|ai) training|training purposes|"
        r"machine[- ]learning"
        r"|artificial intelligence|generative ai|foundation models?",
    ),
    _t("purpose", "profiling", "purpose", r"profiling|automated decisions?(?:-making)?"),
    _t("purpose", "personalisation", "purpose", r"personali[sz](?:e|es|ed|ing|ation)"),
    _t("purpose", "research", "purpose", r"research"),
    _t("purpose", "combining data", "purpose", r"combin(?:e|es|ed|ing) (?:\w+ ){0,3}(?:data|information)"),
    _t(
        "purpose",
        "targeted advertising",
        "advertising",
        r"(?:targeted|personali[sz]ed|interest[- ]based|relevant) (?:ads|advertising)|ads personali[sz]ation|"
        r"advertising purposes",
    ),
    _t("purpose", "marketing", "advertising", r"marketing|promotional|commercial messages"),
    _t("purpose", "tracking", "advertising", r"track(?:s|ed|ing)?|cross[- ](?:site|device|app)"),
    _t("purpose", "age estimation", "children", r"age (?:estimation|prediction|assurance|verification)"),
    # rights (only read in a rights context, see clause_rules)
    _t("right", "access", "user_rights", r"access|(?:obtain|request|receive|get) a copy|copy of your"),
    _t("right", "deletion", "user_rights", r"delet(?:e|ion)|erasure|erase"),
    _t("right", "correction", "user_rights", r"correct(?:ion)?|rectif(?:y|ication)"),
    _t("right", "portability", "user_rights", r"portability|export"),
    _t("right", "objection", "user_rights", r"object(?:ion)?"),
    _t("right", "opt-out", "user_rights", r"opt(?:s|ed|ing)?[- ]?out"),
    _t("right", "restriction", "user_rights", r"restrict(?:ion)?|limit the use"),
    _t("right", "withdraw consent", "user_rights", r"withdraw (?:your )?consent"),
    _t("right", "appeal", "user_rights", r"appeal"),
    _t("right", "complaint", "user_rights", r"(?:lodge|file|make) a complaint"),
    # safeguards
    _t("safeguard", "encryption", "security", r"encrypt(?:s|ed|ion|ing)?"),
    _t("safeguard", "access controls", "security", r"access controls?"),
    _t(
        "safeguard",
        "pseudonymisation",
        "security",
        r"pseudonymi[sz](?:e|ed|ation)|de-identif(?:y|ied|ication)|anonymi[sz](?:e|ed|ation)",
    ),
    _t("safeguard", "breach notification", "security", r"breach notification|notify you (?:\w+ ){0,4}breach"),
    # notice terms (how changes are announced)
    _t("notice", "notice by e-mail", "policy_change", r"notify you by e-?mail|(?:by|via) e-?mail"),
    _t(
        "notice",
        "advance notice",
        "policy_change",
        r"prior to the change|in advance|advance notice|prior notice"
        r"|before (?:the )?changes? (?:become|take)",
    ),
    _t("notice", "notification", "policy_change", r"notif(?:y|ies|ied|ication)"),
    _t("notice", "consent to changes", "policy_change", r"(?:with|obtain) your consent|unless you consent"),
)

COUNTRIES: Final[tuple[str, ...]] = (
    "United States",
    "U.S.",
    "USA",
    "European Union",
    "European Economic Area",
    "EEA",
    "United Kingdom",
    "UK",
    "Switzerland",
    "China",
    "Mainland China",
    "Hong Kong",
    "Taiwan",
    "Singapore",
    "Indonesia",
    "Malaysia",
    "India",
    "Japan",
    "Republic of Korea",
    "South Korea",
    "Korea",
    "Russia",
    "Brazil",
    "Canada",
    "Australia",
    "Ireland",
    "Germany",
    "France",
    "Netherlands",
    "Israel",
    "Vietnam",
    "Philippines",
    "Thailand",
    "Mexico",
    "Argentina",
    "Turkey",
    "United Arab Emirates",
    "Saudi Arabia",
    "South Africa",
    "Nigeria",
    "Kenya",
    "Egypt",
    "Pakistan",
    "Bangladesh",
    "New Zealand",
    "Luxembourg",
    "Sweden",
    "Finland",
    "Norway",
    "Denmark",
    "Poland",
    "Spain",
    "Italy",
)
COUNTRY_RX: Final = re.compile(
    r"(?<![\w.])(?:"
    + "|".join(re.escape(c) for c in sorted(COUNTRIES, key=len, reverse=True))
    + r")(?![\w])",
    _F,
)
COUNTRY_NAME: Final = {
    c.lower(): c for c in COUNTRIES
}  # texts are compared lower-cased; reasons show the name
# Country names matter for transfers only when the sentence talks about storing or moving data.
TRANSFER_CONTEXT: Final = re.compile(
    r"\b(?:stor(?:e|ed|ing|age)|process(?:ed|ing)?|transferr?(?:ed|s|ing)?|hosted|servers?"
    r"|data cent(?:er|re)s?|remote(?:ly)? access\w*)\b",
    _F,
)

# Negation of a practice verb: "do not sell", "will never share", "is not used to train", "no ... is sold".
_PRACTICE = (
    r"sell|sold|shar(?:e|ed)|disclos(?:e|ed)|rent(?:ed)?|leas(?:e|ed)|transfer(?:red)?|collect(?:ed)?|track(?:ed)?|use[ds]?"
    r"|train(?:ed)?|retain(?:ed)?|keep|kept|stor(?:e|ed)|process(?:ed)?|combin(?:e|ed)|access(?:ed)?|read|monitor(?:ed)?"
    r"|identif(?:y|ied)|extract(?:ed)?|target(?:ed)?|market(?:ed)?|profil(?:e|ed)|link(?:ed)?|personali[sz](?:e|ed)|ask"
)
NEGATED_PRACTICE: Final = re.compile(
    rf"\b(?:(?:do|does|did|will|shall|would|can|could|may|must|should)(?:\s+not|n['’]t)|never|(?:is|are|be|been|was|were)"
    rf"\s+(?:not|never)|won['’]t|nor|no longer)\s+(?:\w+\s+){{0,3}}?({_PRACTICE})\b",
    _F,
)
# Modal first ("may sell"), then any actor ("we sell"): the modal is what a reader compares with "do not".
AFFIRMED_PRACTICE: Final = (
    re.compile(
        rf"\b(?:may|might|can|could|will|shall|to|are|is|be|been)\s+(?:\w+\s+){{0,2}}?({_PRACTICE})\b", _F
    ),
    re.compile(rf"\b(?:we|they|partners?|it|also)\s+(?:\w+\s+){{0,2}}?({_PRACTICE})\b", _F),
)
NEGATION_CUE: Final = re.compile(
    r"\b(?:not|never|no|nor|neither|without|n['’]t|won['’]t|cannot)\b|n['’]t\b", _F
)
LIMITERS: Final = frozenset({"only", "solely", "exclusively", "never", "strictly"})
QUALIFIERS: Final = frozenset(
    {"except", "unless", "default", "generally", "reasonably", "necessary", "otherwise"}
)
STRONG_MODALS: Final = frozenset({"will", "shall", "must", "always", "ensure", "commit"})
WEAK_MODALS: Final = frozenset({"may", "might", "can", "could", "try", "aim", "endeavour", "endeavor"})

_VERB_STEM: Final = {"sold": "sell", "kept": "keep", "read": "read"}


def verb_stem(word: str) -> str:
    w = word.lower()
    if w in _VERB_STEM:
        return _VERB_STEM[w]
    for suffix in ("ing", "ed", "es", "s", "e", "d"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)]
    return w


def negated_verbs(text: str, lex: Lexicon) -> dict[str, str]:
    """Practice verbs under a negation, stem → the matched phrase ("sell" → "do not sell")."""
    out: dict[str, str] = {}
    for m in lex.negated_practice.finditer(text):
        verb = next((g for g in m.groups() if g), None)
        if verb:
            out.setdefault(lex.stem(verb), m.group(0))
    return out


def affirmed_phrase(text: str, stem: str, lex: Lexicon) -> str | None:
    """The first affirmative use of a practice verb with this stem, e.g. "may sell"."""
    for pattern in lex.affirmed_practice:
        for m in pattern.finditer(text):
            verb = next((g for g in m.groups() if g), None)
            if verb and lex.stem(verb) == stem:
                return m.group(0)
    return None


# Durations -------------------------------------------------------------------------------------------
_UNIT_DAYS: Final = {
    "hour": 1 / 24,
    "day": 1,
    "business day": 1.4,
    "working day": 1.4,
    "week": 7,
    "month": 30,
    "year": 365,
}
DURATION: Final = re.compile(
    rf"\b({NUM})(?:\s*\(\d+\))?[\s-]+((?:business |working |calendar )?(?:hour|day|week|month|year))s?\b", _F
)
OPEN_ENDED: Final = re.compile(
    r"\b(?:indefinitely|as long as (?:\w+ ){0,6}(?:necessary|needed|required|active|open|exists?|use)|"
    r"until you (?:delete|close|remove)"
    r"|for (?:the )?(?:life|lifetime|duration) of (?:your|the) account|permanently)\b",
    _F,
)
AFTER_CLOSURE: Final = re.compile(
    r"\b(?:after|following|beyond) (?:\w+ ){0,3}(?:clos\w+|delet\w+|terminat\w+|cancel\w+)", _F
)


def unit_days(unit: str) -> float:
    return _UNIT_DAYS.get(re.sub(r"^calendar ", "", unit.lower()), 1.0)


def durations(text: str, lex: Lexicon) -> list[tuple[str, float]]:
    """(phrase, days) for every explicit duration ("30 days", "ten years", "trente jours")."""
    out: list[tuple[str, float]] = []
    for m in lex.duration.finditer(text):
        raw = m.group(1).lower()
        if re.fullmatch(r"\d+[.,]\d{1,2}", raw):
            continue  # "8.83 days" is a measured average in a statistics table, not a commitment
        try:
            value = (
                float(lex.num_words[raw])
                if raw in lex.num_words
                else float(raw.replace(",", "" if lex.code == "en" else "."))
            )
        except ValueError:
            continue
        out.append((m.group(0), value * lex.unit_days(m.group(2))))
    return out


AGE: Final = re.compile(
    r"\b(?:under|over|aged?|younger than|older than|at least|minimum age(?: of)?|"
    r"age of)\s+(?:the age of\s+)?(\d{1,2})\b",
    _F,
)
RESPONSE_CONTEXT: Final = re.compile(
    r"\b(?:respond|response|reply|replies|answer|process (?:your )?requests?)\w*", _F
)
RETENTION_CONTEXT: Final = re.compile(
    r"\b(?:retain\w*|retention|keep|keeps|kept|stor(?:e|ed|es)|delet\w+|purg\w+|eras\w+|de-identif\w+|remov\w+|maintain\w*)\b",
    _F,
)
