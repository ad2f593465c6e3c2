# ruff: noqa: E501  (lexicon tables: one pattern per line reads better than split string literals)
"""The French lexicon: general French policy language (RGPD/CNIL vocabulary), same category ids as English.

Negation is the French two-part form ("ne … pas", "ne … plus", "ne … jamais", "n'… aucun", "aucune donnée
n'est vendue"), modality "pouvons"/"pourrons", durations "3 ans"/"trente jours", parties "sous-traitants"/
"partenaires publicitaires", rights "droit à l'effacement"/"droit d'opposition", transfers "hors de l'Union
européenne". Reasons stay in English; they quote the French words.
"""

from __future__ import annotations

import re
from typing import Final

from monitor.core.materiality.fastre import AnyLex
from monitor.core.materiality.language import Lexicon
from monitor.core.materiality.terms import Term, term

_F = re.IGNORECASE
_A = r"['’]"  # apostrophe, straight or curly
_PARTY = (
    r"tiers|soci[ée]t[ée]s? tierces?|partenaires?(?: \w+)?|sous-traitants?|prestataires?|fournisseurs?|filiales?"
    r"|soci[ée]t[ée]s? (?:du|de notre) groupe|entit[ée]s? du groupe|annonceurs?|r[ée]gies? publicitaires?"
    r"|destinataires?|autorit[ée]s?|courtiers?"
)
_SHARE = (
    r"partag\w*|communiqu\w*|transmet\w*|transmis\w*|divulgu\w*|transf[ée]r\w*|fourni\w*|mett\w* [àa] (?:la )?"
    r"disposition|accessibles?|c[ée]d\w*"
)
_PRACTICE = (
    r"vend\w*|lou\w*|c[èée]d\w*|partag\w*|communiqu\w*|divulgu\w*|transf[eéè]r\w*|transmet\w*|transmis\w*"
    r"|collect\w*|recueill\w*|utilis\w*|exploit\w*|trait\w*|conserv\w*|stock\w*|combin\w*|suiv\w*|tra[cç]\w*"
    r"|cibl\w*|profil\w*|entra[iî]n\w*|personnalis\w*|analys\w*|acc[ée]d\w*|li(?:s|sons|re)"
)
_STEMS: Final = (
    ("vend", "vend"), ("lou", "lou"), ("cèd", "céd"), ("céd", "céd"), ("ced", "céd"), ("partag", "partag"),
    ("communiqu", "communiqu"), ("divulgu", "divulgu"), ("transf", "transf"), ("transm", "transm"),
    ("collect", "collect"), ("recueill", "collect"), ("utilis", "utilis"), ("exploit", "utilis"),
    ("trait", "trait"), ("conserv", "conserv"), ("stock", "conserv"), ("combin", "combin"), ("suiv", "suiv"),
    ("trac", "suiv"), ("traç", "suiv"), ("cibl", "cibl"), ("profil", "profil"), ("entraîn", "entraîn"),
    ("entrain", "entraîn"), ("personnalis", "personnalis"), ("analys", "analys"), ("accéd", "accéd"),
)  # fmt: skip
VERB_CATEGORY: Final = {
    "vend": "sale", "lou": "sale", "céd": "sale", "partag": "sharing", "communiqu": "sharing",
    "divulgu": "sharing", "transf": "sharing", "transm": "sharing", "collect": "collection",
    "utilis": "purpose", "trait": "purpose", "conserv": "retention", "combin": "purpose",
    "suiv": "advertising", "cibl": "advertising", "profil": "purpose", "entraîn": "purpose",
    "personnalis": "purpose",
}  # fmt: skip


def stem(word: str) -> str:
    w = word.lower()
    return next((canon for prefix, canon in _STEMS if w.startswith(prefix)), w[:6])


