# ruff: noqa: E501  (lexicon tables: one pattern per line reads better than split string literals)
"""The German lexicon, written from general German policy language (DSGVO vocabulary); no labelled German
set exists yet, so its accuracy is proved only by the rule tests. Same category ids as English; reasons stay
in English and quote the German words."""

from __future__ import annotations

import re
from typing import Final

from monitor.core.materiality.fastre import AnyLex
from monitor.core.materiality.language import Lexicon
from monitor.core.materiality.terms import Term, term

_F = re.IGNORECASE
_PARTY = (
    r"dritt\w*|partner\w*|werbepartner\w*|auftragsverarbeiter\w*|dienstleister\w*|anbieter\w*"
    r"|tochtergesellschaft\w*|konzern\w*|verbundene\w* unternehmen|werbetreibende\w*|empf[äa]nger\w*|beh[öo]rden?"
)
_SHARE = r"weiterge\w*|weitergeben|gebe\w* (?:\w+ ){0,4}weiter|[üu]bermittel\w*|[üu]bertrag\w*|offenleg\w*|teilen|teil\w*"
_PRACTICE = (
    r"verkauf\w*|verkauft|vermiet\w*|weiterge\w*|geben|gibt|[üu]bermittel\w*|[üu]bertrag\w*|offenleg\w*|teilen|teil\w*"
    r"|erheb\w*|erhob\w*|erfass\w*|sammel\w*|samml\w*|verwend\w*|nutz\w*|verarbeit\w*|speicher\w*|aufbewahr\w*"
    r"|kombinier\w*|verkn[üu]pf\w*|verfolg\w*|trainier\w*|profil\w*|personalisier\w*|analysier\w*"
)
_STEMS: Final = (
    ("verkauf", "verkauf"), ("vermiet", "verkauf"), ("weiterge", "weiterg"), ("geben", "weiterg"),
    ("gibt", "weiterg"), ("übermittel", "übermit"), ("ubermittel", "übermit"), ("übertrag", "übermit"),
    ("offenleg", "weiterg"), ("teil", "weiterg"), ("erheb", "erheb"), ("erhob", "erheb"), ("erfass", "erheb"),
    ("sammel", "erheb"), ("samml", "erheb"), ("verwend", "verwend"), ("nutz", "verwend"),
    ("verarbeit", "verwend"), ("speicher", "speicher"), ("aufbewahr", "speicher"), ("kombinier", "kombin"),
    ("verknüpf", "kombin"), ("verfolg", "verfolg"), ("trainier", "trainie"), ("profil", "profil"),
    ("personalisier", "persona"), ("analysier", "analys"),
)  # fmt: skip
VERB_CATEGORY: Final = {
    "verkauf": "sale", "weiterg": "sharing", "übermit": "sharing", "erheb": "collection", "verwend": "purpose",
    "speicher": "retention", "kombin": "purpose", "verfolg": "advertising", "trainie": "purpose",
    "profil": "purpose", "persona": "purpose",
}  # fmt: skip


def stem(word: str) -> str:
    w = word.lower()
    return next((canon for prefix, canon in _STEMS if w.startswith(prefix)), w[:7])


# German puts the negation before the participle or after the finite verb: "wir verkaufen Ihre Daten nicht",
# "werden nicht verkauft", "wir geben keine Daten weiter", "niemals".
NEGATED: Final = re.compile(
    rf"\b(?:nicht|niemals|nie|keine\w*|nicht mehr)\s+(?:\w+\s+){{0,4}}?({_PRACTICE})"
    rf"|\b({_PRACTICE})\s+(?:\w+\s+){{0,5}}?(?:nicht|niemals|nie)\b",
    _F,
)
AFFIRMED: Final = (
    re.compile(
        rf"\b(?:k[öo]nnen|d[üu]rfen|werden|wird|kann|darf|m[öo]glicherweise)\s+(?:\w+\s+){{0,4}}?({_PRACTICE})",
        _F,
    ),
    re.compile(rf"\b(?:wir|sie|partner)\s+(?:\w+\s+){{0,2}}?({_PRACTICE})", _F),
)
NEGATION_CUE: Final = re.compile(r"\b(?:nicht|niemals|nie|kein\w*|ohne|weder|noch)\b", _F)
_NUM_WORDS: Final = {
    "ein": 1, "einen": 1, "einem": 1, "eine": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6,
    "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "zwölf": 12, "vierzehn": 14, "achtzehn": 18,
    "zwanzig": 20, "dreißig": 30, "sechzig": 60, "neunzig": 90,
}  # fmt: skip
_NUM = r"\d+(?:[.,]\d+)?|" + "|".join(sorted(_NUM_WORDS, key=len, reverse=True))
DURATION: Final = re.compile(
    rf"\b({_NUM})(?:\s*\(\d+\))?[\s-]+(stunden?|(?:werk|arbeits|kalender)?tage?n?|wochen?|monate?n?|jahre?n?)\b",
    _F,
)


