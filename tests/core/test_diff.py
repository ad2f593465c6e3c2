"""Clause alignment: formatting-only rewrites are not changes; edits, moves, additions and removals are."""

from __future__ import annotations

import pytest

from monitor.core.clauses import segment
from monitor.core.diff import ClauseDiff, diff_clauses, word_diff
from tests.core.conftest_diff import OTA_PAIRS, changed_text, content_changes, diff_texts

POLICY = """# Example Privacy Policy

Last updated: 1 March 2024

## 1. Information We Collect

We collect your name, e-mail address and phone number when you register. We also collect usage data \
from your device, e.g. your IP address and browser type.

- account details you give us
- messages you send to support
- payment information processed by our provider

## 2. How We Share Information

We share personal information with service providers who process it on our behalf. \
We do not sell your personal information to third parties.

**Contact**

Questions? Write to [privacy@example.com](mailto:privacy@example.com) or visit \
[our help centre](https://example.com/help?ref=policy).
"""


def assert_no_content_change(diff: ClauseDiff) -> None:
    listing = [(c.kind, c.old and c.old.text, c.new and c.new.text) for c in diff.changes]
    assert content_changes(diff) == 0, listing


# ------------------------------------------------------------------------------- formatting-only rewrites


def test_identical_texts_have_no_changes() -> None:
    diff = diff_texts(POLICY, POLICY)
    assert diff.changes == ()
    assert diff.unchanged == len(segment(POLICY))


def test_rewrapping_is_not_a_change() -> None:
    rewrapped = POLICY.replace("when you register. We also collect", "when you\nregister. We also\ncollect")
    assert_no_content_change(diff_texts(POLICY, rewrapped))


def test_bold_pseudo_headings_rewritten_as_markdown_headings_are_not_a_change() -> None:
    assert_no_content_change(diff_texts(POLICY, POLICY.replace("**Contact**", "## Contact")))


def test_bullet_glyph_changes_are_not_a_change() -> None:
    assert_no_content_change(diff_texts(POLICY, POLICY.replace("- ", "• ")))


def test_whitespace_and_nbsp_are_not_a_change() -> None:
    spaced = POLICY.replace("personal information", "personal\u00a0information").replace(". We", ".   We")
    assert_no_content_change(diff_texts(POLICY, spaced + "\n\n   \n"))


def test_smart_quotes_and_dashes_are_not_a_change() -> None:
    old = "We use \"cookies\" - it's how the site works.\n"
    new = "We use “cookies” – it’s how the site works.\n"
    assert_no_content_change(diff_texts(old, new))


def test_markdown_escaping_is_not_a_change() -> None:
    old = "1\\. Information We Collect\n\nWe collect data\\. Nothing else\\.\n"
    new = "1. Information We Collect\n\nWe collect data. Nothing else.\n"
    assert_no_content_change(diff_texts(old, new))


def test_changed_link_targets_and_query_strings_are_not_a_change() -> None:
    new = POLICY.replace("?ref=policy", "?ref=footer&session=9f8e7d").replace(
        "https://example.com/help", "https://help.example.com/en/articles/1"
    )
    assert_no_content_change(diff_texts(POLICY, new))


@pytest.mark.parametrize(
    "obfuscated",
    [
        "privacy [at] example [dot] com",
        "privacy (at) example.com",
        "[privacy@example.com](# \"mailto:privacy@example.com\")",
        "[email protected]",
    ],
)
def test_email_obfuscation_artefacts_are_not_a_change(obfuscated: str) -> None:
    new = POLICY.replace("[privacy@example.com](mailto:privacy@example.com)", obfuscated)
    assert_no_content_change(diff_texts(POLICY, new))


def test_a_missing_space_after_a_full_stop_is_not_a_change() -> None:
    old = "We protect your personal information .It applies to all our services. We review it yearly.\n"
    new = "We protect your personal information. It applies to all our services. We review it yearly.\n"
    assert_no_content_change(diff_texts(old, new))


def test_reordered_sections_are_moves_not_removals() -> None:
    sections = POLICY.split("## ")
    swapped = "## ".join([sections[0], sections[2].rstrip("\n") + "\n\n", sections[1]])
    diff = diff_texts(POLICY, swapped)
    assert_no_content_change(diff)
    assert diff.stats()["moved"] > 0
    assert all(c.similarity == 1.0 and c.inline == () for c in diff.changes)


# ---------------------------------------------------------------------------------------- real changes


def test_an_edited_sentence_is_one_modified_clause_with_a_word_diff() -> None:
    new = POLICY.replace("We do not sell your personal information", "We may sell your personal information")
    diff = diff_texts(POLICY, new)
    assert diff.stats() == {**diff.stats(), "added": 0, "removed": 0, "modified": 1}
    (change,) = diff.changes
    assert change.old is not None and change.new is not None
    assert "do not" in change.old.text and "may" in change.new.text
    assert 0.5 <= change.similarity < 1.0
    assert (-1, "do not") in change.inline and (1, "may") in change.inline
    assert change.new.section == ("Example Privacy Policy", "2. How We Share Information")


