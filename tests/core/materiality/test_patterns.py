"""Scope and strength rules (monitor.core.materiality.patterns), with sentences written for these tests,
each both ways (the edit that triggers and a near miss that must not), in English, French and German."""

from __future__ import annotations

import pytest

from tests.core.materiality.helpers import added, judge, modified, reasons

# Jurisdiction and scope lists --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "old", "new"),
    [
        (
            "en",
            "Residents of Oregon, Texas and Virginia have the right to appeal our decision on their request.",
            "Residents of Oregon have the right to appeal our decision on their request.",
        ),
        (
            "fr",
            "Les utilisateurs résidant en Suisse, au Canada et au Japon peuvent exercer leur droit "
            "d'opposition.",
            "Les utilisateurs résidant en Suisse peuvent exercer leur droit d'opposition.",
        ),
        (
            "de",
            "Nutzer in der Schweiz und in Japan haben das Recht auf Löschung ihrer Daten.",
            "Nutzer in der Schweiz haben das Recht auf Löschung ihrer Daten.",
        ),
    ],
)
def test_a_jurisdiction_dropped_from_a_right_is_less_protective(language: str, old: str, new: str) -> None:
    j = judge(modified(old, new), language=language)
    assert j.material and j.direction == "less_protective"
    assert "user_rights" in j.categories
    assert any(r.startswith("scope narrowed: no longer applies to") for r in reasons(j))


def test_a_jurisdiction_added_to_a_complaint_route_is_more_protective() -> None:
    j = judge(
        modified(
            "If you live in Brazil, you can lodge a complaint with your data protection authority.",
            "If you live in Brazil or South Africa, you can lodge a complaint with your data protection "
            "authority.",
        )
    )
    assert j.material and j.direction == "more_protective"
    assert any("now also applies to South Africa" in r for r in reasons(j))


def test_a_destination_added_to_a_transfer_list_is_less_protective() -> None:
    j = judge(
        modified(
            "Your data is stored on servers in Ireland and Germany.",
            "Your data is stored on servers in Ireland, Germany and India.",
        )
    )
    assert j.material and j.direction == "less_protective"
    assert "international_transfer" in j.categories
    assert "new country: India" in reasons(j)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # the EU named for the EEA is the same area
        (
            "Users in the European Union may object to processing based on legitimate interests.",
            "Users in the European Economic Area may object to processing based on legitimate interests.",
        ),
        # the same list, reordered
        (
            "Residents of Texas and Oregon have the right to appeal a refusal.",
            "Residents of Oregon and Texas have the right to appeal a refusal.",
        ),
    ],
)
def test_a_jurisdiction_list_that_keeps_its_scope_is_not_material(old: str, new: str) -> None:
    assert not judge(modified(old, new)).material


# Qualifiers on safeguards ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "old", "new"),
    [
        (
            "en",
            "We use strong technical measures to protect your account.",
            "We use reasonable technical measures to protect your account.",
        ),
        (
            "fr",
            "Nous appliquons des mesures de sécurité strictes pour protéger vos données.",
            "Nous appliquons des mesures de sécurité raisonnables pour protéger vos données.",
        ),
        (
            "de",
            "Wir treffen strenge Sicherheitsmaßnahmen zum Schutz Ihrer Daten.",
            "Wir treffen angemessene Sicherheitsmaßnahmen zum Schutz Ihrer Daten.",
        ),
    ],
)
def test_a_safeguard_standard_lowered_is_less_protective(language: str, old: str, new: str) -> None:
    j = judge(modified(old, new), language=language)
    assert j.material and j.direction == "less_protective"
    assert j.categories == ("security",)
    assert any(r.startswith("safeguard weakened") for r in reasons(j))


def test_a_safeguard_standard_raised_is_more_protective() -> None:
    j = judge(
        modified(
            "We apply appropriate safeguards to stored files.",
            "We apply rigorous safeguards to stored files.",
        )
    )
    assert j.material and j.direction == "more_protective"