_AUX = r"(?:sont|seront|est|sera|serons|ont|avons|aurons|a|pouvons|pourrons|peut|pourra|peuvent|allons|va|doivent|faisons)"
NEGATED: Final = re.compile(
    rf"\bn(?:e\s+|{_A})(?:\w+\s+){{0,2}}?({_PRACTICE})\s+(?:\w+\s+){{0,2}}?(?:pas|jamais|plus|aucun\w*|nullement)\b"
    rf"|\bn(?:e\s+|{_A}){_AUX}\s+(?:pas|jamais|plus|aucunement|nullement)\s+(?:\w+\s+){{0,2}}?({_PRACTICE})"
    rf"|\baucune?s?\s+(?:\w+\s+){{0,4}}?n(?:e\s+|{_A})(?:\w+\s+){{0,2}}?({_PRACTICE})",
    _F,
)
AFFIRMED: Final = (
    re.compile(
        r"\b(?:pouvons|pourrons|pourrions|peut|pourra|peuvent|pourront|allons|sont|seront|est|sera|être|été)\s+"
        rf"(?:\w+\s+){{0,2}}?({_PRACTICE})",
        _F,
    ),
    re.compile(rf"\b(?:nous|ils|elles|partenaires?|tiers)\s+(?:\w+\s+){{0,2}}?({_PRACTICE})", _F),
)
NEGATION_CUE: Final = re.compile(rf"\bn{_A}|\b(?:ne|pas|jamais|aucun|aucune|sans|ni|nullement)\b", _F)

_NUM_WORDS: Final = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
    "dix-huit": 18, "vingt": 20, "vingt-quatre": 24, "trente": 30, "quarante": 40, "quarante-cinq": 45,
    "soixante": 60, "quatre-vingt-dix": 90, "cent": 100,
}  # fmt: skip
_NUM = r"\d+(?:[.,]\d+)?|" + "|".join(sorted(_NUM_WORDS, key=len, reverse=True))
DURATION: Final = re.compile(
    rf"\b({_NUM})(?:\s*\(\d+\))?[\s-]+(heures?|jours?(?: ouvr[ée]s| ouvrables| calendaires)?|semaines?|mois"
    r"|ann[ée]es?|ans?)\b",
    _F,
)


def unit_days(unit: str) -> float:
    u = unit.lower()
    if u.startswith("heure"):
        return 1 / 24
    if u.startswith("jour"):
        return 1.4 if "ouvr" in u else 1.0
    if u.startswith("semaine"):
        return 7.0
    if u == "mois":
        return 30.0
    return 365.0


def _term(kind: str, label: str, category: str, regex: str) -> Term:
    return term(kind, label, category, regex)  # type: ignore[arg-type]


