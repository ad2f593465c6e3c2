# ruff: noqa: E501  (lexicon tables: one pattern per line reads better than split string literals)
"""French category cues (strong, weak, headings) and clause-level cues (direction, date lines, page chrome)."""

from __future__ import annotations

import re
from typing import Final

from monitor.core.materiality.lexicon import rx

_F = re.IGNORECASE
_A = r"['’]"
_D = r"(?:vos |les |des |ces |de |d['’]|la |votre )?(?:donn[ée]es|informations)(?: personnelles| \w+)?"
_PARTY = (
    r"tiers|soci[ée]t[ée]s? tierces?|partenaires?|sous-traitants?|prestataires?|fournisseurs?|filiales?"
    r"|soci[ée]t[ée]s? (?:du|de notre) groupe|entit[ée]s? du groupe|annonceurs?|r[ée]gies? publicitaires?"
    r"|destinataires?|courtiers?"
)
_SHARE = r"partag\w*|communiqu\w*|transmet\w*|transmis\w*|divulgu\w*|transf[ée]r\w*|fourni\w*|c[ée]d\w*"

STRONG: Final[dict[str, tuple[re.Pattern[str], ...]]] = {
    "sharing": (
        re.compile(
            rf"\b(?:{_SHARE})\b(?:\W+\w+){{0,14}}?\W+(?:[àa]|avec|aux?|par)\W+(?:\w+\W+){{0,4}}?(?:{_PARTY})\b",
            _F,
        ),
        re.compile(rf"\b(?:{_PARTY})\b(?:\W+\w+){{0,8}}?\W+(?:peuvent |pourront )?(?:{_SHARE})\b", _F),
        rx(r"destinataires? (?:de vos|des) donn[ée]es", r"cat[ée]gories de destinataires"),
    ),
    "sale": (
        rx(
            r"vend(?:re|ons|ra|rons|ront|u|ue|us|ues)",
            r"vente (?:de|des) (?:vos )?donn[ée]es",
            r"lou(?:er|ons) (?:vos|les|des) donn[ée]es",
            r"c[ée]d(?:er|ons) (?:vos|les|des) donn[ée]es",
            r"cession (?:de|des) (?:vos )?donn[ée]es",
            r"courtiers? en donn[ée]es",
        ),
    ),
    "advertising": (
        rx(
            r"cookies?",
            r"traceurs?",
            r"pixels?",
            r"balises?",
            r"publicit\w+",
            r"annonceurs?",
            r"prospection",
            r"marketing",
            r"ciblage",
            r"newsletters?",
            rf"lettres? d{_A}information",
            r"offres? (?:promotionnelles|commerciales)",
            r"communications? commerciales?",
            r"sollicitations? commerciales?",
            r"r[ée]seaux sociaux",
        ),
    ),
    "collection": (
        rx(
            r"(?:nous|peuvent|pouvons) (?:\w+ ){0,2}(?:collect|recueill|obten)\w*",
            r"collect(?:e|er|ons|ées?|és?) (?:de |des |vos |les )?(?:donn[ée]es|informations)",
            r"donn[ée]es (?:que vous (?:nous )?(?:fournissez|communiquez|transmettez|renseignez)|collect[ée]es)",
            r"(?:aupr[èe]s|en provenance) de (?:tiers|sources)",
            r"automatiquement (?:collect|recueill)\w*",
        ),
    ),
    "sensitive_data": (
        rx(
            r"biom[ée]tri\w+",
            r"reconnaissance faciale",
            r"sant[ée]",
            r"donn[ée]es m[ée]dicales",
            r"g[ée]n[ée]tiques?",
            r"(?:g[ée]o)?localisation",
            r"origine (?:raciale|ethnique)",
            r"opinions? politiques?",
            r"convictions? religieuses?",
            r"orientation sexuelle",
            r"vie sexuelle",
            r"appartenance syndicale",
            r"donn[ée]es sensibles",
            r"cat[ée]gories particuli[èe]res",
            r"num[ée]ro de s[ée]curit[ée] sociale",
            rf"pi[èe]ces? d{_A}identit[ée]",
            r"passeports?",
            rf"cartes? (?:nationales? )?d{_A}identit[ée]",
        ),
    ),
    "purpose": (
        rx(
            r"finalit[ée]s?",
            rf"[àa] des fins (?:de |d{_A})",
            r"base (?:l[ée]gale|juridique)",
            r"bases (?:l[ée]gales|juridiques)",
            r"fondements? (?:l[ée]gal|juridique)s?",
            r"int[ée]r[êe]t l[ée]gitime",
            r"entra[iî]n\w* (?:\w+ ){0,4}mod[èe]les?",
            r"intelligence artificielle",
            r"apprentissage automatique",
            r"profilage",
            r"d[ée]cisions? (?:individuelles? )?automatis[ée]es?",
            rf"utilis\w* (?:\w+ ){{0,2}}{_D} (?:pour|afin|[àa] des fins)",
            r"(?:combin|crois)\w+ (?:\w+ ){0,3}donn[ée]es",
        ),
    ),
    "retention": (
        rx(
            r"conserv(?:ons|er|[ée]es?|[ée]s|ation|era|erons|ent)",
            r"dur[ée]e de conservation",
            r"archiv\w+",
            r"aussi longtemps que",
            r"(?:supprim|effac|anonymis)\w+ (?:\w+ ){0,6}(?:apr[èe]s|dans un d[ée]lai)",
            r"pendant (?:toute )?la dur[ée]e (?:de|du|d['’])",
            r"indéfiniment",
        ),
    ),
    "user_rights": (
        rx(
            rf"droits? (?:d{_A}acc[èe]s|de rectification|[àa] l{_A}effacement|d{_A}effacement|d{_A}opposition|[àa] la portabilit[ée]"
            rf"|[àa] la limitation|de retirer|de d[ée]finir des directives|d{_A}introduire une r[ée]clamation|de vous opposer)",
            r"vous (?:pouvez|disposez|b[ée]n[ée]ficiez|avez le droit) (?:\w+ ){0,3}(?:droits?|acc[ée]der|demander|vous opposer|retirer|supprimer|rectifier|exercer)",
            r"exercer (?:vos|ces|ce|l['’]un de ces) droits?",
            r"retirer (?:votre )?consentement",
            r"vos droits",
            r"vous opposer",
            r"d[ée]sinscri\w+",
            r"portabilit[ée]",
            r"(?:introduire|d[ée]poser|adresser|formuler) une r[ée]clamation",
        ),
    ),
    "children": (
        rx(
            r"enfants?",
            r"mineurs?",
            r"moins de \d{1,2} ans",
            r"[âa]g[ée]e?s? de (?:moins de )?\d{1,2} ans",
            r"autorit[ée] parentale",
            r"consentement parental",
            r"titulaires? de l['’]autorit[ée] parentale",
        ),
    ),
    "international_transfer": (
        rx(
            rf"(?:hors|en dehors) de l{_A}(?:union europ[ée]enne|ue|eee|espace [ée]conomique europ[ée]en)",
            r"(?:hors|en dehors) (?:de l['’])?(?:union europ[ée]enne|ue|eee)",
            r"clauses contractuelles types",
            r"d[ée]cision d['’]ad[ée]quation",
            r"pays tiers",
            r"transferts? (?:internationa\w+|de donn[ée]es (?:vers|hors|en dehors))",
            r"data privacy framework",
            r"r[èe]gles d['’]entreprise contraignantes",
            r"(?:h[ée]berg|stock)[ée]es? (?:\w+ ){0,3}(?:aux |en |au )",
        ),
    ),
    "security": (
        rx(
            r"s[ée]curit[ée]",
            r"chiffr\w+",
            r"crypt\w+",
            r"mesures techniques et organisationnelles",
            r"acc[èe]s non autoris[ée]",
            r"violations? de (?:donn[ée]es|s[ée]curit[ée])",
            r"pseudonymis\w+",
            r"s[ée]curis\w+",
        ),
    ),
    "policy_change": (
        rx(
            r"modifi\w+ (?:de |à )?(?:la pr[ée]sente|cette|notre|la) politique",
            r"(?:mise|mises) [àa] jour de (?:la|cette|notre) politique",
            r"sans pr[ée]avis",
            r"modifications? substantielles?",
            r"nous vous (?:en )?informerons",
        ),
    ),
    "legal_disclosure": (
        rx(
            r"autorit[ée]s? (?:judiciaires?|administratives?|publiques?|comp[ée]tentes?|de r[ée]gulation)",
            r"r[ée]quisitions?",
            r"forces de l['’]ordre",
            r"d[ée]cisions? de justice",
            r"obligations? l[ée]gales?",
            r"police",
        ),
    ),
    "business_transfer": (
        rx(
            r"fusions?",
            r"acquisitions?",
            r"cession (?:de tout ou partie|d['’]actifs|de l['’]entreprise)",
            r"restructurations?",
            r"changement de contr[ôo]le",
            r"acqu[ée]reurs?",
            r"repreneurs?",
        ),
    ),
    "contact": (
        rx(
            r"d[ée]l[ée]gu[ée] [àa] la protection des donn[ée]es",
            r"dpo",
            r"nous contacter",
            r"contactez-nous",
            r"responsable (?:du|de|des) traitements?",
            r"cnil",
            r"autorit[ée] de contr[ôo]le",
            r"r[ée]clamation aupr[èe]s",
            r"adresse postale",
            r"si[èe]ge social",
        ),
    ),
}
WEAK: Final[dict[str, tuple[re.Pattern[str], ...]]] = {
    "sharing": (rx(r"destinataires?", r"tiers"),),
    "collection": (
        rx(
            r"collect\w*",
            r"adresses? (?:e-?mail|[ée]lectronique|ip)",
            r"num[ée]ros? de t[ée]l[ée]phone",
            r"date de naissance",
            r"donn[ée]es de navigation",
        ),
    ),
    "purpose": (rx(r"personnalis\w+", r"am[ée]liorer (?:nos|notre) (?:services?|produits?)"),),
    "user_rights": (rx(r"droits?", r"param[èe]tres", r"pr[ée]f[ée]rences"),),
    "children": (rx(r"parents?"),),
    "security": (rx(r"prot[ée]g\w+", r"s[ée]curis\w+"),),
    "contact": (rx(r"[\w.+-]+@[\w-]+\.[\w.]+", r"(?:sas|sa|sarl|se)\b", r"formulaire"),),
}
HEADING: Final[dict[str, re.Pattern[str]]] = {
    "sharing": rx(r"partage", r"destinataires?", r"tiers", r"communication (?:de|des) (?:vos )?donn[ée]es"),
    "sale": rx(r"vente"),
    "advertising": rx(r"cookies?", r"traceurs?", r"publicit\w+", r"marketing", r"prospection"),
    "collection": rx(
        r"collect\w*", r"donn[ée]es (?:que nous|collect[ée]es|trait[ée]es)", r"cat[ée]gories de donn[ée]es"
    ),
    "sensitive_data": rx(r"sensibles?", r"biom[ée]tri\w+", r"sant[ée]", r"localisation"),
    "purpose": rx(
        r"finalit[ée]s?",
        r"utilis\w+ (?:de )?vos donn[ée]es",
        r"bases? (?:l[ée]gales?|juridiques?)",
        r"fondements?",
    ),
    "retention": rx(r"conservation", r"dur[ée]es?"),
    "user_rights": rx(r"droits", r"vos choix"),
    "children": rx(r"enfants?", r"mineurs?"),
    "international_transfer": rx(r"transferts?", r"hors (?:de l['’])?(?:union|ue)"),
    "security": rx(r"s[ée]curit[ée]"),
    "policy_change": rx(r"modifications?", r"mises? [àa] jour de (?:la|cette) politique"),
    "legal_disclosure": rx(r"autorit[ée]s"),
    "business_transfer": rx(r"fusions?", r"cessions?"),
    "contact": rx(
        r"contact\w*", r"d[ée]l[ée]gu[ée]", r"dpo", r"responsable (?:du|de) traitement", r"r[ée]clamations?"
    ),
}