@pytest.mark.parametrize(
    ("language", "old", "new"),
    [
        ("en", "Backups are encrypted at rest and in transit.", "Backups are encrypted in transit."),
        (
            "fr",
            "Les sauvegardes sont chiffrées au repos et pendant leur transfert.",
            "Les sauvegardes sont chiffrées pendant leur transfert.",
        ),
        (
            "de",
            "Sicherungskopien werden bei der Speicherung und bei der Übertragung verschlüsselt.",
            "Sicherungskopien werden bei der Übertragung verschlüsselt.",
        ),
    ],
)
def test_a_safeguard_cut_in_scope_is_less_protective(language: str, old: str, new: str) -> None:
    j = judge(modified(old, new), language=language)
    assert j.material and j.direction == "less_protective" and "security" in j.categories
    assert any(r.startswith("safeguard narrowed") for r in reasons(j))


def test_a_safeguard_reworded_without_losing_scope_is_not_material() -> None:
    assert not judge(
        modified(
            "Backups are encrypted at rest and in transit.", "Backups are encrypted in transit and at rest."
        )
    ).material


# Conditions: and → or ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "old", "new"),
    [
        (
            "en",
            "We disclose your data to police only if a court orders it and the law requires it.",
            "We disclose your data to police only if a court orders it or the law requires it.",
        ),
        (
            "fr",
            "Nous communiquons vos données aux autorités uniquement si un juge l'ordonne et si la loi "
            "l'exige.",
            "Nous communiquons vos données aux autorités uniquement si un juge l'ordonne ou si la loi "
            "l'exige.",
        ),
        (
            "de",
            "Wir geben Daten nur heraus, wenn ein Gericht es anordnet und das Gesetz es verlangt.",
            "Wir geben Daten nur heraus, wenn ein Gericht es anordnet oder das Gesetz es verlangt.",
        ),
    ],
)
def test_a_condition_loosened_from_and_to_or_is_less_protective(language: str, old: str, new: str) -> None:
    j = judge(modified(old, new), language=language)
    assert j.material and j.direction == "less_protective"
    assert any(r.startswith("condition loosened") for r in reasons(j))


def test_and_to_or_in_a_plain_list_is_not_a_condition() -> None:
    assert not judge(
        modified("Our offices are in Paris and Lyon.", "Our offices are in Paris or Lyon.")
    ).material


# A party list narrowed or widened by one word ----------------------------------------------------------


def test_one_word_narrowing_the_recipients_is_more_protective() -> None:
    j = judge(
        modified(
            "We share usage statistics with partners.", "We share usage statistics with selected partners."
        )
    )
    assert j.material and j.direction == "more_protective" and j.categories == ("sharing",)


def test_one_word_narrowing_a_no_sharing_promise_is_less_protective() -> None:
    j = judge(
        modified(
            "We do not share your data with third parties.",
            "We do not share your data with unaffiliated third parties.",
        )
    )
    assert j.material and j.direction == "less_protective"


def test_french_party_adjective_dropped_widens_the_recipients() -> None:
    j = judge(
        modified(
            "Nous partageons vos données avec des partenaires sélectionnés.",
            "Nous partageons vos données avec des partenaires.",
        ),
        language="fr",
    )
    assert j.material and j.direction == "less_protective"


def test_one_word_added_away_from_any_party_is_not_a_party_change() -> None:
    assert not judge(
        modified("We send you a short summary by email.", "We send you a very short summary by email.")
    ).material


# A new purpose for data already held -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "old", "new"),
    [
        (
            "en",
            "We use the recordings you make to provide the service.",
            "We use the recordings you make to provide the service and to develop new product features.",
        ),
        (
            "fr",
            "Nous utilisons vos photos pour afficher votre profil.",
            "Nous utilisons vos photos pour afficher votre profil et pour concevoir de nouvelles "
            "fonctionnalités.",
        ),
    ],
)
def test_a_purpose_added_to_a_use_statement_is_material(language: str, old: str, new: str) -> None:
    j = judge(modified(old, new), language=language)
    assert j.material and j.direction == "less_protective" and "purpose" in j.categories


def test_a_new_use_of_data_already_collected_is_a_purpose_change_not_a_collection_change() -> None:
    j = judge(
        added("We use the photos you upload to design new camera filters."),
        old_extra="We collect the photos you upload to your albums.",
    )
    assert j.material and "purpose" in j.categories and "collection" not in j.categories
    assert any(r.startswith("new purpose for data already collected: photos") for r in reasons(j))


def test_a_use_statement_reworded_without_a_new_purpose_is_not_material() -> None:
    assert not judge(
        modified(
            "We use your recordings to provide the service.", "We use the recordings to provide the service."
        )
    ).material
