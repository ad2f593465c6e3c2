"""The extract step: decoding, boilerplate removal, Markdown-like blocks, normalisation."""

from __future__ import annotations

import pytest

from monitor.core.extract import decode_body, extract, normalize_text, split_content_type
from tests.support.pages import BOILERPLATE, markdown_to_html, policy_page, seed_names, seed_text

HTML = "text/html; charset=utf-8"


def page(body: str) -> str:
    return f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>"


# -- decoding ----------------------------------------------------------------------------------------


def test_decode_honours_the_http_charset() -> None:
    body = "Политика конфиденциальности".encode("cp1251")
    assert decode_body(body, "text/plain; charset=windows-1251") == "Политика конфиденциальности"
    assert decode_body("Grüße".encode("iso-8859-15"), "text/plain; charset=ISO-8859-15") == "Grüße"


def test_decode_reads_cp1252_bytes_labelled_utf8_as_cp1252() -> None:
    body = "We don’t sell data – café".encode("cp1252")
    assert decode_body(body, "text/html; charset=utf-8") == "We don’t sell data – café"


def test_decode_keeps_real_utf8_next_to_stray_cp1252_bytes() -> None:
    body = "naïve ".encode() + "don’t".encode("cp1252")
    assert decode_body(body, "text/html; charset=utf-8") == "naïve don’t"


def test_decode_reads_utf8_bytes_labelled_latin1_as_utf8() -> None:
    body = "Données personnelles – “consent”".encode()
    assert decode_body(body, "text/html; charset=iso-8859-1") == "Données personnelles – “consent”"


def test_decode_reads_real_latin1_labelled_latin1() -> None:
    assert decode_body("Données".encode("latin-1"), "text/html; charset=iso-8859-1") == "Données"


def test_decode_uses_meta_charset_without_http_charset() -> None:
    body = '<html><head><meta charset="windows-1252"></head><body>“Privacy”</body></html>'.encode("cp1252")
    assert "“Privacy”" in decode_body(body, "text/html")


def test_decode_uses_http_equiv_content_type() -> None:
    html = '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r"><p>Политика</p>'
    body = html.encode("koi8-r")
    assert "Политика" in decode_body(body, None)


def test_decode_prefers_the_bom() -> None:
    body = "\ufeffPolicy ü".encode("utf-16")
    assert decode_body(body, "text/plain; charset=iso-8859-1") == "Policy ü"


def test_decode_guesses_undeclared_non_utf8() -> None:
    text = "Les données personnelles sont protégées et conservées en sécurité. " * 5
    assert decode_body(text.encode("cp1252"), None).startswith("Les données personnelles sont protégées")


@pytest.mark.parametrize("content_type", [None, "text/html; charset=no-such-charset", "text/html; charset="])
def test_decode_never_raises_on_garbage(content_type: str | None) -> None:
    assert isinstance(decode_body(bytes(range(256)) * 3, content_type), str)


def test_split_content_type_reads_mime_and_charset() -> None:
    assert split_content_type('Text/HTML; Charset="UTF-8"') == ("text/html", "utf-8")
    assert split_content_type(None) == (None, None)


def test_extract_decodes_bytes_with_a_wrong_charset_label() -> None:
    body = page("<p>We don’t sell your data.</p>").encode("cp1252")
    assert extract(body, content_type=HTML) == "We don’t sell your data."


# -- plain text and Markdown -------------------------------------------------------------------------


def test_plain_text_is_normalised() -> None:
    raw = "\n\n  \r\nTitle  \r\n\r\n\r\n\r\nCafe\u0301\u00a0bar\t \n\n\n- item\n\n"
    assert extract(raw.encode(), content_type="text/plain") == "Title\n\nCafé bar\n\n- item"


def test_markdown_passes_through_with_its_markup() -> None:
    markdown = "# Privacy\n\n**Bold** and [a link](https://example.com)\n\n| a | b |\n"
    assert extract(markdown, content_type="text/markdown; charset=utf-8") == markdown.rstrip("\n")


def test_untyped_text_that_is_not_html_passes_through() -> None:
    assert extract(b"1. We collect data.\r\n2. We share it.") == "1. We collect data.\n2. We share it."


