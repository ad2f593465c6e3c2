"""Link and page scoring for discovery, on sentences and pages written for these tests."""

from __future__ import annotations

import pytest

from monitor.core.policylinks import Link, is_policy, names_privacy, page_links, score_link, score_page

BASE = "https://shop.example/"


def footer_link(text: str, path: str) -> Link:
    return Link(
        BASE.rstrip("/") + path,
        text,
        in_footer=True,
        in_nav=False,
        in_prose=False,
        same_site=True,
        position=0.9,
    )


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("Privacy Policy", "/privacy"),
        ("Datenschutzerklärung", "/datenschutz"),
        ("Politique de confidentialité", "/confidentialite"),
        ("Données personnelles", "/donnees-personnelles"),
        ("Política de privacidad", "/politica-de-privacidad"),
        ("Informativa sulla privacy", "/informativa-privacy"),
        ("Privacyverklaring", "/privacyverklaring"),
    ],
)
def test_policy_links_in_six_languages_beat_every_decoy(text: str, path: str) -> None:
    policy = score_link(footer_link(text, path)).score
    decoys = [
        footer_link("Terms of Use", "/terms"),
        footer_link("AGB", "/agb"),
        footer_link("Cookie Policy", "/cookies"),
        footer_link("Impressum", "/impressum"),
        footer_link("Mentions légales", "/mentions-legales"),
        footer_link("Aviso legal", "/aviso-legal"),
        footer_link("Do Not Sell or Share My Personal Information", "/opt-out"),
    ]
    assert all(policy > score_link(decoy).score + 10 for decoy in decoys)


def test_a_blog_post_about_privacy_loses_to_the_footer_policy_link() -> None:
    blog = Link(
        BASE + "blog/2025/03/why-privacy-matters", "Why privacy matters to us, and what we do about it",
        in_footer=False, in_nav=False, in_prose=True, same_site=True, position=0.3,
    )  # fmt: skip
    assert score_link(blog).score < 0 < score_link(footer_link("Privacy", "/privacy")).score


def test_a_privacy_and_cookie_policy_is_still_a_policy_link() -> None:
    assert score_link(footer_link("Privacy & Cookie Policy", "/privacy-cookies")).score > 10


def test_links_are_found_resolved_and_placed() -> None:
    html = """<html><head><base href="/en/"></head><body>
    <nav><a href="products">Products</a></nav>
    <main><p>Read <a href="/blog/privacy-tips">our privacy tips</a>.</p></main>
    <footer><a href="legal/privacy#top">Privacy</a><a href="mailto:dpo@shop.example">DPO</a>
    <a href="javascript:void(0)">Cookie settings</a></footer></body></html>"""
    links = {link.url: link for link in page_links(html, BASE)}
    assert set(links) == {BASE + "en/products", BASE + "blog/privacy-tips", BASE + "en/legal/privacy"}
    assert links[BASE + "en/legal/privacy"].in_footer and links[BASE + "blog/privacy-tips"].in_prose
    assert links[BASE + "en/products"].in_nav and not names_privacy(links[BASE + "en/products"])


POLICY_PAGE = """<html><head><title>Privacy Notice | Shop</title></head><body><h1>Privacy Notice</h1>
<p>This notice explains how Shop Ltd, the data controller, processes your personal data.</p>
<p>We collect your name and address. We share them with third parties who deliver your parcels.</p>
<p>Retention: we keep order data for six years. Your rights: you may ask for access and erasure, and
complain to the supervisory authority. Our data protection officer answers your questions.</p>
<p>{filler}</p></body></html>""".replace("{filler}", "We explain each purpose in plain words. " * 40)

TERMS_PAGE = """<html><head><title>Terms of Service</title></head><body><h1>Terms of Service</h1>
<p>These terms govern your use of the shop. Governing law: England. Our liability is limited. Disputes go to
arbitration. We give no warranty for misuse. See the privacy notice for how we use personal data.</p>
<p>{filler}</p></body></html>""".replace("{filler}", "You agree to pay for what you order. " * 40)

ARTICLE_PAGE = """<html><head><title>Five privacy tips for shoppers</title>
<meta property="article:published_time" content="2025-03-01"></head><body><article><h1>Five privacy
tips</h1><p>Use strong passwords and check which third parties see your personal data.</p></article>
</body></html>"""


def test_a_policy_page_reads_as_a_policy_and_the_decoys_do_not() -> None:
    policy, terms, article = score_page(POLICY_PAGE), score_page(TERMS_PAGE), score_page(ARTICLE_PAGE)
    assert is_policy(policy)
    assert not is_policy(terms) and not is_policy(article)
    assert policy.score > terms.score + 10 and policy.score > article.score + 10
    assert "page title names a privacy policy" in policy.why
    assert any("terms of service" in why for why in terms.why)
    assert "dated like an article" in article.why
