"""The rules work on policy language they were not developed on.

Every sentence here was written for this test in ordinary privacy-policy style (OPP-115 practices, CCPA/GDPR
vocabulary); none is taken from the development corpus, and no company or product is named.
"""

from __future__ import annotations

import pytest

from monitor.core.materiality import lexicon, topics
from monitor.core.materiality.fastre import AnyLex, Lex, prefix_index
from tests.core.materiality.helpers import added, judge, modified, removed

# One added clause per category: (clause, the category it must be given).
ADDED_PRACTICES = [
    ("We may disclose your purchase history to carefully selected marketing affiliates.", "sharing"),
    ("We may sell aggregated shopping profiles to data brokers for valuable consideration.", "sale"),
    ("Ad networks place tracking pixels on partner sites to serve you interest-based ads.", "advertising"),
    ("We automatically collect the pages you visit and the buttons you tap in our app.", "collection"),
    ("We process fingerprint templates when you unlock your wallet.", "sensitive_data"),
    ("We use the recipes you save to train our machine learning models.", "purpose"),
    ("We keep invoices for seven years to meet tax obligations.", "retention"),
    ("You have the right to object to direct marketing at any time.", "user_rights"),
    ("We allow teenagers aged 13 to 15 to create accounts with parental consent.", "children"),
    ("Order data may be transferred to our fulfilment centres outside the European Economic Area.",
     "international_transfer"),
    ("Payment card numbers are encrypted in transit and at rest.", "security"),
    ("We reserve the right to amend this notice and will post the new version here.", "policy_change"),
    ("We may hand over account records in response to a subpoena or court order.", "legal_disclosure"),
    ("If we are involved in a merger or bankruptcy, customer records may pass to the acquirer.",
     "business_transfer"),
    ("You can write to our data protection officer at the registered office.", "contact"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "category"), ADDED_PRACTICES, ids=[c for _, c in ADDED_PRACTICES])
def test_added_practice_clause_gets_its_category(text: str, category: str) -> None:
    j = judge(added(text))
    assert j.material and category in j.categories, (j.categories, j.changes[0].reasons)


def test_incidental_weak_word_does_not_make_a_security_change() -> None:
    j = judge(added("We share your delivery address with our secure courier partners."))
    assert j.material and "sharing" in j.categories and "security" not in j.categories


def test_data_we_collect_in_passing_is_not_a_collection_change() -> None:
    j = judge(added("We may sell the information we collect to data brokers."))
    assert "sale" in j.categories and "collection" not in j.categories


def test_weak_word_alone_still_names_the_category() -> None:
    j = judge(added("Your account is kept secure at all times by our systems."))
    assert j.material and j.categories == ("security",)


def test_negation_flip_on_collection_from_children_is_a_children_change() -> None:
    j = judge(
        modified(
            "We never knowingly collect information from kids under 13.",
            "We may collect information from kids under 13 with a parent's permission.",
        )
    )
    assert j.material and j.direction == "less_protective" and "children" in j.categories
    assert "collection" not in j.categories


def test_negation_flip_on_sale_gives_sale_not_every_topic_of_the_clause() -> None:
    j = judge(
        modified(
            "We will not sell your browsing history, which we collect through cookies.",
            "We may sell your browsing history, which we collect through cookies.",
        )
    )
    assert j.material and j.severity == "high" and "sale" in j.categories
    assert "collection" not in j.categories


def test_removed_limiter_categorised_by_changed_words() -> None:
    j = judge(
        modified(
            "We only use your voice recordings to process your commands.",
            "We use your voice recordings to process your commands.",
        )
    )
    assert j.material and j.direction == "less_protective"
    assert any(r.startswith("restriction removed") for r in j.changes[0].reasons)


def test_shorter_retention_is_more_protective() -> None:
    j = judge(
        modified(
            "We delete inactive accounts after three years.",
            "We delete inactive accounts after twelve months.",
        )
    )
    assert j.material and j.direction == "more_protective" and "retention" in j.categories


def test_raised_minimum_age_is_more_protective() -> None:
    j = judge(
        modified(
            "Users must be at least 13 to open an account.", "Users must be at least 16 to open an account."
        )
    )
    assert j.material and j.direction == "more_protective" and j.categories == ("children",)


def test_new_recipient_country_in_hosting_clause() -> None:
    j = judge(modified("Our servers are hosted in Ireland.", "Our servers are hosted in Ireland and India."))
    assert j.material and "new country: India" in j.changes[0].reasons


def test_country_of_residence_is_not_a_transfer() -> None:
    j = judge(
        modified(
            "If you live in Japan, please read the supplement for your region.",
            "If you are located in Japan or Mexico, please read the supplement for your region.",
        )
    )
    assert "international_transfer" not in j.categories


def test_added_opt_out_is_more_protective() -> None:
    j = judge(added("You can opt out of personalised ads in your account settings."))
    assert j.material and j.direction == "more_protective"


def test_added_promise_not_to_share_is_more_protective() -> None:
    j = judge(added("We will never share your health information with advertisers."))
    assert j.material and j.direction == "more_protective"


def test_added_practice_with_an_opt_out_is_still_less_protective() -> None:
    j = judge(added("We may share your location with advertisers; you can opt out in settings."))
    assert j.material and j.direction == "less_protective"


def test_disclaimer_of_responsibility_is_less_protective() -> None:
    j = judge(added("We do not control or secure data you send to third-party plug-ins."))
    assert j.material and j.direction == "less_protective"


def test_removed_user_control_is_less_protective() -> None:
    j = judge(removed("Each member decides whether their uploaded files are retained."))
    assert j.material and j.direction == "less_protective"


def test_removed_no_tracking_statement_is_less_protective() -> None:
    j = judge(removed("No analytics cookies are used on our checkout pages."))
    assert j.material and j.direction == "less_protective"


def test_removed_routine_deletion_is_less_protective() -> None:
    j = judge(removed("We regularly erase personal data that is no longer needed for these purposes."))
    assert j.material and j.direction == "less_protective"


def test_contact_change_has_no_direction() -> None:
    j = judge(added("Our EU representative can be reached by post at the registered office."))
    assert j.material and j.direction == "neutral" and j.severity == "low"


def test_product_named_chat_is_not_a_message_data_type() -> None:
    j = judge(
        modified(
            "This notice covers the Help Chat widget and our website.",
            "This notice covers the Help Chat widget and our websites.",
        )
    )
    assert not j.material


SENTENCES = [text for text, _ in ADDED_PRACTICES] + [
    "E-mail addresses, IP addresses and third-party cookies are listed below.",
    "Contact privacy@example.org or write to Example Ltd. if you have questions.",
    'We do not "sell" or "share" personal information as those terms are defined by the CCPA.',
    "Government-issued IDs and geolocation data are sensitive personal information.",
]


@pytest.mark.parametrize("text", SENTENCES)
def test_word_prefix_prefilter_never_changes_a_match(text: str) -> None:
    lower = text.lower()
    for table in (lexicon.TOPIC, topics.WEAK):
        for patterns in table.values():
            expected = any(p.search(lower) for p in patterns)
            assert bool(AnyLex(patterns).search(lower)) == expected, patterns
            for p in patterns:
                assert bool(Lex(p).search(lower)) == bool(p.search(lower)), p.pattern


def test_prefix_index_holds_word_starts() -> None:
    index = prefix_index("We share data")
    assert {"sh", "sha", "shar", "share", "da", "dat", "data", "we"} <= index
    assert "ha" not in index