def test_untyped_html_is_sniffed_and_converted() -> None:
    assert extract(page("<h2>Sharing</h2><p>We share.</p>").encode()) == "## Sharing\n\nWe share."


def test_normalize_collapses_blank_runs_and_strips_edges() -> None:
    assert normalize_text("\n\na \n\n\n\nb\u200b\n\n") == "a\n\nb"


# -- HTML structure ----------------------------------------------------------------------------------


def test_headings_paragraphs_lists_and_tables_become_blocks() -> None:
    html = page(
        "<h1>Privacy Policy</h1><p>Intro   text\nacross lines.</p>"
        "<h2>1. Data</h2><ul><li>Name</li><li>Email <a href='/x'>address</a></li></ul>"
        "<h3>Retention</h3><ol><li>One</li><li>Two</li></ol>"
        "<table><tr><th>Data</th><th>Purpose</th></tr><tr><td>IP</td><td>Security | fraud</td></tr></table>"
        "<h6>Small</h6>"
    )
    assert extract(html, content_type=HTML) == (
        "# Privacy Policy\n\nIntro text across lines.\n\n## 1. Data\n\n- Name\n- Email address\n\n"
        "### Retention\n\n1. One\n2. Two\n\n| Data | Purpose |\n| IP | Security \\| fraud |\n\n###### Small"
    )


def test_nested_lists_are_indented_and_ordered_lists_honour_start() -> None:
    html = page("<ol start='3'><li>Third<ul><li>detail a</li><li>detail b</li></ul></li><li>Fourth</li></ol>")
    assert extract(html, content_type=HTML) == "3. Third\n  - detail a\n  - detail b\n4. Fourth"


def test_list_item_paragraphs_stay_in_the_item() -> None:
    html = page("<ul><li><p>First para.</p><p>Second para.</p></li><li>Next</li></ul>")
    assert extract(html, content_type=HTML) == "- First para.\n  Second para.\n- Next"


def test_entirely_bold_paragraph_is_a_pseudo_heading() -> None:
    html = page(
        "<p><strong>Your rights</strong></p><p><b>Note:</b> partly bold.</p><div><b>Contact</b></div>"
    )
    assert extract(html, content_type=HTML) == "**Your rights**\n\nNote: partly bold.\n\n**Contact**"


def test_br_is_a_newline_inside_the_block() -> None:
    html = page("<p>Acme Ltd<br>1 Main Street<br/>London</p>")
    assert extract(html, content_type=HTML) == "Acme Ltd\n1 Main Street\nLondon"


def test_layout_tables_are_rendered_as_blocks_not_rows() -> None:
    html = page("<table><tr><td><h2>Policy</h2><p>We collect data.</p></td></tr></table>")
    assert extract(html, content_type=HTML) == "## Policy\n\nWe collect data."


def test_extraction_is_deterministic() -> None:
    html = policy_page(seed_text(seed_names()[0]))
    assert extract(html, content_type=HTML) == extract(html, content_type=HTML)


# -- boilerplate -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", seed_names())
def test_corpus_page_extracts_exactly_its_policy(name: str) -> None:
    markdown = seed_text(name)
    text = extract(policy_page(markdown).encode(), content_type=HTML)
    assert not [phrase for phrase in BOILERPLATE if phrase in text]
    assert text == extract(markdown_to_html(markdown), content_type=HTML)
    assert len(text) > 0.8 * len(markdown)


def test_scripts_styles_and_hidden_elements_are_dropped() -> None:
    html = page(
        "<p>Kept.</p><script>var tracking = 1;</script><style>p {}</style><noscript>Enable JS</noscript>"
        "<div hidden>Hidden attr</div><p style='display : none'>Inline none</p>"
        "<p style='visibility:hidden'>Invisible</p><span aria-hidden='true'>Icon</span>"
        "<template><p>Template</p></template><svg><text>Logo</text></svg><iframe src='x'></iframe>"
    )
    assert extract(html, content_type=HTML) == "Kept."


def test_collapsed_accordion_panels_are_kept() -> None:
    html = page(
        "<h2>Sharing</h2><button aria-controls='panel-1'>Show</button>"
        "<div id='panel-1' hidden><p>We share data with processors.</p></div>"
    )
    assert extract(html, content_type=HTML) == "## Sharing\n\nWe share data with processors."


