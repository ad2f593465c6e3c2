"""Section headings carry the topic of everything under them ("Data Retention" → retention)."""

from __future__ import annotations

import re
from typing import Final

from monitor.core.materiality.lexicon import rx

HEADING: Final[dict[str, re.Pattern[str]]] = {
    "sharing": rx(
        r"shar(?:e|es|ed|ing)", r"disclos\w*", r"third[- ]part(?:y|ies)", r"recipients?", r"who we share"
    ),
    "sale": rx(r"sell(?:s|ing)?", r"sale of (?:personal )?(?:data|information)", r"do not sell"),
    "advertising": rx(
        r"cookies?", r"tracking", r"advertis\w*", r"ads", r"marketing", r"trackers?", r"pixels?"
    ),
    "collection": rx(
        r"collect\w*",
        r"information (?:we|you) (?:receive|provide|obtain)",
        r"sources",
        r"(?:data|information) we",
    ),
    "sensitive_data": rx(r"sensitive", r"biometric\w*", r"health", r"location", r"special categor\w*"),
    "purpose": rx(
        r"how we use",
        r"use of (?:your )?(?:personal )?(?:data|information)",
        r"purposes?",
        r"legal bas[ie]s",
        r"training",
        r"models?",
        r"personali[sz]ation",
        r"memory",
    ),
    "retention": rx(r"retention", r"retain\w*", r"how long", r"storage period", r"deletion"),
    "user_rights": rx(
        r"rights", r"choices", r"controls?", r"opt[- ]?out", r"access(?:ing)? your", r"preferences"
    ),
    "children": rx(r"child\w*", r"minors?", r"kids", r"teens?", r"students?", r"age"),
    "international_transfer": rx(
        r"international",
        r"transfers?",
        r"cross[- ]border",
        r"where we (?:store|process)",
        r"storage location",
    ),
    "security": rx(r"secur\w*", r"safeguard\w*", r"protect\w*", r"encrypt\w*"),
    "policy_change": rx(
        r"changes? (?:to|in|of) (?:this|our|the)", r"updates? to (?:this|our|the)", r"revisions?"
    ),
    "legal_disclosure": rx(r"law enforcement", r"legal (?:requests|process|reasons)", r"government"),
    "business_transfer": rx(
        r"business transfers?", r"mergers?", r"corporate transactions?", r"acquisitions?"
    ),
    "contact": rx(
        r"contact\w*",
        r"controller",
        r"representatives?",
        r"dpo",
        r"data protection officer",
        r"who we are",
        r"complaints?",
    ),
}


def heading_categories(section: tuple[str, ...]) -> set[str]:
    """Categories of the innermost heading that names one (inner headings are more specific)."""
    for heading in reversed(section):
        found = {cat for cat, pattern in HEADING.items() if pattern.search(heading)}
        if found:
            return found
    return set()
