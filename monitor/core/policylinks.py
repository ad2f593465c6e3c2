"""Which link on a page leads to its privacy policy, and is a page a privacy policy? (pure)

The heuristics follow the crawlers built to collect policies at scale — Amos et al., "Privacy Policies over
Time" (WWW 2021), and Kubicek et al. (CSLAW 2025): links are scored by their text and their URL's words in
several languages, by where they sit (sites put the policy in the footer or a legal menu, rarely in body
prose), and then the target page itself is read: a policy talks about personal data, purposes, sharing,
retention and rights; a terms page, a cookie notice, an imprint or a blog post does not, or not mostly.

Every score comes with the reasons that made it, so ``discover`` and ``add`` can say why they chose a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

#: Link texts that name the policy itself (lower-case, accents kept), en, de, fr, es, it, nl, pt.
POLICY_PHRASES = (
    "privacy policy", "privacy notice", "privacy statement", "privacy & cookies", "privacy and cookies",
    "datenschutzerklärung", "datenschutzhinweise", "datenschutzinformation", "datenschutzrichtlinie",
    "politique de confidentialité", "politique de protection des données", "charte de confidentialité",
    "données personnelles", "protection des données",
    "política de privacidad", "aviso de privacidad", "política de protección de datos",
    "informativa sulla privacy", "informativa privacy", "politica sulla privacy",
    "informativa sul trattamento", "privacyverklaring", "privacybeleid", "política de privacidade",
)  # fmt: skip
#: Words that mean "privacy" on their own (a weaker sign than a whole phrase).
PRIVACY_WORDS = re.compile(
    r"privacy|datenschutz|confidentialit[ée]|privacidad|privacidade|riservatezza|privacyverklaring"
    r"|gegevensbescherming|données personnelles|protección de datos|protezione dei dati|persoonsgegevens"
    r"|vie privée|privatsphäre",
    re.IGNORECASE,
)
URL_WORDS = re.compile(
    r"privacy|privacidad|privacidade|datenschutz|confidentialite|donnees-personnelles|vie-privee"
    r"|informativa|privacyverklaring|privacybeleid|gegevensbescherming|data-?protection|dsgvo|gdpr",
    re.IGNORECASE,
)
#: What decoys say: terms, cookie notices, imprints, settings pages, opt-out forms.
DECOYS = (
    ("terms", re.compile(
        r"\bterms\b|conditions|\bagb\b|nutzungsbedingungen|geschäftsbedingungen|\bcgu\b|\bcgv\b"
        r"|términos|condiciones|termini|condizioni|voorwaarden|\btos\b|user agreement", re.IGNORECASE)),
    ("cookies", re.compile(r"cookie|témoins", re.IGNORECASE)),
    ("imprint", re.compile(
        r"impressum|imprint|mentions légales|mentions-legales|aviso legal|aviso-legal|note legali"
        r"|colofon|legal notice", re.IGNORECASE)),
    ("settings", re.compile(
        r"settings|preferences|einstellungen|paramètres|choices|do not sell|opt[- ]out|ne pas vendre"
        r"|consent manager|manage consent", re.IGNORECASE)),
)  # fmt: skip
ARTICLE_PATH = re.compile(
    r"/(?:blog|news|press|presse|actualites|noticias|notizie|nieuws|article|posts?)/|/20\d\d/"
)
#: More words than this in a link's text: a sentence, not a menu label.
MAX_LABEL_WORDS = 6
#: With a privacy word, these make a title a policy's: "Privacy Notice", "Datenschutzhinweise" …
POLICY_NOUNS = re.compile(
    r"policy|notice|statement|erklärung|hinweise|information|richtlinie|politique|charte|política|aviso"
    r"|informativa|politica|verklaring|beleid|^\W*(?:privacy|datenschutz|confidentialité|privacidad)\W*$",
    re.IGNORECASE,
)
LEGAL_AREA = "footer, [role=contentinfo], #footer, .footer, [class*=footer], [id*=footer]"
NAV_AREA = "nav, [role=navigation]"
PROSE_AREA = "p, li p, article, main p, blockquote"


@dataclass(frozen=True)
class Link:
    """A link found on a page, with where it sits."""

    url: str
    text: str
    in_footer: bool
    in_nav: bool
    in_prose: bool
    same_site: bool
    position: float  # 0 = first link of the page, 1 = last


@dataclass(frozen=True)
class Scored:
    """A score and the reasons for it, best reasons first."""

    score: float
    why: tuple[str, ...]


def page_links(html: str, base_url: str) -> list[Link]:
    """The page's http(s) links to other pages, each URL once (with its most telling text)."""
    tree = LexborHTMLParser(html)
    base = _base_href(tree, base_url)
    anchors = tree.css("a[href]")
    found: dict[str, Link] = {}
    for index, anchor in enumerate(anchors):
        href = (anchor.attributes.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = urldefrag(urljoin(base, href))[0]
        if urlsplit(url).scheme not in {"http", "https"} or url == urldefrag(base_url)[0]:
            continue
        text = _link_text(anchor)
        link = Link(
            url=url,
            text=text,
            in_footer=_inside(anchor, LEGAL_AREA),
            in_nav=_inside(anchor, NAV_AREA),
            in_prose=_inside(anchor, PROSE_AREA),
            same_site=_site(url) == _site(base_url),
            position=index / max(1, len(anchors) - 1),
        )
        previous = found.get(url)
        if previous is None or score_link(link).score > score_link(previous).score:
            found[url] = link
    return list(found.values())


def score_link(link: Link) -> Scored:
    """How likely the link leads to the privacy policy, from its text, URL and place on the page."""
    text = link.text.lower()
    path = urlsplit(link.url).path.lower()
    reasons: list[tuple[float, str]] = []
    phrase = next((phrase for phrase in POLICY_PHRASES if phrase in text), None)
    # Menus name the policy in a few words; a sentence that mentions privacy is prose about it.
    short = len(text.split()) <= MAX_LABEL_WORDS
    if phrase is not None and short:
        reasons.append((10.0, f"link text names the policy ({phrase!r})"))
    elif (word := PRIVACY_WORDS.search(text)) is not None:
        reasons.append((6.0 if short else 3.0, f"link text says {word.group(0)!r}"))
    if (word := URL_WORDS.search(path)) is not None:
        reasons.append((4.0, f"URL path has {word.group(0)!r}"))
    privacy = bool(reasons)
    for kind, pattern in DECOYS:
        if pattern.search(text) or pattern.search(path):
            # "Privacy & Cookie Policy" is a policy; "Cookie settings" or "Terms" alone is a decoy.
            reasons.append((-2.0 if privacy else -8.0, f"looks like {kind}"))
    if ARTICLE_PATH.search(path):
        reasons.append((-6.0, "URL looks like a blog or news article"))
    if link.in_footer:
        reasons.append((3.0, "in the footer"))
    elif link.in_nav:
        reasons.append((1.5, "in a navigation menu"))
    if link.in_prose and not link.in_footer:
        reasons.append((-3.0, "inside body prose"))
    if link.position >= 0.66 and not link.in_footer:
        reasons.append((0.5, "near the end of the page"))
    if not link.same_site:
        reasons.append((-1.0, "on another site"))
    return _scored(reasons)


POLICY_CUES = re.compile(
    r"personal (?:data|information)|données personnelles|personenbezogene(?:n)? daten|datos personales"
    r"|dati personali|persoonsgegevens|dados pessoais"
    r"|data controller|responsable du traitement|verantwortliche|responsable del tratamiento"
    r"|titolare del trattamento|verwerkingsverantwoordelijke"
    r"|data protection officer|délégué à la protection|datenschutzbeauftragte|delegado de protección"
    r"|retention|conserv(?:ons|ation)|aufbewahr|speicherdauer|conservación|conservazione|bewaartermijn"
    r"|third parties|tiers|dritte|terceros|terzi|derden"
    r"|your rights|vos droits|ihre rechte|sus derechos|tuoi diritti|uw rechten"
    r"|right to (?:access|erasure|object)|legitimate interest|intérêt légitime"
    r"|berechtigte(?:s|n)? interesse|interés legítimo|legittimo interesse"
    r"|gdpr|rgpd|dsgvo|ccpa|cnil|supervisory authority|autorité de contrôle|aufsichtsbehörde"
    r"|we collect|nous collectons|wir erheben|recopilamos|raccogliamo|verzamelen",
    re.IGNORECASE,
)
TERMS_CUES = re.compile(
    r"governing law|liability|warrant|indemnif|arbitration|haftung|gerichtsstand|responsabilité"
    r"|droit applicable|limitation of liability|jurisdiction|subscription fee"
    r"|termination of (?:the|your) account",
    re.IGNORECASE,
)


def score_page(html: str) -> Scored:
    """How much a page reads like a privacy policy (its title, headings and vocabulary)."""
    tree = LexborHTMLParser(html)
    title = " ".join(
        [node.text(strip=True) for node in tree.css("title, h1")]
        + [node.attributes.get("content") or "" for node in tree.css("meta[property='og:title']")]
    )
    published = bool(tree.css_first("meta[property='article:published_time'], article time[datetime]"))
    for node in tree.css("script, style, noscript, template, svg"):
        node.decompose()
    body = tree.body.text(separator=" ") if tree.body is not None else ""
    words = len(body.split())
    reasons: list[tuple[float, str]] = []
    title_lower = title.lower()
    if any(phrase in title_lower for phrase in POLICY_PHRASES) or (
        PRIVACY_WORDS.search(title_lower) and POLICY_NOUNS.search(title_lower)
    ):
        reasons.append((8.0, "page title names a privacy policy"))
    elif PRIVACY_WORDS.search(title_lower):
        reasons.append((3.0, "page title mentions privacy"))
    for kind, pattern in DECOYS:
        if pattern.search(title_lower) and not PRIVACY_WORDS.search(title_lower):
            reasons.append((-6.0, f"page title names {kind}"))
    cues = {match.group(0).lower() for match in POLICY_CUES.finditer(body)}
    if cues:
        reasons.append(
            (min(10.0, 1.25 * len(cues)), f"{len(cues)} policy terms ({', '.join(sorted(cues)[:4])})")
        )
    terms = {match.group(0).lower() for match in TERMS_CUES.finditer(body)}
    if len(terms) > len(cues) / 2:
        reasons.append((-1.0 * len(terms), f"reads like terms of service ({', '.join(sorted(terms)[:3])})"))
    if words < 250:
        reasons.append((-4.0, f"short ({words} words)"))
    if published:
        reasons.append((-4.0, "dated like an article"))
    return _scored(reasons)


#: A page scoring this much on its own is taken as a policy by ``add``.
POLICY_PAGE_THRESHOLD = 10.0


def names_privacy(link: Link) -> bool:
    """Does the link's text or URL say "privacy" in any of the languages? (Only those are candidates.)"""
    return bool(PRIVACY_WORDS.search(link.text) or URL_WORDS.search(urlsplit(link.url).path))


def is_policy(page: Scored) -> bool:
    return page.score >= POLICY_PAGE_THRESHOLD


def _scored(reasons: list[tuple[float, str]]) -> Scored:
    ordered = sorted(reasons, key=lambda item: -abs(item[0]))
    return Scored(round(sum(weight for weight, _ in reasons), 2), tuple(why for _, why in ordered))


def _link_text(anchor: LexborNode) -> str:
    parts = [anchor.text(separator=" ", strip=True)]
    for attribute in ("title", "aria-label"):
        value = anchor.attributes.get(attribute)
        if value:
            parts.append(value)
    for image in anchor.css("img[alt]"):
        parts.append(image.attributes.get("alt") or "")
    return re.sub(r"\s+", " ", " ".join(part for part in parts if part)).strip()


def _inside(node: LexborNode, selector: str) -> bool:
    parent = node.parent
    while parent is not None and parent.tag not in {"body", "html"}:
        if parent.css_matches(selector):
            return True
        parent = parent.parent
    return False


def _base_href(tree: LexborHTMLParser, page_url: str) -> str:
    base = tree.css_first("base[href]")
    href = base.attributes.get("href") if base is not None else None
    return urljoin(page_url, href) if href else page_url


def _site(url: str) -> str:
    """The registrable-ish part of a host: the last two labels (good enough to tell "same site")."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    labels = host.split(".")
    return ".".join(labels[-2:]) if len(labels) > 2 and not host.replace(".", "").isdigit() else host
