"""One rule engine, per-language lexicons: French and German judged like English, with the same category
ids and English reasons quoting the policy's words; a language without a lexicon says so. Sentences are
written for these tests."""

from __future__ import annotations

import pytest

from monitor.core.clauses import segment
from monitor.core.diff import diff_clauses
from monitor.core.materiality import SUPPORTED_LANGUAGES, classify
from tests.core.materiality.helpers import POLICY_FILLER, added, judge, modified, reasons, removed


def test_supported_languages_are_english_french_and_german() -> None:
    assert SUPPORTED_LANGUAGES == ("en", "fr", "de")


def test_a_language_without_a_lexicon_is_unsupported_not_silently_immaterial() -> None:
    old = POLICY_FILLER + " Non vendiamo i tuoi dati."
    new = POLICY_FILLER + " Possiamo vendere i tuoi dati a terzi."
    j = classify(old, new, diff_clauses(segment(old), segment(new)), language="it")
    assert (j.supported, j.material, j.language) == (False, False, "it")
    assert j.summary == "judgement: unsupported language (it)"
    assert j.severity == "none" and j.categories == ()


def test_judgement_names_the_lexicon_it_used_and_region_suffixes_are_ignored() -> None:
    j = judge(
        modified("Nous ne vendons pas vos données.", "Nous pouvons vendre vos données."), language="fr-FR"
    )
    assert (j.language, j.supported) == ("fr", True)
    assert judge(modified("We do not sell data.", "We may sell data.")).language == "en"


# French ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "category"),
    [
        (
            "Nous ne vendons pas vos données personnelles.",
            "Nous pouvons vendre vos données personnelles.",
            "sale",
        ),
        (
            "Nous ne partageons plus vos données avec des tiers.",
            "Nous partageons vos données avec des tiers.",
            "sharing",
        ),
        (
            "Aucune donnée n'est transmise à nos partenaires.",
            "Certaines données sont transmises à nos partenaires.",
            "sharing",
        ),
        (
            "Nous n'utilisons jamais vos messages pour entraîner nos modèles.",
            "Nous pourrons utiliser vos messages pour entraîner nos modèles.",
            "purpose",
        ),
    ],
)
def test_french_negation_removed_is_less_protective(old: str, new: str, category: str) -> None:
    j = judge(modified(old, new), language="fr")
    assert j.material and j.direction == "less_protective" and category in j.categories
    assert any(r.startswith("negation removed") for r in reasons(j))


def test_french_negation_added_is_more_protective() -> None:
    j = judge(modified("Nous vendons vos données.", "Nous ne vendons pas vos données."), language="fr")
    assert j.material and j.direction == "more_protective" and "sale" in j.categories


@pytest.mark.parametrize(
    ("old", "new", "direction"),
    [
        (
            "Nous conservons vos données pendant 3 ans.",
            "Nous conservons vos données pendant 5 ans.",
            "less_protective",
        ),
        (
            "Les journaux sont conservés trente jours.",
            "Les journaux sont conservés six mois.",
            "less_protective",
        ),
        (
            "Nous conservons vos données pendant deux ans.",
            "Nous conservons vos données pendant un an.",
            "more_protective",
        ),
    ],
)
def test_french_durations_are_compared(old: str, new: str, direction: str) -> None:
    j = judge(modified(old, new), language="fr")
    assert j.material and j.direction == direction and j.categories == ("retention",)


def test_french_duration_written_in_words_or_figures_is_the_same() -> None:
    assert not judge(
        modified(
            "Nous conservons vos données pendant trente jours.",
            "Nous conservons vos données pendant 30 jours.",
        ),
        language="fr",
    ).material


def test_french_new_party_is_named_in_english_and_quoted_clause_in_french() -> None:
    j = judge(
        added("Nous partageons vos données de navigation avec nos partenaires publicitaires."), language="fr"
    )
    assert j.material and {"sharing", "advertising"} <= set(j.categories)
    assert "new party: advertising partners" in reasons(j)
    assert any("partenaires publicitaires" in r for r in reasons(j))


