"""Policy-language lexicon: what a clause is about (categories) and which practice terms it names.

Everything here is a compiled regular expression built once at import. Patterns use word boundaries and
explicit inflection groups (``shar(?:e|es|ed|ing)``) so that "shares", "shared" and "sharing" all match
while "shareholder" does not. They describe general policy language (OPP-115 / ToS;DR vocabulary plus AI
training, CCPA sale/share and biometrics); nothing here names a particular service.
"""

from __future__ import annotations

import re
from typing import Final

CATEGORIES: Final[tuple[str, ...]] = (
    "sharing",
    "sale",
    "advertising",
    "collection",
    "sensitive_data",
    "purpose",
    "retention",
    "user_rights",
    "children",
    "international_transfer",
    "security",
    "policy_change",
    "legal_disclosure",
    "business_transfer",
    "contact",
)

_F = re.IGNORECASE


def _rx(*alternatives: str) -> re.Pattern[str]:
    """One case-insensitive pattern, each alternative wrapped in word boundaries."""
    return re.compile("|".join(rf"\b(?:{a})\b" for a in alternatives), _F)


# Shared fragments -------------------------------------------------------------------------------------
_DATA = r"(?:personal |your |user |customer |such |this |that |the |any |certain )?(?:data|information|info)"
_PARTY = (
    r"third[- ]part(?:y|ies)|(?:business |marketing |advertising |analytics |trusted |selected |commercial "
    r"|third[- ]party |ad(?:-tech)? )?partners?|affiliates?|affiliated (?:companies|entities)|subsidiar(?:y|ies)"
    r"|group (?:companies|entities|compan(?:y|ies))|service providers?|vendors?|contractors?|(?:sub-?)?processors?"
    r"|advertisers?|data brokers?|other (?:companies|users|organi[sz]ations|businesses)|joint controllers?"
    r"|(?:workspace |account )?(?:admins?|administrators?)|employers?|authorities"
)
_SHARE_VERB = (
    r"shar(?:e|es|ed|ing)|disclos(?:e|es|ed|ing|ure|ures)|transfer(?:s|red|ring)?|provid(?:e|es|ed|ing)"
    r"|mak(?:e|es|ing) available|giv(?:e|es|en|ing) access|receiv(?:e|es|ed|ing)|access(?:es|ed)?|reveal(?:s|ed)?"
)
NUM_WORDS: Final[dict[str, int]] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "eighteen": 18, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "sixty": 60, "ninety": 90,
}  # fmt: skip
_NUM = r"\d+(?:[.,]\d+)?|" + "|".join(sorted(NUM_WORDS, key=len, reverse=True))