def test_cookie_banners_are_dropped_but_the_cookie_section_is_kept() -> None:
    html = page(
        "<div id='onetrust-banner-sdk'><p>We value your privacy</p></div>"
        "<div class='cc-banner'>Cookies here</div><div class='gdpr-banner'>GDPR consent</div>"
        "<section id='cookies' class='cookies'><h2>Cookies</h2><p>We use cookies for analytics.</p></section>"
    )
    assert extract(html, content_type=HTML) == "## Cookies\n\nWe use cookies for analytics."


def test_navigation_landmarks_are_dropped_but_an_article_header_is_kept() -> None:
    html = page(
        "<header><a href='/'>Logo</a></header><nav>Menu</nav><div role='navigation'>Crumbs</div>"
        "<div role='banner'>Banner</div><article><header><h1>Privacy</h1><p>Updated 1 May 2024</p></header>"
        "<p>Body.</p><footer>Article footer</footer></article><aside>Sidebar</aside>"
        "<div role='contentinfo'>Info</div><footer>Site footer</footer>"
    )
    assert extract(html, content_type=HTML) == "# Privacy\n\nUpdated 1 May 2024\n\nBody.\n\nArticle footer"


def test_a_form_wrapping_the_whole_page_is_kept() -> None:
    clause = "<p>We collect the information you give us when you register an account with us.</p>"
    html = page(f"<form id='aspnetForm'><h1>Privacy</h1>{clause * 30}<input type='hidden'></form>")
    text = extract(html, content_type=HTML)
    assert text.startswith("# Privacy\n\nWe collect the information")
    assert text.count("We collect") == 30


def test_main_element_is_preferred_when_it_holds_most_text() -> None:
    html = page("<div class='menu'>Home Products</div><main><p>" + "Policy text. " * 50 + "</p></main>")
    assert extract(html, content_type=HTML).startswith("Policy text.")


def test_full_body_is_kept_when_main_holds_little_text() -> None:
    html = page("<main><p>Short intro.</p></main><div><p>" + "Clause outside main. " * 30 + "</p></div>")
    text = extract(html, content_type=HTML)
    assert text.startswith("Short intro.")
    assert "Clause outside main." in text


# -- select and remove -------------------------------------------------------------------------------


def test_select_keeps_the_union_of_matches_in_document_order() -> None:
    html = page("<h1>Title</h1><div id='a'><p>A</p></div><p>Noise</p><div class='b'><p>B</p></div>")
    assert extract(html, content_type=HTML, select=[".b", "#a", "h1"]) == "# Title\n\nA\n\nB"


def test_select_does_not_repeat_nested_matches() -> None:
    html = page("<div id='outer'><p class='x'>Inner</p></div>")
    assert extract(html, content_type=HTML, select=["#outer", ".x"]) == "Inner"


def test_remove_drops_matches() -> None:
    html = page("<main><p>Keep.</p><div class='promo'>Promo</div><p id='ad'>Ad</p></main>")
    assert extract(html, content_type=HTML, remove=[".promo", "#ad"]) == "Keep."


def test_remove_applies_inside_the_selection() -> None:
    html = page("<div id='policy'><p>Keep.</p><p class='date'>Printed today</p></div><p>Out.</p>")
    assert extract(html, content_type=HTML, select=["#policy"], remove=[".date"]) == "Keep."


def test_select_matching_nothing_gives_empty_text() -> None:
    assert extract(page("<p>Text</p>"), content_type=HTML, select=["#missing"]) == ""


def test_invalid_selector_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="invalid CSS selector"):
        extract(page("<p>x</p>"), content_type=HTML, select=["p[["])


# -- trafilatura strategy ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", seed_names())
def test_trafilatura_strategy_loses_no_text_and_no_boilerplate_returns(name: str) -> None:
    markdown = seed_text(name)
    default = extract(policy_page(markdown), content_type=HTML)
    text = extract(policy_page(markdown), content_type=HTML, strategy="trafilatura")
    assert not [phrase for phrase in BOILERPLATE if phrase in text]
    letters = sum(char.isalnum() for char in text)
    assert letters >= 0.7 * sum(char.isalnum() for char in default)
