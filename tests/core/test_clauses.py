"""Segmentation of policy text into sectioned clauses, and the normalised matching key."""

from __future__ import annotations

import dataclasses

import pytest

from monitor.core.clauses import Clause, _segmenter, normalise, segment, split_sentences


def texts(text: str) -> list[str]:
    return [c.text for c in segment(text)]


def norms(text: str) -> list[str]:
    return [c.norm for c in segment(text)]


# ------------------------------------------------------------------------------------------ structure


def test_clause_is_frozen_and_indexed_in_document_order() -> None:
    clauses = segment("First sentence here. Second sentence here.\n\n- An item\n- Another item\n")
    assert [c.index for c in clauses] == list(range(len(clauses)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        clauses[0].text = "changed"  # type: ignore[misc]


def test_paragraph_sentences_become_separate_clauses() -> None:
    assert texts("We collect your name. We never sell it! Do we share it? Only with processors.") == [
        "We collect your name.",
        "We never sell it!",
        "Do we share it?",
        "Only with processors.",
    ]


def test_abbreviations_do_not_end_a_sentence() -> None:
    text = "We share data with Acme Inc. and with U.S. partners, e.g. Google LLC. Then we stop."
    assert texts(text) == [
        "We share data with Acme Inc. and with U.S. partners, e.g. Google LLC.",
        "Then we stop.",
    ]


def test_link_targets_and_escaped_numbers_do_not_split_sentences() -> None:
    text = "See [our page](https://x.example/a.b?c=1. D) for more. 2\\. Sharing is covered below."
    assert split_sentences(text) == (
        "See [our page](https://x.example/a.b?c=1. D) for more.",
        "2\\. Sharing is covered below.",
    )


def test_list_items_are_clauses_without_their_bullets() -> None:
    assert texts("- your name\n* your e-mail address\n• your phone number\n") == [
        "your name",
        "your e-mail address",
        "your phone number",
    ]


def test_a_run_of_short_numbered_lines_is_a_list_not_headings() -> None:
    clauses = segment("We collect:\n\n1. Name\n2. Email address\n3. Phone number\n")
    assert [c.norm for c in clauses] == ["we collect:", "name", "email address", "phone number"]


def test_table_rows_are_clauses_and_separator_rows_are_dropped() -> None:
    clauses = segment("| Purpose | Legal basis |\n|---|:---:|\n| Ads | Consent<br>only |\n")
    assert [c.norm for c in clauses] == ["purpose legal basis", "ads consent only"]


def test_headings_are_section_path_not_clauses() -> None:
    text = (
        "# Privacy Policy\n\nIntro sentence.\n\n## 3. Sharing\n\n### 3.2 Partners\n\n"
        "We share with partners.\n\n## 4. Retention\n\nWe keep data.\n"
    )
    clauses = segment(text)
    assert [(c.text, c.section) for c in clauses] == [
        ("Intro sentence.", ("Privacy Policy",)),
        ("We share with partners.", ("Privacy Policy", "3. Sharing", "3.2 Partners")),
        ("We keep data.", ("Privacy Policy", "4. Retention")),
    ]


def test_setext_headings_are_recognised() -> None:
    clauses = segment("Europe privacy policy\n=====================\n\nWe collect data.\n")
    assert [(c.text, c.section) for c in clauses] == [("We collect data.", ("Europe privacy policy",))]


@pytest.mark.parametrize(
    "heading",
    ["**Use of Cookies**", "a. Use of Cookies", "3.2 Use of Cookies", "USE OF COOKIES", "Use of Cookies"],
)
def test_pseudo_headings_in_plain_text_start_a_section(heading: str) -> None:
    text = f"We value privacy.\n{heading}\nWe store cookies on your device.\n"
    clauses = segment(text)
    assert [c.text for c in clauses] == ["We value privacy.", "We store cookies on your device."]
    assert normalise(clauses[1].section[-1]) == normalise(heading)


def test_heading_normalisation_ignores_its_markup() -> None:
    assert normalise("## Sharing Your Information") == normalise("**Sharing Your Information**")
    assert normalise("**Sharing Your Information**") == normalise("SHARING YOUR INFORMATION")


def test_a_bold_lead_in_inside_a_sentence_is_not_a_heading() -> None:
    clauses = segment("**Personal Data You Provide:** We collect data you give us.\n")
    assert len(clauses) == 1
    assert clauses[0].section == ()


def test_bold_heading_split_over_lines_is_one_heading() -> None:
    clauses = segment("Before.\n\n**  \nCollection of Your Personal Information**\n\nWe collect data.\n")
    assert clauses[-1].section == ("Collection of Your Personal Information",)


def test_wrapped_and_unwrapped_paragraphs_give_the_same_clauses() -> None:
    one_line = "We may share your personal information with our service providers. They process it for us.\n"
    wrapped = "We may share your personal information\nwith our service providers. They process\nit for us.\n"
    assert norms(one_line) == norms(wrapped)
    assert len(norms(one_line)) == 2


def test_one_line_per_paragraph_text_keeps_label_lines_apart() -> None:
    clauses = segment("Last update: Dec 09, 2022\nWelcome to our services! We care about privacy.\n")
    assert [c.text for c in clauses] == [
        "Last update: Dec 09, 2022",
        "Welcome to our services!",
        "We care about privacy.",
    ]


def test_lines_without_any_words_are_not_clauses() -> None:
    assert segment("[ ](https://seal.example/validate)\n\n---\n\n* * *\n") == ()


def test_the_sentence_segmenter_is_built_once() -> None:
    assert _segmenter() is _segmenter()


def test_segment_returns_clause_instances() -> None:
    assert all(isinstance(c, Clause) for c in segment("A sentence. Another one."))


# ------------------------------------------------------------------------------------------ normalise


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("We  Collect\tYOUR data.", "we collect your data."),
        ("We\u00a0collect your\u2060 da\u200bta.", "we collect your data."),
        ("We collect “your” data – and it’s safe…", 'we collect "your" data - and it\'s safe...'),
        ("We **collect** _your_ data\\.", "we collect your data."),
        ("• We collect data.", "we collect data."),
        ("1\\. We collect data.", "we collect data."),
        ("See [our policy](https://example.com/privacy?utm_source=x).", "see our policy."),
        ("See https://example.com/privacy?session=abc123 now.", "see https://example.com/privacy now."),
        ("Write to privacy [at] example [dot] com.", "write to privacy@example.com."),
        ("Write to privacy(at)example.com.", "write to privacy@example.com."),
        ("Write to privacy at example dot com.", "write to privacy@example.com."),
        ("Write to [privacy@example.com](mailto:privacy@example.com).", "write to privacy@example.com."),
        ('Write to [privacy@example.com](# "mailto:privacy@example.com").', "write to privacy@example.com."),
        ("Write to mailto:privacy@example.com.", "write to privacy@example.com."),
        ("information .It applies", "information.it applies"),
    ],
)
def test_normalise_folds_formatting_variants(variant: str, canonical: str) -> None:
    assert normalise(variant) == canonical


def test_normalise_marks_cloudflare_protected_addresses() -> None:
    assert normalise("Write to [email protected] today.") == "write to email-protected today."


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("We keep data for 15 days.", "We keep data for 30 days."),
        ("Write to support@example.com.", "Write to privacy@example.com."),
        ("We do not sell data.", "We sell data."),
    ],
)
def test_normalise_keeps_wording_differences(old: str, new: str) -> None:
    assert normalise(old) != normalise(new)


def test_bold_label_ending_with_a_colon_is_a_heading() -> None:
    clauses = segment("Intro text here.\n\n**Information we collect:**\n\n- your name\n")
    assert clauses[-1].section == ("Information we collect:",)


def test_a_sentence_may_start_with_a_lowercase_brand_name() -> None:
    assert texts("We use necessary cookies on our Services. xAI does not sell data.") == [
        "We use necessary cookies on our Services.",
        "xAI does not sell data.",
    ]


def test_a_full_stop_before_a_lowercase_word_does_not_end_a_sentence() -> None:
    assert len(segment("We collect identifiers, device data, etc. and use them for security.")) == 1