TERMS: Final[tuple[Term, ...]] = (
    _term("party", "third parties", "sharing", r"tiers|soci[ée]t[ée]s? tierces?|parties tierces"),
    _term(
        "party",
        "advertising partners",
        "sharing",
        r"partenaires? (?:publicitaires?|de publicit[ée])|annonceurs?|r[ée]gies? publicitaires?",
    ),
    _term(
        "party",
        "analytics partners",
        "sharing",
        rf"(?:partenaires?|prestataires?|outils?) (?:d{_A}analyse|de mesure d{_A}audience|analytiques?)",
    ),
    _term("party", "partners", "sharing", r"partenaires?(?: commerciaux| commercial| s[ée]lectionn[ée]s)?"),
    _term("party", "data brokers", "sale", r"courtiers? en donn[ée]es"),
    _term(
        "party",
        "affiliates",
        "sharing",
        r"filiales?|soci[ée]t[ée]s? (?:du|de notre) groupe|entit[ée]s? du groupe|soci[ée]t[ée]s? affili[ée]es",
    ),
    _term(
        "party",
        "service providers",
        "sharing",
        r"sous-traitants?|prestataires?(?: de services?)?|fournisseurs?",
    ),
    _term("party", "other companies", "sharing", r"autres (?:soci[ée]t[ée]s|entreprises|organisations)"),
    _term("party", "other users", "sharing", r"autres utilisateurs|le public|publiquement"),
    _term(
        "party",
        "government authorities",
        "legal_disclosure",
        rf"autorit[ée]s? (?:\w+ )?(?:publiques?|judiciaires?|administratives?|comp[ée]tentes?)|forces de l{_A}ordre|police",
    ),
    _term("party", "buyers", "business_transfer", r"acqu[ée]reurs?|repreneurs?"),
    _term("data type", "biometric data", "sensitive_data", r"biom[ée]tri\w+"),
    _term("data type", "facial data", "sensitive_data", r"reconnaissance faciale|traits du visage"),
    _term("data type", "health data", "sensitive_data", r"sant[ée]|m[ée]dica(?:l|les?|ux)"),
    _term("data type", "genetic data", "sensitive_data", r"g[ée]n[ée]tiques?"),
    _term("data type", "precise location", "sensitive_data", r"(?:g[ée]o)?localisation pr[ée]cise|gps"),
    _term("data type", "location", "sensitive_data", r"(?:g[ée]o)?localisation"),
    _term(
        "data type",
        "government ID",
        "sensitive_data",
        rf"pi[èe]ces? d{_A}identit[ée]|passeports?|cartes? (?:nationales? )?d{_A}identit[ée]|permis de conduire|num[ée]ro de s[ée]curit[ée] sociale",
    ),
    _term("data type", "racial or ethnic origin", "sensitive_data", r"origine (?:raciale|ethnique)"),
    _term("data type", "religious beliefs", "sensitive_data", r"convictions? religieuses?|religio\w+"),
    _term("data type", "sex life or orientation", "sensitive_data", r"orientation sexuelle|vie sexuelle"),
    _term(
        "data type", "e-mail address", "collection", r"adresses? (?:e-?mail|[ée]lectroniques?|de courriel)"
    ),
    _term("data type", "phone number", "collection", r"num[ée]ros? de t[ée]l[ée]phone"),
    _term("data type", "contacts", "collection", rf"carnet d{_A}adresses|listes? de contacts"),
    _term("data type", "photos", "collection", r"photos?|photographies?"),
    _term(
        "data type",
        "audio or video",
        "collection",
        r"vid[ée]os?|enregistrements? (?:audio|vocaux|de (?:votre )?voix)",
    ),
    _term(
        "data type", "browsing history", "collection", r"historique de navigation|donn[ée]es de navigation"
    ),
    _term("data type", "messages", "collection", r"messages|conversations?"),
    _term(
        "data type",
        "payment information",
        "collection",
        r"(?:donn[ée]es|informations|coordonn[ée]es) (?:bancaires|de paiement)|cartes? (?:bancaires?|de cr[ée]dit)|iban|rib",
    ),
    _term("data type", "IP address", "collection", r"adresses? ip"),
    _term(
        "data type",
        "device identifiers",
        "collection",
        rf"identifiants? (?:de (?:votre |l{_A})?(?:appareil|terminal)|publicitaires?|uniques?)",
    ),
    _term(
        "purpose",
        "AI model training",
        "purpose",
        r"entra[iî]n\w* (?:\w+ ){0,4}(?:mod[èe]les?|intelligence artificielle|ia|algorithmes?)|intelligence artificielle|apprentissage automatique|ia g[ée]n[ée]rative",
    ),
    _term("purpose", "profiling", "purpose", r"profilage|d[ée]cisions? (?:individuelles? )?automatis[ée]es?"),
    _term("purpose", "personalisation", "purpose", r"personnalis\w+"),
    _term(
        "purpose",
        "research",
        "purpose",
        r"recherche scientifique|fins de recherche|recherche et d[ée]veloppement",
    ),
    _term(
        "purpose",
        "combining data",
        "purpose",
        r"(?:combin|crois|rapproch|enrich)\w+ (?:\w+ ){0,3}(?:donn[ée]es|informations)",
    ),
    _term(
        "purpose",
        "targeted advertising",
        "advertising",
        r"publicit[ée]s? (?:cibl[ée]es?|personnalis[ée]es?)|ciblage publicitaire|fins publicitaires",
    ),
    _term(
        "purpose",
        "marketing",
        "advertising",
        r"prospection(?: commerciale)?|marketing|offres? promotionnelles?|lettres? d{_A}information|newsletters?".replace(
            "{_A}", _A
        ),
    ),
    _term("purpose", "tracking", "advertising", r"tra[çc]age|pistage|traceurs?"),
    _term(
        "right",
        "access",
        "user_rights",
        r"droit d{_A}acc[èe]s|acc[ée]der [àa] vos donn[ée]es|copie de vos donn[ée]es".replace("{_A}", _A),
    ),
    _term("right", "deletion", "user_rights", r"effacement|suppression|supprimer"),
    _term("right", "correction", "user_rights", r"rectification|rectifier"),
    _term("right", "portability", "user_rights", r"portabilit[ée]"),
    _term("right", "objection", "user_rights", r"opposition|vous opposer"),
    _term("right", "opt-out", "user_rights", r"d[ée]sinscri\w+|d[ée]sabonn\w+"),
    _term("right", "restriction", "user_rights", r"limitation"),
    _term(
        "right",
        "withdraw consent",
        "user_rights",
        r"retirer (?:votre |son )?consentement|retrait (?:de (?:votre|son) )?consentement",
    ),
    _term(
        "right",
        "post-mortem directives",
        "user_rights",
        r"directives (?:relatives au sort|post[- ]mortem|anticip[ée]es)|apr[èe]s (?:votre|son) d[ée]c[èe]s",
    ),
    _term(
        "right",
        "complaint",
        "user_rights",
        r"(?:introduire|d[ée]poser|adresser|formuler) une r[ée]clamation|r[ée]clamation aupr[èe]s",
    ),
    _term("safeguard", "encryption", "security", r"chiffr\w+|crypt[ée]\w*|cryptage"),
    _term("safeguard", "access controls", "security", rf"contr[ôo]les? d{_A}acc[èe]s"),
    _term("safeguard", "pseudonymisation", "security", r"pseudonymis\w+|anonymis\w+"),
    _term(
        "notice", "notice by e-mail", "policy_change", r"par (?:e-?mail|courriel|courrier [ée]lectronique)"
    ),
    _term(
        "notice",
        "advance notice",
        "policy_change",
        rf"pr[ée]alablement|pr[ée]avis|[àa] l{_A}avance|avant (?:leur|son) entr[ée]e en vigueur",
    ),
    _term("notice", "notification", "policy_change", r"notifi\w+|informerons"),
)
COUNTRIES: Final = {
    "états-unis": "United States", "etats-unis": "United States", "union européenne": "European Union",
    "espace économique européen": "European Economic Area", "eee": "EEA", "ue": "EU",
    "royaume-uni": "United Kingdom", "suisse": "Switzerland", "chine": "China", "hong kong": "Hong Kong",
    "inde": "India", "japon": "Japan", "corée du sud": "South Korea", "russie": "Russia", "brésil": "Brazil",
    "canada": "Canada", "australie": "Australia", "irlande": "Ireland", "allemagne": "Germany",
    "france": "France", "pays-bas": "Netherlands", "israël": "Israel", "singapour": "Singapore",
    "maroc": "Morocco", "tunisie": "Tunisia", "algérie": "Algeria", "sénégal": "Senegal",
    "côte d'ivoire": "Côte d'Ivoire", "turquie": "Turkey", "mexique": "Mexico", "philippines": "Philippines",
    "madagascar": "Madagascar", "maurice": "Mauritius", "ukraine": "Ukraine", "espagne": "Spain",
    "italie": "Italy", "belgique": "Belgium", "luxembourg": "Luxembourg", "québec": "Quebec",
}  # fmt: skip
COUNTRY: Final = re.compile(
    r"(?<![\w.])(?:" + "|".join(re.escape(c) for c in sorted(COUNTRIES, key=len, reverse=True)) + r")(?!\w)",
    _F,
)
_REGIONS: Final = (
    "Californie",
    "Virginie",
    "Colorado",
    "Connecticut",
    "Utah",
    "Texas",
    "Oregon",
    "Québec",
    "Ontario",
)
JURISDICTION: Final = re.compile(
    r"(?<![\w.])(?:"
    + "|".join(re.escape(c) for c in sorted((*COUNTRIES, *_REGIONS), key=len, reverse=True))
    + r")(?!\w)",
    _F,
)
TRANSFER_CONTEXT: Final = re.compile(
    r"\b(?:stock\w*|h[ée]berg\w*|trait[ée]e?s?|traitement|transf[eéè]r\w*|serveurs?|centres? de donn[ée]es"
    r"|acc[èe]s [àa] distance)\b",
    _F,
)


