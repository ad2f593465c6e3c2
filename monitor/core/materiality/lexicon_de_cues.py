# ruff: noqa: E501  (lexicon tables: one pattern per line reads better than split string literals)
"""German category cues (strong, weak, headings) and clause-level cues (direction, date lines, page chrome)."""

from __future__ import annotations

import re
from typing import Final

from monitor.core.materiality.lexicon import rx

_F = re.IGNORECASE
_PARTY = (
    r"dritt\w*|partner\w*|werbepartner\w*|auftragsverarbeiter\w*|dienstleister\w*|tochtergesellschaft\w*"
    r"|konzern\w*|verbundene\w* unternehmen|werbetreibende\w*|empf[äa]nger\w*"
)
_SHARE = r"weiterge\w*|weiter|[üu]bermittel\w*|[üu]bertrag\w*|offengeleg\w*|offenleg\w*|teilen|geteilt"

STRONG: Final[dict[str, tuple[re.Pattern[str], ...]]] = {
    "sharing": (
        re.compile(rf"\b(?:{_SHARE})\b(?:\W+\w+){{0,14}}?\W+(?:an|mit)\W+(?:\w+\W+){{0,4}}?(?:{_PARTY})", _F),
        re.compile(
            rf"\b(?:an|mit)\W+(?:\w+\W+){{0,4}}?(?:{_PARTY})\b(?:\W+\w+){{0,10}}?\W+(?:{_SHARE})\b", _F
        ),
        rx(r"empf[äa]nger(?:kategorien)?", r"kategorien von empf[äa]ngern"),
    ),
    "sale": (rx(r"verkauf\w*", r"verkauft", r"vermiet\w* (?:\w+ ){0,3}daten", r"datenh[äa]ndler\w*"),),
    "advertising": (
        rx(
            r"cookies?",
            r"tracking",
            r"pixel\w*",
            r"werb\w+",
            r"marketing\w*",
            r"newsletter\w*",
            r"direktwerbung",
            r"reichweitenmessung",
            r"soziale\w* (?:netzwerke|medien)",
        ),
    ),
    "collection": (
        rx(
            r"(?:wir|werden|k[öo]nnen) (?:\w+ ){0,4}(?:erheben|erfassen|sammeln|erhalten)",
            r"erhoben",
            r"erfasst",
            r"daten, die sie (?:uns )?(?:bereitstellen|angeben|mitteilen|[üu]bermitteln)",
            r"automatisch (?:erhoben|erfasst)",
        ),
    ),
    "sensitive_data": (
        rx(
            r"biometrisch\w*",
            r"gesichtserkennung",
            r"gesundheit\w*",
            r"genetisch\w*",
            r"standort\w*",
            r"rassisch\w*",
            r"ethnisch\w*",
            r"politische\w* meinung\w*",
            r"religi[öo]s\w*",
            r"sexual\w*",
            r"gewerkschaft\w*",
            r"besondere\w* kategorien",
            r"sensible\w* daten",
            r"personalausweis\w*",
            r"reisepass\w*",
        ),
    ),
    "purpose": (
        rx(
            r"zweck\w*",
            r"rechtsgrundlage\w*",
            r"berechtigte\w* interesse\w*",
            r"train\w* (?:\w+ ){0,4}modell\w*",
            r"k[üu]nstliche\w* intelligenz",
            r"maschinelle\w* lernen\w*",
            r"profiling",
            r"profilbildung",
            r"automatisierte\w* entscheidung\w*",
            r"(?:verwend|nutz)\w* (?:\w+ ){0,4}daten,? um",
        ),
    ),
    "retention": (
        rx(
            r"speicherdauer",
            r"aufbewahr\w*",
            r"speichern (?:\w+ ){0,6}(?:f[üu]r|bis)",
            r"gespeichert (?:\w+ ){0,6}(?:f[üu]r|bis)",
            r"(?:gel[öo]scht|l[öo]schen) (?:\w+ ){0,6}(?:nach|innerhalb)",
            r"solange (?:\w+ ){0,4}(?:erforderlich|notwendig|besteht)",
            r"unbegrenzt",
            r"l[öo]schfrist\w*",
        ),
    ),
    "user_rights": (
        rx(
            r"recht auf (?:auskunft|berichtigung|l[öo]schung|einschr[äa]nkung|daten[üu]bertragbarkeit|widerspruch)",
            r"widerspruchsrecht",
            r"auskunftsrecht",
            r"recht auf beschwerde",
            r"beschwerde (?:\w+ ){0,2}(?:einreichen|einlegen|erheben)",
            r"ihre rechte",
            r"betroffenenrechte",
            r"einwilligung (?:\w+ )?widerrufen",
            r"sie (?:haben das recht|k[öo]nnen) (?:\w+ ){0,4}(?:verlangen|widersprechen|widerrufen|l[öo]schen|abmelden)",
        ),
    ),
    "children": (
        rx(
            r"kinder\w*",
            r"minderj[äa]hrig\w*",
            r"unter \d{1,2} jahren",
            r"eltern",
            r"erziehungsberechtigt\w*",
        ),
    ),
    "international_transfer": (
        rx(
            r"au(?:ß|ss)erhalb (?:der |des )?(?:eu|europ[äa]ischen union|ewr|europ[äa]ischen wirtschaftsraums)",
            r"drittl[äa]nder?n?",
            r"standardvertragsklauseln",
            r"angemessenheitsbeschluss\w*",
            r"data privacy framework",
            r"verbindliche\w* unternehmensregeln",
            r"internationale\w* (?:daten)?[üu]bermittlung\w*",
        ),
    ),
    "security": (
        rx(
            r"sicherheit\w*",
            r"verschl[üu]ssel\w*",
            r"technische\w* und organisatorische\w* ma(?:ß|ss)nahmen",
            r"unbefugte\w* zugriff\w*",
            r"datenpanne\w*",
            r"pseudonymisier\w*",
        ),
    ),
    "policy_change": (
        rx(
            r"[äa]nderung\w* (?:dieser|der|unserer) datenschutz\w*",
            r"(?:diese|die) datenschutz\w* (?:\w+ ){0,3}(?:[äa]ndern|anpassen|aktualisieren)",
            r"ohne vorank[üu]ndigung",
            r"wesentliche\w* [äa]nderung\w*",
        ),
    ),
    "legal_disclosure": (
        rx(
            r"strafverfolgungsbeh[öo]rden?",
            r"beh[öo]rdliche\w* anordnung\w*",
            r"gerichtliche\w* anordnung\w*",
            r"gesetzliche\w* verpflichtung\w*",
        ),
    ),
    "business_transfer": (
        rx(
            r"fusion\w*",
            r"[üu]bernahme\w*",
            r"unternehmensverkauf\w*",
            r"umstrukturierung\w*",
            r"erwerber\w*",
        ),
    ),
    "contact": (
        rx(
            r"datenschutzbeauftragte\w*",
            r"verantwortliche\w*",
            r"kontakt\w*",
            r"aufsichtsbeh[öo]rde\w*",
            r"beschwerde\w* bei",
        ),
    ),
}
WEAK: Final[dict[str, tuple[re.Pattern[str], ...]]] = {
    "sharing": (rx(r"empf[äa]nger\w*", r"dritt\w*"),),
    "collection": (
        rx(r"erheb\w*", r"e-?mail-?adresse\w*", r"ip-adresse\w*", r"telefonnummer\w*", r"geburtsdatum"),
    ),
    "purpose": (rx(r"personalisier\w*", r"verbesser\w* (?:\w+ ){0,2}(?:dienste|produkte|angebot)"),),
    "user_rights": (rx(r"rechte?", r"einstellungen"),),
    "security": (rx(r"sch[üu]tz\w*", r"sicher\w*"),),
    "contact": (rx(r"[\w.+-]+@[\w-]+\.[\w.]+", r"gmbh", r"formular"),),
}
HEADING: Final[dict[str, re.Pattern[str]]] = {
    "sharing": rx(r"weitergabe", r"empf[äa]nger\w*", r"dritt\w*"),
    "sale": rx(r"verkauf\w*"),
    "advertising": rx(r"cookies?", r"tracking", r"werbung", r"marketing"),
    "collection": rx(r"erhebung", r"erhobene\w* daten", r"kategorien (?:von|personenbezogener) daten"),
    "sensitive_data": rx(r"sensible\w*", r"besondere\w* kategorien", r"gesundheit\w*"),
    "purpose": rx(r"zweck\w*", r"rechtsgrundlage\w*", r"verwendung"),
    "retention": rx(r"speicherdauer", r"aufbewahrung\w*", r"l[öo]schung"),
    "user_rights": rx(r"rechte", r"betroffenenrechte"),
    "children": rx(r"kinder\w*", r"minderj[äa]hrig\w*"),
    "international_transfer": rx(
        r"drittl[äa]nder?n?", r"[üu]bermittlung\w* (?:in|an) drittl\w*", r"international\w*"
    ),
    "security": rx(r"sicherheit\w*", r"datensicherheit"),
    "policy_change": rx(r"[äa]nderung\w*"),
    "legal_disclosure": rx(r"beh[öo]rden?"),
    "business_transfer": rx(r"fusion\w*", r"unternehmensverkauf\w*"),
    "contact": rx(r"kontakt\w*", r"datenschutzbeauftragte\w*", r"verantwortliche\w*"),
}
_V = r"verkauf\w*|weiterge\w*|[üu]bermittel\w*|erheb\w*|verwend\w*|nutz\w*|verarbeit\w*|speicher\w*|teilen|teil\w*"
PROTECTIVE: Final = re.compile(
    r"\b(?:sie (?:k[öo]nnen|haben das recht|d[üu]rfen)|recht auf|widerspruch\w*|widerruf\w*|mit ihrer einwilligung"
    r"|nur mit ihrer (?:ausdr[üu]cklichen )?einwilligung|l[öo]schen wir|wird gel[öo]scht|werden gel[öo]scht|verschl[üu]ssel\w*"
    r"|deaktivier\w*|abmelden|opt-?out)\b",
    _F,
)
DISCLAIMER: Final = re.compile(
    r"\b(?:nicht (?:\w+ ){0,2}(?:garantieren|verantwortlich|haften)|keine (?:\w+ ){0,2}(?:haftung|gew[äa]hr|verantwortung))\b",
    _F,
)
EXPANDING: Final = re.compile(
    rf"\b(?:wir|unsere partner|partner|sie|dritte|werbetreibende)\s+(?:(?:k[öo]nnen|d[üu]rfen|werden|auch)\s+){{0,3}}(?:{_V})\b",
    _F,
)
DATE_LINE: Final = re.compile(
    r"^\W*(?:zuletzt )?(?:aktualisiert|ge[äa]ndert|stand|g[üu]ltig ab|version|inkrafttreten|letzte aktualisierung)\b",
    _F,
)
CHROME: Final = re.compile(
    r"\b(?:alle akzeptieren|alle ablehnen|einstellungen verwalten|nach oben|zum inhalt springen|seite drucken"
    r"|hier klicken|mehr erfahren|wir haben (?:unsere|diese) datenschutz\w* (?:aktualisiert|ge[äa]ndert)"
    r"|diese (?:web)?seite verwendet cookies)\b",
    _F,
)
VERB: Final = re.compile(
    r"\b(?:wir|sie|ihre|unsere|diese|dies|es|er)\b(?:\W+\w+){0,6}?\W+(?:\w+(?:en|t|n)|kann|k[öo]nnen|ist|sind|wird|werden)\b"
    r"|\b(?:verwendet|genutzt|weitergegeben|erhoben|gespeichert|gel[öo]scht|verarbeitet|verkauft|[üu]bermittelt)\b",
    _F,
)
OPEN_ENDED: Final = re.compile(
    r"\b(?:unbegrenzt|auf unbestimmte zeit|solange (?:\w+ ){0,6}(?:erforderlich|notwendig|besteht|aktiv)|dauerhaft)\b",
    _F,
)
AFTER_CLOSURE: Final = re.compile(
    r"\b(?:nach|ab) (?:\w+ ){0,3}(?:k[üu]ndigung|l[öo]schung|schlie(?:ß|ss)ung|beendigung|ende)\b", _F
)
AGE: Final = re.compile(
    r"\b(?:unter|[üu]ber|ab|mindestens|j[üu]nger als|[äa]lter als)\s+(\d{1,2})\s+jahre?n?\b", _F
)
RESPONSE_CONTEXT: Final = re.compile(
    r"\b(?:antwort\w*|beantwort\w*|reagieren|bearbeit\w* (?:ihre|ihrer) anfrage\w*)\b", _F
)
RETENTION_CONTEXT: Final = re.compile(
    r"\b(?:speicher\w*|aufbewahr\w*|l[öo]sch\w*|gel[öo]scht|anonymisier\w*|archivier\w*)\b", _F
)
TRANSFER_CONTEXT: Final = re.compile(
    r"\b(?:gespeichert|speicher\w*|verarbeitet|verarbeitung|[üu]bermittel\w*|[üu]bertragen|gehostet|server\w*|rechenzentr\w*)\b",
    _F,
)
SAFEGUARD_STRENGTH: Final = {
    "strenge": 2, "strengen": 2, "starke": 2, "starken": 2, "robuste": 2, "umfassende": 2,
    "angemessene": 1, "angemessenen": 1, "geeignete": 1, "geeigneten": 1,
}  # fmt: skip