# Category topic patterns: a clause is "about" a category when any pattern matches its text. -------------
TOPIC: Final[dict[str, tuple[re.Pattern[str], ...]]] = {
    "sharing": (
        re.compile(rf"\b(?:{_SHARE_VERB})\b(?:\W+\w+){{0,14}}?\W+(?:with|to|by)\W+(?:\w+\W+){{0,4}}?"
                   rf"(?:{_PARTY})\b", _F),
        re.compile(rf"\b(?:{_PARTY})\b(?:\W+\w+){{0,8}}?\W+(?:may |can |will )?(?:{_SHARE_VERB})\b", _F),
        _rx(r"shared with", r"disclosed to", r"categories of (?:third parties|recipients)", r"recipients?"),
    ),
    "sale": (
        _rx(r"sell(?:s|ing)?", r"sold", r"rent(?:s|ed|ing)? (?:out )?(?:your|its|our|personal|customer|user)",
            r"leas(?:e|es|ed|ing) (?:its|your|our|personal|customer)", r"data brokers?",
            r"sale of (?:your |their )?personal (?:data|information)",
            r"cross[- ]context(?:ual)?(?: behavio(?:u)?ral)? advertising", r"for (?:monetary|valuable) consideration"),
        re.compile(r"[\"“]shar(?:e|es|ed|ing)[\"”]", _F),
    ),
    "advertising": (
        _rx(r"cookies?", r"pixels?", r"web beacons?", r"tracking (?:technolog(?:y|ies)|tools?|pixels?)",
            r"similar technologies", r"track(?:s|ed|ing)? (?:your|you|users|activity)",
            r"(?:targeted|personali[sz]ed|interest[- ]based|behavio(?:u)?ral|relevant|contextual) (?:ads|advertising|advertisements)",
            r"advertis(?:ing|ers?|ements?)", r"ads", r"ad (?:partners?|networks?|personali[sz]ation|measurement)",
            r"marketing (?:communications?|e-?mails?|messages?|purposes|cookies|measurement|materials?)",
            r"direct marketing", r"promotional (?:offers|e-?mails|messages|communications)",
            r"commercial (?:messages|communications)", r"do not track", r"global privacy control", r"gpc",
            r"cross[- ](?:site|device|app)", r"retargeting", r"remarketing", r"(?:other|third[- ]party) (?:web)?sites and apps"),
    ),
    "collection": (
        _rx(r"collect(?:s|ed|ing|ion)?", r"we (?:also )?(?:obtain|gather|receive|record|capture|log)(?:s|ed)?",
            r"(?:information|data) (?:that )?you (?:provide|give|submit|upload)", r"(?:information|data) we receive",
            r"(?:from|through) (?:other|third[- ]party|public(?:ly available)?) sources",
            r"automatically (?:collected|record(?:s|ed)?|receiv(?:e|es|ed))", r"inputs?", r"uploads?",
            r"(?:e-?mail|ip|postal|mailing) address(?:es)?", r"phone numbers?", r"date of birth",
            r"device (?:information|identifiers?|data)", r"usage (?:data|information)", r"log (?:data|files|information)",
            r"browsing (?:history|data)", r"contacts? (?:list|information)", r"payment (?:information|card|details)",
            r"photos?", r"videos?", r"audio", r"voice (?:input|recordings?|data)", r"screenshots?"),
    ),
    "sensitive_data": (
        _rx(r"biometrics?", r"facial (?:geometry|recognition|features|scans?|images?)", r"face (?:scans?|prints?|data|templates?)",
            r"voice ?prints?", r"fingerprints?", r"iris", r"retina(?:l)?", r"health(?:kit)?", r"medical", r"genetic",
            r"precise (?:geo)?locations?", r"(?:geo)?location (?:data|information)", r"location[- ]based", r"gps",
            r"government[- ](?:issued )?id(?:entification)?s?", r"passports?", r"driver'?s? licen[cs]es?",
            r"national id(?:entity)?(?: numbers?| cards?)?", r"social security numbers?", r"id (?:cards?|documents?)",
            r"racial", r"ethnic(?:ity| origin)?", r"religio(?:n|us)", r"philosophical beliefs", r"sex (?:life)",
            r"sexual (?:orientation|life)", r"trade union", r"political (?:opinions|views|affiliation)",
            r"neural data", r"sensitive (?:personal )?(?:data|information)", r"special categor(?:y|ies)"),
    ),
    "purpose": (
        _rx(r"train(?:s|ed|ing)? (?:\w+ ){0,4}models?", r"model training", r"machine[- ]learning",
            r"artificial intelligence", r"generative ai", r"(?:ai|language|foundation) models?",
            r"(?:for|to) (?:\w+ ){0,3}training purposes", r"training (?:data|datasets?)", r"profiling",
            r"automated (?:decision|decision-making|processing)", r"combin(?:e|es|ed|ing) (?:\w+ ){0,3}(?:data|information)",
            r"personali[sz](?:e|es|ed|ing|ation)", r"research", r"memory", r"improve (?:and develop )?(?:our )?(?:products|services|models)",
            r"purposes? (?:of|for) which", r"(?:use|process)(?:s|d|ing)? (?:\w+ ){0,3}(?:data|information|content|inputs?|outputs?|chats?|conversations?|recordings?) (?:to|for)",
            r"legal bas(?:is|es)", r"for (?:the following|these|those|other|new) purposes"),
    ),
    "retention": (
        _rx(r"retain(?:s|ed|ing)?", r"retention", r"indefinitely", r"as long as (?:\w+ ){0,4}(?:necessary|needed|required|active|open|exists?)",
            r"(?:keep|keeps|kept|store|stores|stored|maintain(?:s|ed)?) (?:\w+ ){0,6}(?:for|until|up to) ",
            r"(?:delete|deletes|deleted|purge|purged|erase|erased|remove|removed|de-identif(?:y|ies|ied)) (?:\w+ ){0,6}(?:after|within) (?:\w+ ){0,2}(?:days?|weeks?|months?|years?)",
            r"(?:until|after) (?:you )?(?:delete|close|closure|deletion|termination)"),
    ),
    "user_rights": (
        _rx(r"rights? (?:to|of) (?:\w+ ){0,2}(?:access|delet\w*|correct\w*|rectif\w*|port\w*|object\w*|restrict\w*|withdraw\w*|opt\w*|appeal\w*|know|erasure|complain\w*|lodge|limit)",
            r"(?:request|requests) (?:to )?(?:access|deletion|correction|that we delete|that we correct|a copy)",
            r"you (?:can|may|have the right to|are entitled to) (?:also )?(?:access|delete|correct|update|export|download|object|opt[- ]out|withdraw|request|restrict|manage|control|change|adjust|turn off|disable|review|appeal)",
            r"opt(?:s|ed|ing)?[- ]?out", r"data portability", r"portability", r"appeal", r"(?:privacy|your) (?:rights|choices)",
            r"(?:privacy|cookie|data) (?:settings|controls|preferences|choices|portal)", r"respond to (?:your |such |these )?requests?",
            r"verify your identity", r"authori[sz]ed agent", r"exercise (?:your|these|those|any of (?:these|your)) rights",
            r"withdraw (?:your )?consent", r"non-discrimination"),
    ),
    "children": (
        _rx(r"child(?:ren|ren's|’s|'s)?", r"kids", r"minors?", r"under (?:the age of )?\d{1,2}", r"aged? \d{1,2}",
            r"parent(?:s|al)?(?: or (?:legal )?guardians?)?", r"guardians?", r"teens?", r"teenagers?", r"students?",
            r"k-12", r"coppa", r"age (?:verification|estimation|group|groups|range|limit|requirements?|assurance|prediction)",
            r"(?:years?|yrs) of age", r"years old", r"minimum age"),
    ),
    "international_transfer": (
        _rx(r"transferr?(?:ed|s|ing)? (?:\w+ ){0,5}(?:outside|across|to other|to (?:the )?(?:countries|jurisdictions))",
            r"international(?:ly)? (?:data )?transfers?", r"cross[- ]border", r"standard contractual clauses", r"sccs?",
            r"adequacy decisions?", r"data privacy framework", r"privacy shield", r"binding corporate rules",
            r"(?:stored|processed|hosted|located|transferred) (?:\w+ ){0,4}in (?:the )?(?:united states|u\.s\.|us|usa|eu|eea|china|mainland china|singapore|india|countries)",
            r"servers? (?:\w+ ){0,2}located in", r"(?:outside|beyond) (?:of )?(?:the |your )?(?:eea|european economic area|eu|uk|country|jurisdiction)",
            r"countr(?:y|ies) (?:other than|where|outside)", r"remote(?:ly)? access(?:ed)? (?:\w+ ){0,4}from"),
    ),
    "security": (
        _rx(r"secur(?:e|ity|ed|ing)", r"encrypt(?:s|ed|ion|ing)?", r"unencrypted", r"safeguards?", r"unauthori[sz]ed (?:access|use|disclosure)",
            r"(?:data |security )?breach(?:es)?", r"access controls?", r"pseudonymi[sz](?:e|ed|ation)", r"two[- ]factor",
            r"firewalls?", r"protect (?:\w+ ){0,2}(?:data|information)", r"(?:technical|organi[sz]ational) measures"),
    ),
    "policy_change": (
        _rx(r"(?:changes?|updates?|modifications?|revisions?|amendments?) (?:to|of|in) (?:this|our|the) (?:\w+ )?(?:policy|notice|statement)",
            r"(?:update|change|modify|revise|amend)(?:s|d)? (?:this|our|the) (?:\w+ )?(?:policy|notice|statement) (?:from time to time|at any time)",
            r"(?:may|will|reserve the right to) (?:\w+ )?(?:update|change|modify|revise|amend)", r"continued use",
            r"without (?:prior )?notice", r"material changes?", r"notif(?:y|ies|ied) you (?:of|about|by|before|in advance)",
            r"(?:the )?notice in place"),
    ),
    "legal_disclosure": (
        _rx(r"law enforcement", r"government(?:al)? (?:authorities|agencies|requests?|entities|officials)",
            r"public authorities", r"courts?", r"court orders?", r"subpoenas?", r"legal process", r"warrants?",
            r"due process", r"regulators?", r"national security", r"legal requests?", r"(?:valid |lawful )?requests? (?:from|by) (?:\w+ ){0,2}authorities"),
    ),
    "business_transfer": (
        _rx(r"mergers?", r"acquisitions?", r"acquired", r"bankruptcy", r"insolvency", r"reorgani[sz]ations?",
            r"sale of (?:all|substantially all|some|part|a portion)(?: or (?:substantially all|part|a portion))? of (?:our|its|the)",
            r"sale of (?:our|its|the) (?:assets|business|company)", r"corporate transactions?", r"change (?:of|in) control",
            r"(?:prospective |potential |actual )?(?:buyers?|acquirers?|purchasers?)", r"successors?", r"divestitures?"),
    ),
    "contact": (
        _rx(r"contact us", r"data protection officer", r"dpo", r"representative", r"article 27", r"data controller",
            r"controller", r"lodge a complaint", r"supervisory authority", r"data protection authority",
            r"privacy (?:team|office|officer)", r"[\w.+-]+@[\w-]+\.[\w.]+", r"(?:ltd|llc|inc|gmbh|pbc|plc|b\.v|s\.a\.s?)\.?",
            r"registered (?:office|address)", r"(?:mailing|postal) address", r"web ?form"),
    ),
}

