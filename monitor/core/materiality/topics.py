"""What a clause is about: strong cues (``lexicon.TOPIC``) first, weak cues only when there is none.

Weak cues are words that often appear in passing ("the data we collect", "secure", "parents", an e-mail
address): they give a clause its category only when no strong cue names any category, so one incidental
keyword does not add "security" or "collection" to a clause about sharing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from monitor.core.materiality.fastre import AnyLex
from monitor.core.materiality.lexicon import TOPIC, rx

# Weak cues: words that often appear incidentally ("the data we collect", "secure", "parents"). They give
# a clause its category only when no strong cue names any category.
WEAK: Final[dict[str, tuple[re.Pattern[str], ...]]] = {
    "sharing": (rx(r"recipients?", r"third[- ]part(?:y|ies)"),),
    "collection": (
        rx(
            r"collect(?:s|ed|ing|ion)?",
            r"(?:information|data) we (?:collect|receive|obtain)",
            r"inputs?",
            r"uploads?",
            r"(?:email|mail|ip|postal|mailing) address(?:es)?",
            r"phone numbers?",
            r"date of birth",
            r"device (?:information|identifiers?|data)",
            r"usage (?:data|information)",
            r"log (?:data|files|information)",
            r"browsing (?:history|data)",
            r"contacts? (?:list|information)",
            r"payment (?:information|card|details)",
            r"photos?",
            r"videos?",
            r"audio",
            r"voice (?:input|recordings?|data)",
            r"screenshots?",
        ),
    ),
    "sensitive_data": (rx(r"health"),),
    "purpose": (
        rx(
            r"personali[sz](?:e|es|ed|ing|ation)",
            r"research",
            r"improve (?:and develop )?(?:our )?(?:products|services|models)",
        ),
    ),
    "user_rights": (
        rx(
            r"appeal",
            r"respond to (?:your |such |these )?requests?",
            r"verify your identity",
            r"(?:privacy|cookie|data) (?:settings|controls|preferences|choices|portal)",
        ),
    ),
    "children": (rx(r"parent(?:s|al)?", r"guardians?", r"students?"),),
    "security": (rx(r"secur(?:e|ity|ed|ing)", r"protect (?:\w+ ){0,2}(?:data|information)"),),
    "policy_change": (rx(r"(?:may|will) (?:\w+ )?(?:update|change|modify|revise|amend) (?:this|our|the)"),),
    "legal_disclosure": (rx(r"courts?", r"regulators?", r"warrants?"),),
    "business_transfer": (rx(r"successors?", r"acquired"),),
    "contact": (
        rx(
            r"controller",
            r"representative",
            r"[\w.+-]+@[\w-]+\.[\w.]+",
            r"(?:ltd|llc|inc|gmbh|pbc|plc|b\.v|s\.a\.s?)\.?",
            r"(?:mailing|postal) address",
            r"web ?form",
        ),
    ),
}


def _combine(table: dict[str, tuple[re.Pattern[str], ...]]) -> dict[str, AnyLex]:
    return {cat: AnyLex(pats) for cat, pats in table.items()}


_STRONG_LEX: Final = _combine(TOPIC)
_WEAK_LEX: Final = _combine(WEAK)


def strong_categories(text: str) -> set[str]:
    """Categories a text states outright (strong cues only)."""
    return {cat for cat, lex in _STRONG_LEX.items() if lex.search(text)}


@lru_cache(maxsize=4096)
def _topics(text: str) -> frozenset[str]:
    found = strong_categories(text)
    return frozenset(found or {cat for cat, lex in _WEAK_LEX.items() if lex.search(text)})


def topic_categories(text: str) -> set[str]:
    """Categories a text is about: its strong cues, or its weak cues when it has no strong one."""
    return set(_topics(text))
