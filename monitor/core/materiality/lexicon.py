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


def rx(*alternatives: str) -> re.Pattern[str]:
    """One case-insensitive pattern, each alternative wrapped in word boundaries."""
    return re.compile("|".join(rf"\b(?:{a})\b" for a in alternatives), _F)


# Shared fragments -------------------------------------------------------------------------------------
_DATA = r"(?:personal |your |user |customer |such |this |that |the |any |certain )?(?:data|information|info)"
_PARTY = (
    r"third[- ]part(?:y|ies)|(?:business |marketing |advertising |analytics |trusted |selected |commercial "
    r"|third[- ]party |ad(?:-tech)? )?partners?|affiliates?|affiliated (?:companies|entities)|subsidiar(?:y|"
    r"ies)"
    r"|group (?:companies|entities|compan(?:y|ies))|service providers?|vendors?|contractors?|"
    r"(?:sub-?)?processors?"
    r"|advertisers?|data brokers?|other (?:companies|users|organi[sz]ations|businesses)|joint controllers?"
    r"|(?:workspace |account )?(?:admins?|administrators?)|employers?|authorities"
)
_SHARE_VERB = (
    r"shar(?:e|es|ed|ing)|disclos(?:e|es|ed|ing|ure|ures)|transfer(?:s|red|ring)?|provid(?:e|es|ed|ing)"
    r"|mak(?:e|es|ing) available|giv(?:e|es|en|ing) access|receiv(?:e|es|ed|ing)|access(?:es|ed)?|reveal(?:s|"
    r"ed)?"
)
_NUM_NAMES: Final = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "eighteen twenty thirty forty forty-five sixty ninety"
)
_NUM_VALUES: Final = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 30, 40, 45, 60, 90)
NUM_WORDS: Final[dict[str, int]] = dict(zip(_NUM_NAMES.split(" "), _NUM_VALUES, strict=True))
NUM = r"\d+(?:[.,]\d+)?|" + "|".join(sorted(NUM_WORDS, key=len, reverse=True))