# Section headings carry the topic of everything under them. ----------------------------------------------
HEADING: Final[dict[str, re.Pattern[str]]] = {
    "sharing": _rx(r"shar(?:e|es|ed|ing)", r"disclos\w*", r"third[- ]part(?:y|ies)", r"recipients?", r"who we share"),
    "sale": _rx(r"sell(?:s|ing)?", r"sale of (?:personal )?(?:data|information)", r"do not sell"),
    "advertising": _rx(r"cookies?", r"tracking", r"advertis\w*", r"ads", r"marketing", r"trackers?", r"pixels?"),
    "collection": _rx(r"collect\w*", r"information (?:we|you) (?:receive|provide|obtain)", r"sources", r"(?:data|information) we"),
    "sensitive_data": _rx(r"sensitive", r"biometric\w*", r"health", r"location", r"special categor\w*"),
    "purpose": _rx(r"how we use", r"use of (?:your )?(?:personal )?(?:data|information)", r"purposes?", r"legal bas[ie]s",
                   r"training", r"models?", r"personali[sz]ation", r"memory"),
    "retention": _rx(r"retention", r"retain\w*", r"how long", r"storage period", r"deletion"),
    "user_rights": _rx(r"rights", r"choices", r"controls?", r"opt[- ]?out", r"access(?:ing)? your", r"preferences"),
    "children": _rx(r"child\w*", r"minors?", r"kids", r"teens?", r"students?", r"age"),
    "international_transfer": _rx(r"international", r"transfers?", r"cross[- ]border", r"where we (?:store|process)", r"storage location"),
    "security": _rx(r"secur\w*", r"safeguard\w*", r"protect\w*", r"encrypt\w*"),
    "policy_change": _rx(r"changes? (?:to|in|of) (?:this|our|the)", r"updates? to (?:this|our|the)", r"revisions?"),
    "legal_disclosure": _rx(r"law enforcement", r"legal (?:requests|process|reasons)", r"government"),
    "business_transfer": _rx(r"business transfers?", r"mergers?", r"corporate transactions?", r"acquisitions?"),
    "contact": _rx(r"contact\w*", r"controller", r"representatives?", r"dpo", r"data protection officer", r"who we are", r"complaints?"),
}


def topic_categories(text: str) -> set[str]:
    """Categories whose topic patterns match ``text``."""
    return {cat for cat, patterns in TOPIC.items() if any(p.search(text) for p in patterns)}


def heading_categories(section: tuple[str, ...]) -> set[str]:
    """Categories of the innermost heading that names one (inner headings are more specific)."""
    for heading in reversed(section):
        found = {cat for cat, pattern in HEADING.items() if pattern.search(heading)}
        if found:
            return found
    return set()
