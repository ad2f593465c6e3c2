"""Non-material edits: none of these may alert."""

from __future__ import annotations

from monitor.core.diff import ClauseChange, ClauseDiff
from monitor.core.materiality import classify
from tests.core.materiality.helpers import POLICY_FILLER, added, clause, judge, modified, removed


def _assert_not_material(*changes: ClauseChange) -> None:
    j = judge(*changes)
    assert not j.material, j.changes
    assert j.severity == "none" and j.direction == "neutral" and j.categories == ()
    assert all(not c.material and c.reasons == () for c in j.changes)


def test_date_change() -> None:
    _assert_not_material(modified("Last updated: January 12, 2025", "Last updated: 3 March 2026"))


def test_effective_date_inside_a_sentence() -> None:
    _assert_not_material(
        modified(
            "This Policy is effective on 10 May 2018 for current users.",
            "This Policy is effective on 1 September 2019 for current users.",
        )
    )


def test_effective_date_line_added() -> None:
    _assert_not_material(added("Effective: April 4, 2026 (previous version)"))


def test_typo_fix() -> None:
    _assert_not_material(
        modified(
            "Pausing your watch history doesn't change its retention setting.",
            "Pausing your watch history doesn't change it's retention settings.",
        )
    )


def test_british_to_american_spelling() -> None:
    _assert_not_material(
        modified(
            "Our loyalty programme lets you organise favourite stores in the help centre.",
            "Our loyalty program lets you organize favorite stores in the help center.",
        )
    )


def test_synonym_swap() -> None:
    _assert_not_material(
        modified(
            "We generally share data with our service providers.",
            "We usually share data with our service providers.",
        )
    )


def test_oxford_commas_hyphens_and_links_in_a_sharing_clause() -> None:
    _assert_not_material(
        modified(
            "We share data with third-party vendors, partners and [affiliates](https://a.example/x?id=1) "
            "by e-mail.",
            "We share data with third party vendors, partners, and [affiliates](https://a.example/y?id=2) "
            "by email.",
        )
    )


def test_company_name_restyling() -> None:
    _assert_not_material(
        modified(
            "Acme Play shares your player name with other Acme Play users.",
            "ACME PLAY shares your player name with other ACME PLAY users.",
        )
    )


def test_invisible_characters_and_curly_apostrophes() -> None:
    _assert_not_material(
        modified(
            "Files from Acme Team workspaces aren't used to train models.",
            "Files from Acme Team\u2060 workspaces aren’t used to train models.",
        )
    )


def test_markdown_table_churn() -> None:
    _assert_not_material(
        modified(
            "| Purpose | *   Account Information<br>    <br>*   Log Data |",
            "| Purpose | *   Account Information<br>*   Log Data |",
        )
    )


def test_moved_clause() -> None:
    c = clause("We share your data with advertising partners.")
    _assert_not_material(ClauseChange("moved", c, c, (), 1.0))


def test_navigation_and_heading_lines() -> None:
    _assert_not_material(added("Back to top"), removed("Expand all"))


def test_clause_that_survives_elsewhere_is_not_a_removal() -> None:
    text = "We share your personal information with our advertising partners for measurement."
    change = removed(text)
    j = classify(POLICY_FILLER + " " + text, POLICY_FILLER + " " + text, _diff(change))
    assert not j.material


def test_cookie_consent_banner_captured_into_the_text() -> None:
    _assert_not_material(
        added("We'd like to use cookies to remember your preferences and show relevant content."),
        added(
            "You can accept all cookies for a fully personalized experience, or select only the strictly "
            "necessary ones."
        ),
        added("For more details, please read our [Cookie Notice](https://example.com/cookies)."),
    )


def test_update_banner_replaced_by_script_artefact() -> None:
    _assert_not_material(
        removed(
            "We have updated our Privacy Policy. Please take a look before the changes go "
            "into effect on June 28, 2025."
        ),
        added("false"),
    )


def _diff(*changes: ClauseChange) -> ClauseDiff:
    return ClauseDiff(tuple(changes), unchanged=30)


def test_update_banner_naming_the_policy_is_chrome() -> None:
    _assert_not_material(added("We've updated our Privacy Notice. Read what changed."))


def test_sentence_about_an_updated_practice_is_not_chrome() -> None:
    j = judge(
        added("We have updated our sharing practices so that ad partners now receive your order history.")
    )
    assert j.material and "sharing" in j.categories
