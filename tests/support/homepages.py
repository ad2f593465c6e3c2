"""Small multilingual websites for discovery tests: a homepage whose footer links to the privacy policy
among decoys (terms, cookie policy, imprint, privacy settings) and whose body links to a blog post that
talks about privacy. Every page is real HTML served from a LoopbackSite; all wording is our own."""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.site import LoopbackSite


@dataclass(frozen=True)
class Website:
    language: str
    policy_path: str
    policy_title: str
    policy_sentence: str  # a sentence only the policy page has
    links: tuple[tuple[str, str, str], ...]  # (area, text, path) on the homepage
    pages: dict[str, tuple[str, str]]  # path → (title, body text)


def _page(title: str, body: str, *, lang: str, article: bool = False) -> str:
    meta = '<meta property="article:published_time" content="2025-05-02T08:00:00Z">' if article else ""
    paragraphs = "".join(f"<p>{paragraph}</p>" for paragraph in body.split("\n\n"))
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{meta}</head>'
        f"<body><header><a href='/'>Home</a></header><main><h1>{title}</h1>{paragraphs}</main>"
        "<footer><a href='/'>Home</a></footer></body></html>"
    )


def _homepage(site: Website) -> str:
    areas: dict[str, list[str]] = {"nav": [], "prose": [], "footer": []}
    for area, text, path in site.links:
        areas[area].append(f'<a href="{path}">{text}</a>')
    prose = " ".join(areas["prose"])
    return (
        f'<!doctype html><html lang="{site.language}"><head><meta charset="utf-8"><title>ACME</title></head>'
        f"<body><header><nav>{' · '.join(areas['nav'])}</nav></header>"
        "<main><h1>ACME</h1><p>We make sturdy bicycles and sell them in our shops and online. "
        f"{prose}</p><p>Visit our shops from Monday to Saturday.</p></main>"
        f"<footer><nav aria-label='legal'>{' | '.join(areas['footer'])}</nav>"
        "<p>© 2026 ACME Bicycles</p></footer></body></html>"
    )


def serve_website(site: LoopbackSite, website: Website, *, at: str = "/") -> None:
    site.set(at, _homepage(website))
    for path, (title, body) in website.pages.items():
        site.set(path, _page(title, body, lang=website.language, article=path.startswith("/blog/")))


EN_POLICY = """We collect your name, postal address and e-mail address when you order a bicycle, and the
payment details you give us. We use your personal data to deliver your order and to answer your questions.

We share personal information with the carriers who deliver your order and with our payment provider. These
third parties process it only on our instructions. We do not sell your personal information.

Retention: we keep your order records for six years, as tax law requires.

Your rights: you can ask for a copy of your personal data, have it corrected or erased, and object to its
use for marketing. You can complain to the supervisory authority. Our data protection officer answers at
privacy@acme.example."""

ENGLISH = Website(
    language="en",
    policy_path="/legal/privacy-policy",
    policy_title="Privacy Policy",
    policy_sentence="We do not sell your personal information.",
    links=(
        ("nav", "Bicycles", "/bicycles"),
        ("nav", "Blog", "/blog"),
        (
            "prose",
            "Read our tips to protect your privacy when you ride with a fitness app.",
            "/blog/2025/05/ride-private",
        ),
        ("footer", "Terms of Service", "/legal/terms"),
        ("footer", "Cookie Policy", "/legal/cookies"),
        ("footer", "Your Privacy Choices", "/legal/privacy-choices"),
        ("footer", "Privacy Policy", "/legal/privacy-policy"),
        ("footer", "Imprint", "/legal/imprint"),
    ),
    pages={
        "/legal/privacy-policy": ("Privacy Policy", EN_POLICY),
        "/legal/terms": (
            "Terms of Service",
            "These terms govern your purchase of bicycles. Governing law is the law of England. "
            "Our liability is limited to the price of the bicycle. Any dispute goes to arbitration. "
            "We give no warranty for parts you fit yourself. See our privacy policy for how we handle "
            "personal data.",
        ),
        "/legal/cookies": (
            "Cookie Policy",
            "We use cookies to keep your basket and to count visits. You can refuse cookies in your browser.",
        ),
        "/legal/privacy-choices": (
            "Your Privacy Choices",
            "Switch the newsletter and personalised offers on or off here.",
        ),
        "/legal/imprint": ("Imprint", "ACME Bicycles Ltd, 1 Wheel Street, London. Company number 123456."),
        "/blog/2025/05/ride-private": (
            "Five ways to keep your rides private",
            "Fitness apps share more than you think. Turn off public profiles, hide your start and end "
            "points, and check which third parties see your personal data. Privacy matters on the road.",
        ),
    },
)