def test_a_date_edit_is_a_modification() -> None:
    diff = diff_texts(POLICY, POLICY.replace("1 March 2024", "12 August 2025"))
    assert [c.kind for c in diff.changes] == ["modified"]


def test_new_and_dropped_clauses_are_added_and_removed_in_document_order() -> None:
    sentence = "We do not sell your personal information to third parties."
    new = POLICY.replace("- messages you send to support\n", "").replace(
        sentence, sentence + " We use your biometric data to train models."
    )
    diff = diff_texts(POLICY, new)
    assert [(c.kind, (c.old or c.new).text) for c in diff.changes] == [  # type: ignore[union-attr]
        ("removed", "messages you send to support"),
        ("added", "We use your biometric data to train models."),
    ]
    assert diff.changes[0].old is not None and diff.changes[0].new is None
    assert diff.changes[1].similarity == 0.0 and diff.changes[1].inline == ()


def test_an_unrelated_replacement_is_not_paired_as_modified() -> None:
    old = "Intro.\n\nWe retain data for one year.\n\nOutro sentence here.\n"
    new = "Intro.\n\nCookies from advertising partners track you across websites.\n\nOutro sentence here.\n"
    assert sorted(c.kind for c in diff_texts(old, new).changes) == ["added", "removed"]


def test_a_moved_and_edited_clause_far_away_is_still_paired() -> None:
    clauses = [f"Clause number {n} talks about topic {n} in detail." for n in range(30)]
    old = "\n\n".join(clauses)
    edited = clauses[5].replace("in detail", "in great detail")
    new = "\n\n".join([*clauses[:5], *clauses[6:25], edited, *clauses[25:]])
    diff = diff_texts(old, new)
    assert [c.kind for c in diff.changes] == ["modified"]


def test_stats_count_every_kind() -> None:
    diff = diff_texts("A first one. Keep me.\n", "Keep me. A brand new clause appears.\n")
    assert set(diff.stats()) == {"added", "removed", "modified", "moved", "unchanged"}
    assert diff.stats()["unchanged"] == 1


def test_empty_inputs() -> None:
    assert diff_clauses((), ()).changes == ()
    assert [c.kind for c in diff_clauses((), segment("Only new.")).changes] == ["added"]


def test_word_diff_ops_rebuild_both_texts() -> None:
    old, new = "We keep logs for 15 days.", "We keep server logs for 30 days."
    ops = word_diff(old, new)
    assert "".join(text for op, text in ops if op <= 0) == old
    assert "".join(text for op, text in ops if op >= 0) == new
    assert any(op == 1 and "server" in text for op, text in ops)


# ------------------------------------------------------------------------------ real Open Terms Archive pairs


def ota_diff(pair: str) -> ClauseDiff:
    folder = OTA_PAIRS / pair
    return diff_texts((folder / "before.md").read_text(), (folder / "after.md").read_text())


@pytest.mark.parametrize(
    "pair",
    [
        "03_quora_2024-05-11",  # mailto: links turned into '#'
        "07_claude-ai_2025-11-12",  # session token inside a link
        "15_chatgpt_2026-01-21",  # <br> churn inside a Markdown table
        "39_chatgpt_2026-07-20",  # blank indented lines removed
        "40_chatgpt-business_2026-07-25",  # curly apostrophe and link tracking id
    ],
)
def test_real_formatting_only_pairs_have_no_changes(pair: str) -> None:
    assert_no_content_change(ota_diff(pair))


@pytest.mark.parametrize(
    ("pair", "evidence"),
    [
        ("14_claude-ai_2026-01-17", "12 January 2026"),  # date format flips
        ("26_chatgpt-business_2026-05-18", "January 8, 2026"),  # date only
        ("32_google-gemini_2026-05-23", "settings"),  # typo fix
        ("05_bluesky_2025-04-26", "Bluesky Social"),  # company-name restyling
    ],
)
def test_real_small_edits_are_small_modifications(pair: str, evidence: str) -> None:
    diff = ota_diff(pair)
    assert 1 <= diff.stats()["modified"] <= 2
    assert diff.stats()["added"] == diff.stats()["removed"] == 0
    assert evidence in changed_text(diff)


def test_real_new_section_shows_as_added_clauses_about_it() -> None:
    diff = ota_diff("04_bluesky_2024-05-22")  # Direct Messages introduced, table of contents renumbered
    added = [c.new.text for c in diff.changes if c.kind == "added" and c.new is not None]
    assert any("Direct Messages" in text for text in added)
    assert diff.stats()["removed"] == 0
    assert content_changes(diff) <= 15