def unit_days(unit: str) -> float:
    u = unit.lower()
    if u.startswith("stunde"):
        return 1 / 24
    if "tag" in u:
        return 1.4 if u.startswith(("werk", "arbeits")) else 1.0
    if u.startswith("woche"):
        return 7.0
    if u.startswith("monat"):
        return 30.0
    return 365.0


def _term(kind: str, label: str, category: str, regex: str) -> Term:
    return term(kind, label, category, regex)  # type: ignore[arg-type]


TERMS: Final[tuple[Term, ...]] = (
    _term("party", "third parties", "sharing", r"dritt(?:e|en|anbieter\w*|parteien)"),
    _term("party", "advertising partners", "sharing", r"werbepartner\w*|werbetreibende\w*|werbenetzwerk\w*"),
    _term("party", "analytics partners", "sharing", r"analyse(?:dienst|anbieter|partner)\w*"),
    _term("party", "partners", "sharing", r"partner(?:n|unternehmen)?|gesch[äa]ftspartner\w*"),
    _term("party", "data brokers", "sale", r"datenh[äa]ndler\w*|adressh[äa]ndler\w*"),
    _term(
        "party",
        "affiliates",
        "sharing",
        r"tochtergesellschaft\w*|konzern(?:unternehmen|gesellschaft)\w*|verbundene\w* unternehmen",
    ),
    _term(
        "party",
        "service providers",
        "sharing",
        r"auftragsverarbeiter\w*|dienstleister\w*|unterauftragsverarbeiter\w*",
    ),
    _term(
        "party",
        "government authorities",
        "legal_disclosure",
        r"beh[öo]rden?|strafverfolgungsbeh[öo]rden?|gerichte?n?|polizei",
    ),
    _term("party", "buyers", "business_transfer", r"erwerber\w*|k[äa]ufer\w*"),
    _term("data type", "biometric data", "sensitive_data", r"biometrisch\w*"),
    _term("data type", "health data", "sensitive_data", r"gesundheit\w*"),
    _term("data type", "genetic data", "sensitive_data", r"genetisch\w*"),
    _term("data type", "precise location", "sensitive_data", r"genaue\w* standort\w*|gps"),
    _term("data type", "location", "sensitive_data", r"standort\w*"),
    _term(
        "data type",
        "government ID",
        "sensitive_data",
        r"personalausweis\w*|reisepass\w*|ausweis\w*|f[üu]hrerschein\w*",
    ),
    _term("data type", "e-mail address", "collection", r"e-?mail-?adresse\w*"),
    _term("data type", "phone number", "collection", r"telefonnummer\w*"),
    _term("data type", "contacts", "collection", r"adressbuch|kontaktliste\w*"),
    _term("data type", "photos", "collection", r"fotos?|bilder\w*"),
    _term("data type", "messages", "collection", r"nachrichten|unterhaltungen|chats?"),
    _term(
        "data type",
        "payment information",
        "collection",
        r"zahlungs(?:daten|informationen)|kreditkarte\w*|bankverbindung\w*|iban",
    ),
    _term("data type", "IP address", "collection", r"ip-adresse\w*"),
    _term(
        "purpose",
        "AI model training",
        "purpose",
        r"train\w* (?:\w+ ){0,4}(?:modell\w*|ki)|k[üu]nstliche\w* intelligenz|maschinelle\w* lernen\w*|ki-(?:modell|training)\w*",
    ),
    _term("purpose", "profiling", "purpose", r"profiling|profilbildung|automatisierte\w* entscheidung\w*"),
    _term("purpose", "personalisation", "purpose", r"personalisier\w*"),
    _term(
        "purpose",
        "targeted advertising",
        "advertising",
        r"personalisierte\w* werbung|interessenbasierte\w* werbung|zielgerichtete\w* werbung|werbezwecke\w*",
    ),
    _term("purpose", "marketing", "advertising", r"marketing\w*|direktwerbung|newsletter\w*"),
    _term("purpose", "tracking", "advertising", r"tracking|nachverfolg\w*|cookies?"),
    _term("right", "access", "user_rights", r"auskunft\w*"),
    _term("right", "deletion", "user_rights", r"l[öo]schung\w*|l[öo]schen"),
    _term("right", "correction", "user_rights", r"berichtigung\w*"),
    _term("right", "portability", "user_rights", r"daten[üu]bertragbarkeit"),
    _term("right", "objection", "user_rights", r"widerspruch\w*|widersprechen"),
    _term("right", "restriction", "user_rights", r"einschr[äa]nkung\w*"),
    _term("right", "withdraw consent", "user_rights", r"widerruf\w*|einwilligung (?:\w+ )?widerrufen"),
    _term("right", "complaint", "user_rights", r"beschwerde\w*"),
    _term("safeguard", "encryption", "security", r"verschl[üu]ssel\w*"),
    _term("safeguard", "access controls", "security", r"zugriffskontroll\w*|zugangskontroll\w*"),
    _term("safeguard", "pseudonymisation", "security", r"pseudonymisier\w*|anonymisier\w*"),
    _term("notice", "notice by e-mail", "policy_change", r"per e-?mail"),
    _term("notice", "advance notice", "policy_change", r"vorab|im voraus|rechtzeitig vor"),
    _term("notice", "notification", "policy_change", r"benachrichtig\w*|informieren"),
)
COUNTRIES: Final = {
    "vereinigte staaten": "United States", "vereinigten staaten": "United States", "usa": "USA",
    "europäische union": "European Union", "europäischen union": "European Union", "eu": "EU",
    "europäischer wirtschaftsraum": "European Economic Area", "europäischen wirtschaftsraums": "European Economic Area",
    "ewr": "EEA", "vereinigtes königreich": "United Kingdom", "schweiz": "Switzerland", "china": "China",
    "indien": "India", "japan": "Japan", "südkorea": "South Korea", "russland": "Russia", "brasilien": "Brazil",
    "kanada": "Canada", "australien": "Australia", "irland": "Ireland", "deutschland": "Germany",
    "österreich": "Austria", "frankreich": "France", "niederlande": "Netherlands", "israel": "Israel",
    "singapur": "Singapore", "türkei": "Turkey",
}  # fmt: skip
COUNTRY: Final = re.compile(
    r"(?<![\w.])(?:" + "|".join(re.escape(c) for c in sorted(COUNTRIES, key=len, reverse=True)) + r")(?!\w)",
    _F,
)
_REGIONS: Final = ("Kalifornien", "Virginia", "Colorado", "Connecticut", "Utah", "Texas", "Oregon", "Québec")
JURISDICTION: Final = re.compile(
    r"(?<![\w.])(?:"
    + "|".join(re.escape(c) for c in sorted((*COUNTRIES, *_REGIONS), key=len, reverse=True))
    + r")(?!\w)",
    _F,
)