def build() -> Lexicon:
    from monitor.core.materiality import lexicon_fr_cues as c

    return Lexicon(
        code="fr",
        strong={cat: AnyLex(p) for cat, p in c.STRONG.items()},
        weak={cat: AnyLex(p) for cat, p in c.WEAK.items()},
        heading=c.HEADING,
        terms=TERMS,
        country=COUNTRY,
        country_name=COUNTRIES,
        transfer_context=TRANSFER_CONTEXT,
        negated_practice=NEGATED,
        affirmed_practice=AFFIRMED,
        negation_cue=NEGATION_CUE,
        stem=stem,
        verb_category=VERB_CATEGORY,
        limiters=frozenset({"uniquement", "seulement", "exclusivement", "strictement", "jamais"}),
        qualifiers=frozenset(
            {"sauf", "excepté", "hormis", "défaut", "généralement", "raisonnablement", "autrement"}
        ),
        strong_modals=frozenset(
            {"devons", "devrons", "doit", "devront", "toujours", "garantissons", "engageons"}
        ),
        weak_modals=frozenset(
            {
                "pouvons",
                "pourrons",
                "pourrions",
                "peut",
                "pourra",
                "peuvent",
                "pourront",
                "efforçons",
                "essayons",
            }
        ),
        without=frozenset({"sans"}),
        notice=re.compile(r"\b(?:préavis|notifi\w+|inform\w+|avertiss\w+)\b", _F),
        duration=DURATION,
        num_words=_NUM_WORDS,
        unit_days=unit_days,
        open_ended=c.OPEN_ENDED,
        after_closure=c.AFTER_CLOSURE,
        age=c.AGE,
        response_context=c.RESPONSE_CONTEXT,
        retention_context=c.RETENTION_CONTEXT,
        protective=c.PROTECTIVE,
        disclaimer=c.DISCLAIMER,
        expanding=c.EXPANDING,
        date_line=c.DATE_LINE,
        chrome=c.CHROME,
        verb=c.VERB,
        jurisdiction=JURISDICTION,
        condition=re.compile(
            r"\b(?:si|lorsque|lorsqu|quand|uniquement|seulement|sauf|à condition|dès lors)\b", _F
        ),
        conjunctions=("et", "ou"),
        use_statement=re.compile(r"\b(?:utilis\w*|trait(?:ons|er|ées?|és?)|analys\w*|exploit\w*)\b", _F),
        purpose_markers=frozenset({"pour", "afin"}),
        subordinate=re.compile(
            r",? (?:afin (?:de|d['’]|que)|pour que|de sorte que|notamment|tels? que|telles? que|comme|par exemple|y compris)\b",
            re.I,
        ),
        safeguard_qualifiers=c.SAFEGUARD_STRENGTH,
    )