# Category topic patterns: a clause is "about" a category when any pattern matches its text. -------------
TOPIC: Final[dict[str, tuple[re.Pattern[str], ...]]] = {
    "sharing": (
        re.compile(
            rf"\b(?:{_SHARE_VERB})\b(?:\W+\w+){{0,14}}?\W+(?:with|to|by)\W+(?:\w+\W+){{0,4}}?"
            rf"(?:{_PARTY})\b",
            _F,
        ),
        re.compile(rf"\b(?:{_PARTY})\b(?:\W+\w+){{0,8}}?\W+(?:may |can |will )?(?:{_SHARE_VERB})\b", _F),
        rx(
            r"shared with",
            r"disclosed to",
            r"categories of (?:third parties|recipients)",
            r"(?:we|may|will|also) (?:\w+ ){0,2}(?:share|disclose)s? (?:\w+ ){0,4}(?:data|information)",
        ),
    ),
    "sale": (
        rx(
            r"sell(?:s|ing)?",
            r"sold",
            r"rent(?:s|ed|ing)? (?:out )?(?:your|its|our|personal|customer|user)",
            r"leas(?:e|es|ed|ing) (?:its|your|our|personal|customer)",
            r"data brokers?",
            r"sale of (?:your |their )?personal (?:data|information)",
            r"cross[- ]context(?:ual)?(?: behavio(?:u)?ral)? advertising",
            r"for (?:monetary|valuable) consideration",
        ),
        re.compile(r"[\"“]shar(?:e|es|ed|ing)[\"”]", _F),
    ),
    "advertising": (
        rx(
            r"cookies?",
            r"pixels?",
            r"web beacons?",
            r"tracking (?:technolog(?:y|ies)|tools?|pixels?)",
            r"similar technologies",
            r"track(?:s|ed|ing)? (?:your|you|users|activity)",
            r"(?:targeted|personali[sz]ed|interest[- ]based|behavio(?:u)?ral|relevant|contextual) (?:ads|"
            r"advertising|advertisements)",
            r"advertis(?:ing|ers?|ements?)",
            r"ads",
            r"ad (?:partners?|networks?|personali[sz]ation|measurement)",
            r"marketing (?:communications?|e-?mails?|messages?|purposes|cookies|measurement|materials?)",
            r"direct marketing",
            r"promotional (?:offers|e-?mails|messages|communications)",
            r"commercial (?:messages|communications)",
            r"do not track",
            r"global privacy control",
            r"gpc",
            r"cross[- ](?:site|device|app)",
            r"retargeting",
            r"remarketing",
            r"(?:across|on) (?:other|third[- ]party) (?:web)?sites(?: and (?:apps|services))?",
        ),
    ),
    "collection": (
        rx(
            # "we collect", but not "the information we collect" (a mention, not a statement)
            r"(?<!information )(?<!data )(?:we|may|will|also|automatically|to) (?:\w+ ){0,2}"
            r"(?:collect|gather|obtain|capture)(?:s|ed)?",
            r"collect(?:s|ed|ing)? (?:the following|your|personal|information|data|certain"
            r"|and (?:use|store))",
            r"(?:information|data|content) (?:that )?you (?:provide|give|submit|upload|enter)",
            r"(?:from|through) (?:other|third[- ]party|public(?:ly available)?) sources",
            r"automatically (?:collected|record(?:s|ed)?|receiv(?:e|es|ed))",
        ),
    ),
    "sensitive_data": (
        rx(
            r"biometrics?",
            r"facial (?:geometry|recognition|features|scans?|images?)",
            r"face (?:scans?|prints?|data|templates?)",
            r"voice ?prints?",
            r"fingerprints?",
            r"iris",
            r"retina(?:l)?",
            r"health (?:data|information|conditions?|records?)",
            r"medical",
            r"genetic",
            r"precise (?:geo)?locations?",
            r"(?:geo)?location (?:data|information)",
            r"location[- ]based",
            r"gps",
            r"government[- ](?:issued )?id(?:entification)?s?",
            r"passports?",
            r"driver'?s? licen[cs]es?",
            r"national id(?:entity)?(?: numbers?| cards?)?",
            r"social security numbers?",
            r"id (?:cards?|documents?)",
            r"racial",
            r"ethnic(?:ity| origin)?",
            r"religio(?:n|us)",
            r"philosophical beliefs",
            r"sex (?:life)",
            r"sexual (?:orientation|life)",
            r"trade union",
            r"political (?:opinions|views|affiliation)",
            r"neural data",
            r"sensitive (?:personal )?(?:data|information)",
            r"special categor(?:y|ies)",
        ),
    ),
    "purpose": (
        rx(
            r"train(?:s|ed|ing)? (?:\w+ ){0,4}models?",
            r"model training",
            r"machine[- ]learning",
            r"artificial intelligence",
            r"generative ai",
            r"(?:ai|language|foundation) models?",
            r"(?:for|to) (?:\w+ ){0,3}training purposes",
            r"training (?:data|datasets?)",
            r"profiling",
            r"automated (?:decision|decision-making|processing)",
            r"combin(?:e|es|ed|ing) (?:\w+ ){0,3}(?:data|information)",
            r"purposes? (?:of|for) which",
            r"(?:use|process)(?:s|d|ing)? (?:\w+ ){0,3}(?:data|information|content|inputs?|outputs?|chats?|"
            r"conversations?|recordings?) (?:to|for)",
            r"legal bas(?:is|es)",
            r"for (?:the following|these|those|other|new) purposes",
        ),
    ),
    "retention": (
        rx(
            r"retain(?:s|ed|ing)?",
            r"retention",
            r"indefinitely",
            r"as long as (?:\w+ ){0,4}(?:necessary|needed|required|active|open|exists?)",
            r"(?:keep|keeps|kept|store|stores|stored|maintain(?:s|ed)?) (?:\w+ ){0,6}(?:for|until|up to) ",
            r"(?:delete|deletes|deleted|purge|purged|erase|erased|remove|removed|de-identif(?:y|ies|"
            r"ied)) (?:\w+ ){0,6}(?:after|within) (?:\w+ ){0,2}(?:days?|weeks?|months?|years?)",
            r"(?:until|after) (?:you )?(?:delete|close|closure|deletion|termination)",
        ),
    ),
    "user_rights": (
        rx(
            r"rights? (?:to|of) (?:\w+ ){0,2}(?:access|delet\w*|correct\w*|rectif\w*|port\w*|object\w*|"
            r"restrict\w*|withdraw\w*|opt\w*|appeal\w*|know|erasure|complain\w*|lodge|limit)",
            r"(?:request|requests) (?:to )?(?:access|deletion|correction|that we delete|that we correct|"
            r"a copy)",
            r"you (?:can|may|have the right to|are entitled to) (?:also )?(?:access|delete|correct|update|"
            r"export|download|object|opt[- ]out|withdraw|request|restrict|manage|control|change|adjust|"
            r"turn off|disable|review|appeal)",
            r"opt(?:s|ed|ing)?[- ]?out",
            r"data portability",
            r"portability",
            r"(?:privacy|your) (?:rights|choices)",
            r"authori[sz]ed agent",
            r"exercise (?:your|these|those|any of (?:these|your)) rights",
            r"withdraw (?:your )?consent",
            r"non-discrimination",
            # a complaint route is a right (GDPR art. 77), not only a contact
            r"(?:lodge|file|make|submit) a complaint",
        ),
    ),
    "children": (
        rx(
            r"child(?:ren|ren's|’s|'s)?",
            r"kids",
            r"minors?",
            r"under (?:the age of )?\d{1,2}",
            r"aged? \d{1,2}",
            r"parental (?:consent|controls?)",
            r"(?:parents?|guardians?) (?:or|and) (?:legal )?(?:guardians?|parents?)",
            r"teens?",
            r"teenagers?",
            r"coppa",
            r"age (?:verification|estimation|group|groups|range|limit|requirements?|assurance|prediction)",
            r"(?:years?|yrs) of age",
            r"years old",
            r"minimum age",
        ),
    ),
    "international_transfer": (
        rx(
            r"transferr?(?:ed|s|ing)? (?:\w+ ){0,5}(?:outside|across|to other|to (?:the )?(?:countries|"
            r"jurisdictions))",
            r"international(?:ly)? (?:data )?transfers?",
            r"cross[- ]border",
            r"standard contractual clauses",
            r"sccs?",
            r"adequacy decisions?",
            r"data privacy framework",
            r"privacy shield",
            r"binding corporate rules",
            r"(?:stored|processed|hosted|located|transferred) (?:\w+ ){0,4}in (?:the )?(?:united states|"
            r"u\.s\.|us|usa|eu|eea|china|mainland china|singapore|india|countries)",
            r"servers? (?:\w+ ){0,2}located in",
            r"(?:outside|beyond) (?:of )?(?:the |your )?(?:eea|european economic area|eu|uk|country|"
            r"jurisdiction)",
            r"countr(?:y|ies) (?:other than|where|outside)",
            r"remote(?:ly)? access(?:ed)? (?:\w+ ){0,4}from",
        ),
    ),
    "security": (
        rx(
            r"security (?:measures|practices|controls|standards|safeguards|incidents?|programs?|procedures)",
            r"encrypt(?:s|ed|ion|ing)?",
            r"unencrypted",
            r"safeguards?",
            r"unauthori[sz]ed (?:access|use|disclosure)",
            r"(?:data |security )?breach(?:es)?",
            r"access controls?",
            r"pseudonymi[sz](?:e|ed|ation)",
            r"two[- ]factor",
            r"firewalls?",
            r"(?:technical|organi[sz]ational) measures",
        ),
    ),
    "policy_change": (
        rx(
            r"(?:changes?|updates?|modifications?|revisions?|amendments?) (?:to|of|in) (?:this|our|"
            r"the) (?:\w+ )?(?:policy|notice|statement)",
            r"(?:update|change|modify|revise|amend)(?:s|d)? (?:this|our|the) (?:\w+ )?(?:policy|notice|"
            r"statement) (?:from time to time|at any time)",
            r"reserve the right to (?:\w+ )?(?:update|change|modify|revise|amend)",
            r"continued use",
            r"without (?:prior )?notice",
            r"material changes?",
            r"notif(?:y|ies|ied) you (?:of|about|by|before|in advance)",
        ),
    ),
    "legal_disclosure": (
        rx(
            r"law enforcement",
            r"government(?:al)? (?:authorities|agencies|requests?|entities|officials)",
            r"public authorities",
            r"court orders?",
            r"subpoenas?",
            r"legal process",
            r"search warrants?",
            r"due process",
            r"national security",
            r"legal requests?",
            r"(?:valid |lawful )?requests? (?:from|by) (?:\w+ ){0,2}authorities",
        ),
    ),
    "business_transfer": (
        rx(
            r"mergers?",
            r"acquisitions?",
            r"bankruptcy",
            r"insolvency",
            r"reorgani[sz]ations?",
            r"sale of (?:all|substantially all|some|part|a portion)(?: or (?:substantially all|part|"
            r"a portion))? of (?:our|its|the)",
            r"sale of (?:our|its|the) (?:assets|business|company)",
            r"corporate transactions?",
            r"change (?:of|in) control",
            r"(?:prospective |potential |actual )?(?:buyers?|acquirers?|purchasers?)",
            r"divestitures?",
        ),
    ),
    "contact": (
        rx(
            r"contact us",
            r"data protection officer",
            r"dpo",
            r"(?:eu|uk|local|domestic|designated) representative",
            r"representative in (?:the )?\w+",
            r"article 27",
            r"data controller",
            r"lodge a complaint",
            r"supervisory authority",
            r"data protection authority",
            r"privacy (?:team|office|officer)",
            r"registered (?:office|address)",
        ),
    ),
}
