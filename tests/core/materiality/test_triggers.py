"""Material changes: each trigger type is detected, with categories, direction, severity and reasons."""

from __future__ import annotations

from tests.core.materiality.helpers import added, judge, modified, removed


def test_negation_flip_is_material_high_and_less_protective() -> None:
    j = judge(
        modified(
            "We do not share your personal information with third parties.",
            "We may share your personal information with third parties.",
        )
    )
    assert j.material and j.severity == "high" and j.direction == "less_protective"
    assert "sharing" in j.categories
    assert any(
        r.startswith('negation removed: "do not share"') and '"may share"' in r for r in j.changes[0].reasons
    )


def test_do_not_sell_becoming_may_sell_is_a_sale_change() -> None:
    j = judge(
        modified("We do not sell your personal data.", "We may sell your personal data to data brokers.")
    )
    assert j.material and j.severity == "high"
    assert "sale" in j.categories
    assert any("negation removed" in r for r in j.changes[0].reasons)
    assert any(r == "new party: data brokers" for r in j.changes[0].reasons)


def test_commitment_weakened_from_will_to_may() -> None:
    j = judge(
        modified(
            "We will delete your account data when you close your account.",
            "We may delete your account data when you close your account.",
        )
    )
    assert j.material and j.direction == "less_protective"
    assert any(r.startswith("commitment weakened") for r in j.changes[0].reasons)


def test_retention_duration_lengthened() -> None:
    j = judge(
        modified(
            "We delete chat logs within 30 days after you delete them.",
            "We delete chat logs within 45 days after you delete them.",
        )
    )
    assert j.material and j.categories == ("retention",) and j.direction == "less_protective"
    assert j.severity == "medium"
    assert any('"30 days" → "45 days"' in r for r in j.changes[0].reasons)


def test_account_lifetime_replaced_by_years_after_closure() -> None:
    j = judge(
        modified(
            "We will retain your information for as long as your account is active.",
            "We will retain your information for up to ten years after your account is closed.",
        )
    )
    assert j.material and "retention" in j.categories and j.direction == "less_protective"
    assert any(r.startswith("retention lengthened") and "ten years" in r for r in j.changes[0].reasons)


def test_response_time_change_is_a_rights_change() -> None:
    j = judge(modified("We respond to requests within 15 days.", "We respond to requests within 30 days."))
    assert j.material and "user_rights" in j.categories and j.direction == "less_protective"


def test_new_party_in_sharing_clause() -> None:
    j = judge(
        modified(
            "We share usage data with our service providers.",
            "We share usage data with our service providers and advertising partners.",
        )
    )
    assert j.material and j.severity == "high" and j.direction == "less_protective"
    assert "new party: advertising partners" in j.changes[0].reasons


def test_new_sensitive_data_type_collected() -> None:
    j = judge(
        modified(
            "We collect your email address and date of birth.",
            "We collect your email address, date of birth and biometric facial geometry from photos.",
        )
    )
    assert j.material and j.severity == "high" and "sensitive_data" in j.categories
    assert any(
        r in ("new data type: biometric data", "new data type: facial data") for r in j.changes[0].reasons
    )


def test_new_country_in_storage_clause() -> None:
    j = judge(
        modified(
            "Your data is stored and processed in Singapore.",
            "Your data is stored and processed in Singapore and China.",
        )
    )
    assert j.material and "international_transfer" in j.categories
    assert "new country: China" in j.changes[0].reasons


def test_new_purpose_ai_training() -> None:
    j = judge(
        modified(
            "We use your content to provide and improve the service.",
            "We use your content to provide the service and to train our artificial intelligence models.",
        )
    )
    assert j.material and j.severity == "high" and "purpose" in j.categories
    assert "new purpose: AI model training" in j.changes[0].reasons


def test_removed_right_is_less_protective() -> None:
    j = judge(
        modified(
            "You have the right to request access to, correction of, or deletion of your data.",
            "You have the right to request access to or correction of your data.",
        )
    )
    assert j.material and "user_rights" in j.categories and j.direction == "less_protective"
    assert "right removed: deletion" in j.changes[0].reasons


def test_notice_terms_weakened() -> None:
    j = judge(
        modified(
            "If we make material changes to this policy, we will notify you by email "
            "before they take effect.",
            "We may change this policy at any time without notice.",
        )
    )
    assert j.material and "policy_change" in j.categories and j.direction == "less_protective"
    assert any(r.startswith("notice weakened") for r in j.changes[0].reasons)


def test_removed_sale_clause_is_more_protective() -> None:
    j = judge(removed("We may sell your personal information to data brokers and marketing partners."))
    assert j.material and "sale" in j.categories and j.direction == "more_protective"


def test_removed_no_sale_promise_is_less_protective() -> None:
    j = judge(removed("We do not sell your personal information."))
    assert j.material and "sale" in j.categories and j.direction == "less_protective"


def test_added_sharing_clause_is_material() -> None:
    j = judge(added("We share your personal information with our advertising partners for targeted ads."))
    assert j.material and j.severity == "high" and {"sharing", "advertising"} <= set(j.categories)
    assert j.changes[0].reasons[0].startswith("clause added (")


def test_both_directions_make_the_document_mixed() -> None:
    j = judge(
        removed("We may sell your personal information to data brokers."),
        added("We share your personal information with our advertising partners."),
    )
    assert j.material and j.direction == "mixed"
    assert j.summary.startswith("Material, high severity, mixed:")


def test_contact_only_change_is_low() -> None:
    j = judge(added("Our data protection officer can be reached at dpo@example.com.", ("Contact us",)))
    assert j.material and j.categories == ("contact",) and j.severity == "low"


def test_section_heading_gives_the_category() -> None:
    j = judge(added("We keep backups for up to two years.", ("7. Data Retention",)))
    assert j.material and "retention" in j.categories