_V = (
    r"vend\w*|partag\w*|communiqu\w*|divulgu\w*|transf[eéè]r\w*|transmet\w*|collect\w*|recueill\w*|utilis\w*"
    r"|trait\w*|conserv\w*|combin\w*|suiv\w*|cibl\w*|profil\w*|analys\w*"
)
PROTECTIVE: Final = re.compile(
    r"\b(?:vous (?:pouvez|avez le droit|disposez|b[ée]n[ée]ficiez|pourrez)|droits? (?:d['’]|de |[àa] )"
    r"|(?:disposent|b[ée]n[ée]ficient) d(?:e |u |es |['’])"
    r"|peu(?:t|vent) (?:\w+ ){0,2}(?:faire cesser|s['’]opposer|retirer|supprimer|d[ée]sactiver|demander)"
    r"|vous opposer|retirer votre consentement|(?:avec|sous r[ée]serve de) votre (?:accord|consentement)"
    r"|(?:nous )?(?:supprim|effa[cç]|anonymis)\w+|chiffr\w+|d[ée]sactiver|d[ée]sinscri\w+"
    rf"|ne (?:sont|seront) (?:pas|jamais) (?:{_V}))\b",
    _F,
)
DISCLAIMER: Final = re.compile(
    r"\b(?:ne (?:\w+ ){0,2}(?:pouvons|pourrons|saurions) (?:pas )?(?:garantir|[êe]tre tenus? responsables?)"
    r"|ne sommes pas responsables?|d[ée]clinons toute responsabilit[ée])\b",
    _F,
)
EXPANDING: Final = re.compile(
    r"\b(?:nous|nos partenaires|partenaires|ils|tiers|annonceurs)\s+(?:(?:pouvons|pourrons|pouvez|peuvent|"
    rf"pourront|allons|[ée]galement|aussi)\s+){{0,3}}(?:{_V})\b",
    _F,
)
DATE_LINE: Final = re.compile(
    r"^\W*(?:derni[èe]re )?(?:mise [àa] jour|mis [àa] jour|date d['’]effet|en vigueur|version|date de (?:derni[èe]re )?"
    r"(?:mise [àa] jour|r[ée]vision)|r[ée]vis[ée]e? le|modifi[ée]e? le)\b",
    _F,
)
CHROME: Final = re.compile(
    r"\b(?:tout accepter|tout refuser|accepter et fermer|continuer sans accepter|g[ée]rer (?:mes|les|vos) (?:pr[ée]f[ée]rences|cookies)"
    r"|param[ée]trer (?:les )?cookies|retour en haut|aller au contenu|imprimer cette page|cliquez ici|en savoir plus"
    r"|nous avons (?:mis [àa] jour|modifi[ée]|r[ée]vis[ée]) (?:notre|cette|la) politique|ce site utilise des cookies)\b",
    _F,
)
VERB: Final = re.compile(
    r"\b(?:nous|vous|ils|elles|il|elle|on|nos|vos|votre|notre|ces|cette|ce)\b(?:\W+\w+){0,6}?\W+"
    r"(?:\w+(?:ons|ez|ent|é|ée|és|ées|it|ont)|peut|peuvent|sont|est|a|ont|sera|seront)\b"
    r"|\b(?:utilis|partag|collect|conserv|supprim|trait|vend|transmis|transf[ée]r)\w*(?:é|ée|és|ées|ues?|ises?)\b",
    _F,
)
OPEN_ENDED: Final = re.compile(
    r"\b(?:ind[ée]finiment|aussi longtemps que (?:\w+ ){0,6}(?:n[ée]cessaire|actif|ouvert|utilis\w+)|tant que (?:votre compte|vous)"
    r"|pendant toute la dur[ée]e de (?:votre|la|notre) (?:compte|relation|abonnement|contrat)|de mani[èe]re permanente"
    r"|sans limitation de dur[ée]e)\b",
    _F,
)
AFTER_CLOSURE: Final = re.compile(
    r"\b(?:apr[èe]s|[àa] compter de|suivant) (?:\w+ ){0,3}(?:cl[ôo]ture|fermeture|suppression|r[ée]siliation|fin)\b",
    _F,
)
AGE: Final = re.compile(
    r"\b(?:moins de|plus de|[âa]g[ée]e?s? d(?:e|['’]au moins)|au moins|[àa] partir de|d[èe]s)\s+(\d{1,2})\s+ans\b",
    _F,
)
RESPONSE_CONTEXT: Final = re.compile(r"\b(?:r[ée]pond\w*|r[ée]ponse|traiter (?:votre|vos) demandes?)\b", _F)
RETENTION_CONTEXT: Final = re.compile(
    r"\b(?:conserv\w*|garder|gardons|stock\w*|supprim\w*|effac\w*|archiv\w*|anonymis\w*)\b", _F
)
SAFEGUARD_STRENGTH: Final = {
    "strictes": 2, "stricte": 2, "robustes": 2, "robuste": 2, "renforcées": 2, "renforcée": 2, "fortes": 2,
    "raisonnables": 1, "raisonnable": 1, "appropriées": 1, "appropriée": 1, "adaptées": 1, "adaptée": 1,
}  # fmt: skip