def build() -> Lexicon:
    from monitor.core.materiality import lexicon_de_cues as c

    return Lexicon(
        code="de",
        strong={cat: AnyLex(p) for cat, p in c.STRONG.items()},
        weak={cat: AnyLex(p) for cat, p in c.WEAK.items()},
        heading=c.HEADING,
        terms=TERMS,
        country=COUNTRY,
        country_name=COUNTRIES,
        transfer_context=c.TRANSFER_CONTEXT,
        negated_practice=NEGATED,
        affirmed_practice=AFFIRMED,
        negation_cue=NEGATION_CUE,
        stem=stem,
        verb_category=VERB_CATEGORY,
        limiters=frozenset({"nur", "ausschließlich", "ausschliesslich", "lediglich", "niemals"}),
        qualifiers=frozenset(
            {"außer", "ausser", "sofern", "standardmäßig", "grundsätzlich", "gegebenenfalls", "ggf"}
        ),
        strong_modals=frozenset(
            {"werden", "wird", "müssen", "immer", "stets", "garantieren", "verpflichten"}
        ),
        weak_modals=frozenset({"können", "kann", "dürfen", "darf", "möglicherweise", "bemühen"}),
        without=frozenset({"ohne"}),
        notice=re.compile(r"\b(?:benachrichtig\w*|informier\w*|vorank[üu]ndigung|hinweis\w*)\b", _F),
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
        condition=re.compile(r"\b(?:wenn|falls|sofern|nur|soweit|solange)\b", _F),
        conjunctions=("und", "oder"),
        use_statement=re.compile(r"\b(?:verwend\w*|nutz\w*|verarbeit\w*|analysier\w*)\b", _F),
        purpose_markers=frozenset({"um", "zu", "für", "zur", "zum"}),
        subordinate=re.compile(
            r",? (?:um|damit|sodass|wie z\. ?b\.|wie|zum beispiel|einschlie(?:ß|ss)lich|insbesondere)\b", re.I
        ),
        safeguard_qualifiers=c.SAFEGUARD_STRENGTH,
    )