DE_POLICY = """Verantwortliche Stelle für die Verarbeitung Ihrer personenbezogenen Daten ist die ACME
Fahrräder GmbH. Wir erheben Ihren Namen, Ihre Anschrift und Ihre E-Mail-Adresse,
wenn Sie ein Fahrrad bestellen.

Wir geben Ihre personenbezogenen Daten an Versanddienstleister und unseren Zahlungsdienstleister weiter.
Dritte verarbeiten sie nur nach unserer Weisung. Rechtsgrundlage ist Art. 6 Abs. 1 lit. b DSGVO.

Speicherdauer: Wir bewahren Bestelldaten zehn Jahre auf, wie es das Handelsrecht verlangt.

Ihre Rechte: Sie haben das Recht auf Auskunft, Berichtigung, Löschung und Widerspruch. Sie können sich
bei einer Aufsichtsbehörde beschweren. Unseren Datenschutzbeauftragten erreichen Sie unter
datenschutz@acme.example."""

GERMAN = Website(
    language="de",
    policy_path="/datenschutz",
    policy_title="Datenschutzerklärung",
    policy_sentence="Dritte verarbeiten sie nur nach unserer Weisung.",
    links=(
        ("nav", "Fahrräder", "/fahrraeder"),
        (
            "prose",
            "Lesen Sie, wie Sie beim Radfahren Ihre Privatsphäre und Ihren Datenschutz wahren.",
            "/blog/2025/05/datenschutz-tipps",
        ),
        ("footer", "AGB", "/agb"),
        ("footer", "Impressum", "/impressum"),
        ("footer", "Cookie-Einstellungen", "/cookie-einstellungen"),
        ("footer", "Datenschutzerklärung", "/datenschutz"),
    ),
    pages={
        "/datenschutz": ("Datenschutzerklärung", DE_POLICY),
        "/agb": (
            "Allgemeine Geschäftsbedingungen",
            "Diese Geschäftsbedingungen gelten für alle Bestellungen. Gerichtsstand ist Berlin. Die Haftung "
            "ist auf Vorsatz und grobe Fahrlässigkeit beschränkt.",
        ),
        "/impressum": (
            "Impressum",
            "ACME Fahrräder GmbH, Radweg 1, 10115 Berlin. Handelsregister HRB 12345.",
        ),
        "/cookie-einstellungen": ("Cookie-Einstellungen", "Hier können Sie Cookies zulassen oder ablehnen."),
        "/blog/2025/05/datenschutz-tipps": (
            "Datenschutz-Tipps für Radfahrer",
            "Fitness-Apps teilen viel. Schalten Sie öffentliche Profile ab und prüfen Sie, welche "
            "Dritte Ihre Daten sehen.",
        ),
    },
)

FR_POLICY = """Le responsable du traitement de vos données personnelles est ACME Vélos SAS. Nous collectons
votre nom, votre adresse et votre adresse électronique lorsque vous commandez un vélo.

Nous transmettons vos données personnelles aux transporteurs et à notre prestataire de paiement. Ces tiers
les traitent uniquement sur nos instructions. La base légale est l'exécution du contrat (RGPD, article 6).

Durée de conservation : nous conservons les données de commande pendant dix ans.

Vos droits : vous pouvez demander l'accès, la rectification ou l'effacement de vos données, et vous opposer
à leur utilisation. Vous pouvez saisir la CNIL. Notre délégué à la protection des données répond à
dpo@acme.example."""

FRENCH = Website(
    language="fr",
    policy_path="/confidentialite",
    policy_title="Politique de confidentialité",
    policy_sentence="Ces tiers les traitent uniquement sur nos instructions.",
    links=(
        ("nav", "Nos vélos", "/velos"),
        ("prose", "Nos conseils pour protéger votre vie privée à vélo.", "/blog/2025/05/vie-privee-a-velo"),
        ("footer", "Mentions légales", "/mentions-legales"),
        ("footer", "CGU", "/cgu"),
        ("footer", "Gestion des cookies", "/cookies"),
        ("footer", "Politique de confidentialité", "/confidentialite"),
    ),
    pages={
        "/confidentialite": ("Politique de confidentialité", FR_POLICY),
        "/mentions-legales": (
            "Mentions légales",
            "ACME Vélos SAS, 1 rue du Guidon, 75001 Paris. RCS Paris 123 456 789.",
        ),
        "/cgu": (
            "Conditions générales d'utilisation",
            "Les présentes conditions régissent l'utilisation du site. Le droit applicable est le droit "
            "français. Notre responsabilité est limitée.",
        ),
        "/cookies": ("Gestion des cookies", "Nous utilisons des cookies de mesure d'audience."),
        "/blog/2025/05/vie-privee-a-velo": (
            "Vie privée à vélo : nos conseils",
            "Les applications sportives partagent beaucoup. Masquez votre profil public et vérifiez "
            "quels tiers voient vos données.",
        ),
    },
)

WEBSITES = {"en": ENGLISH, "de": GERMAN, "fr": FRENCH}