@pytest.mark.parametrize(
    ("old", "new", "right"),
    [
        (
            "Vous disposez du droit à l'effacement et du droit d'opposition.",
            "Vous disposez du droit d'opposition.",
            "deletion",
        ),
        (
            "Vous disposez du droit d'accès et du droit d'opposition.",
            "Vous disposez du droit d'accès.",
            "objection",
        ),
    ],
)
def test_french_right_removed_is_less_protective(old: str, new: str, right: str) -> None:
    j = judge(modified(old, new), language="fr")
    assert j.material and j.direction == "less_protective" and "user_rights" in j.categories
    assert f"right removed: {right}" in reasons(j)


def test_french_transfer_outside_the_eu_is_an_international_transfer() -> None:
    j = judge(
        added("Vos données peuvent être transférées hors de l'Union européenne vers nos prestataires."),
        language="fr",
    )
    assert j.material and "international_transfer" in j.categories and j.direction == "less_protective"


def test_french_sous_traitants_are_service_providers() -> None:
    j = judge(
        modified(
            "Vos données sont communiquées à nos équipes internes.",
            "Vos données sont communiquées à nos équipes internes et à nos sous-traitants.",
        ),
        language="fr",
    )
    assert j.material and "new party: service providers" in reasons(j)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Dernière mise à jour : 12 mars 2024", "Dernière mise à jour : 1er juin 2025"),
        (
            "Nous utilisons vos données afin de gérer votre compte.",
            "Nous utilisons vos données pour gérer votre compte.",
        ),
        ("Vous pouvez nous contacter à tout moment.", "Vous pouvez nous contacter à tout moment !"),
    ],
)
def test_french_cosmetic_edits_are_not_material(old: str, new: str) -> None:
    assert not judge(modified(old, new), language="fr").material


def test_french_date_line_added_is_not_material() -> None:
    assert not judge(added("Date d'effet : 1er janvier 2026"), language="fr").material


def test_french_text_judged_with_the_english_lexicon_misses_what_french_catches() -> None:
    change = modified("Nous ne vendons pas vos données.", "Nous pouvons vendre vos données.")
    assert judge(change, language="fr").material
    assert not judge(change, language="en").material


# German ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "category"),
    [
        ("Wir verkaufen Ihre Daten nicht.", "Wir können Ihre Daten verkaufen.", "sale"),
        ("Wir geben Ihre Daten nicht an Dritte weiter.", "Wir geben Ihre Daten an Dritte weiter.", "sharing"),
        (
            "Ihre Nachrichten werden niemals zum Training unserer Modelle verwendet.",
            "Ihre Nachrichten werden zum Training unserer Modelle verwendet.",
            "purpose",
        ),
    ],
)
def test_german_negation_removed_is_less_protective(old: str, new: str, category: str) -> None:
    j = judge(modified(old, new), language="de")
    assert j.material and j.direction == "less_protective" and category in j.categories


def test_german_retention_lengthened() -> None:
    j = judge(
        modified("Wir speichern Protokolle für 30 Tage.", "Wir speichern Protokolle für 12 Monate."),
        language="de",
    )
    assert j.material and j.direction == "less_protective" and j.categories == ("retention",)
    assert any('"30 tage" → "12 monate"' in r for r in reasons(j))


def test_german_right_removed() -> None:
    j = judge(
        modified(
            "Sie haben das Recht auf Auskunft, Berichtigung und Löschung.",
            "Sie haben das Recht auf Auskunft und Berichtigung.",
        ),
        language="de",
    )
    assert j.material and j.direction == "less_protective" and "right removed: deletion" in reasons(j)


def test_german_new_processor_named() -> None:
    j = judge(added("Wir übermitteln Ihre Daten an Auftragsverarbeiter außerhalb der EU."), language="de")
    assert j.material and {"sharing", "international_transfer"} <= set(j.categories)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Stand: 1. März 2024", "Stand: 12. Dezember 2025"),
        (
            "Wir verwenden Ihre Daten, um Ihr Konto zu verwalten.",
            "Wir verwenden Ihre Daten, um Ihr Konto zu verwalten!",
        ),
    ],
)
def test_german_cosmetic_edits_are_not_material(old: str, new: str) -> None:
    assert not judge(modified(old, new), language="de").material


def test_german_removed_promise_not_to_sell_is_less_protective() -> None:
    j = judge(removed("Wir verkaufen Ihre personenbezogenen Daten nicht an Dritte."), language="de")
    assert j.material and j.direction == "less_protective" and "sale" in j.categories
