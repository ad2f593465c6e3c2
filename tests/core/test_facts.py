"""Version facts: the stated "last updated"/"effective" date (en, fr, de), the language, the change notice.

Every sentence here was written for these tests; none comes from a corpus.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from monitor.core import facts
from monitor.core.analysis import analyse
from monitor.core.facts import (
    StatedDate,
    change_notice,
    detect_language,
    stated_date,
    stated_dates,
    version_facts,
)


@pytest.mark.parametrize(
    ("text", "iso", "kind"),
    [
        # English: written months, ordinals, abbreviations, weekdays, ISO and numeric dates
        ("Last updated: March 3, 2025", "2025-03-03", "updated"),
        ("Last Updated March 3rd, 2025", "2025-03-03", "updated"),
        ("Effective 3 March 2025", "2025-03-03", "effective"),
        ("Effective date: 2025-03-03", "2025-03-03", "effective"),
        ("Last revised: Sept. 14, 2024", "2024-09-14", "updated"),
        ("Date of last revision: 14 September 2024", "2024-09-14", "updated"),
        ("Last updated\nMonday, March 3, 2025", "2025-03-03", "updated"),
        ("**Last updated:** 3rd of March, 2025", "2025-03-03", "updated"),
        ("- Updated on 11/28/2024", "2024-11-28", "updated"),
        ("Last updated: 28/11/2024", "2024-11-28", "updated"),
        ("Privacy Notice (last modified January 2025)", "2025-01", "updated"),
        ("Our Privacy Policy | Effective as of July 1, 2025", "2025-07-01", "effective"),
        ("This Privacy Policy was last updated on 3 March 2025.", "2025-03-03", "updated"),
        ("This notice takes effect on 1 July 2025.", "2025-07-01", "effective"),
        # French
        ("Dernière mise à jour : 3 mars 2025", "2025-03-03", "updated"),
        ("Mis à jour le 03/03/2025", "2025-03-03", "updated"),
        ("Mise à jour le 4 février 2025", "2025-02-04", "updated"),
        ("Date de dernière mise à jour : 1er décembre 2024", "2024-12-01", "updated"),
        ("En vigueur à compter du 1er avril 2025", "2025-04-01", "effective"),
        ("Date d'entrée en vigueur : 15/06/2025", "2025-06-15", "effective"),
        ("Version du lundi 3 mars 2025", "2025-03-03", "updated"),
        ("La présente politique de confidentialité a été mise à jour le 3 mars 2025.", "2025-03-03", "updated"),  # noqa: E501
        # German
        ("Stand: 3. März 2025", "2025-03-03", "updated"),
        ("Stand 03/2025", "2025-03", "updated"),
        ("Zuletzt aktualisiert am 03.03.2025", "2025-03-03", "updated"),
        ("Letzte Änderung: 12. Dezember 2024", "2024-12-12", "updated"),
        ("Gültig ab 1. Juli 2025", "2025-07-01", "effective"),
        ("Fassung vom 5.11.2024", "2024-11-05", "updated"),
        ("Diese Datenschutzerklärung wurde zuletzt am 3. März 2025 aktualisiert.", "2025-03-03", "updated"),
    ],
)
def test_a_stated_date_is_read_in_english_french_and_german(text: str, iso: str, kind: str) -> None:
    found = stated_date(text)
    assert found is not None, text
    assert (found.iso, found.kind) == (iso, kind)
    assert found.phrase in " ".join(text.split())


@pytest.mark.parametrize(
    "text",
    [
        "Requests received after March 3, 2025 will be answered within 30 days.",
        "Effective March 3, 2025, we will share your location with our partners.",
        "Effective 3 March 2025 we will share your location with our partners.",
        "Your account profile was last updated on 3 March 2025.",
        "We updated our sharing practices on March 3, 2025 to add new partners.",
        "We keep invoices issued since 01/01/2020 for ten years.",
        "Les demandes reçues après le 3 mars 2025 seront traitées sous un mois.",
        "Nous avons mis fin au partenariat, qui était en place depuis le 3 mars 2025.",
        "Ab dem 3. März 2025 geben wir Standortdaten an Partner weiter.",
        "Wir schützen Ihre Daten nach dem Stand der Technik seit 2025.",
        "Last updated: February 30, 2025",
        "Last updated: March 3",
    ],
)
def test_a_date_that_is_not_the_policys_own_does_not_count(text: str) -> None:
    assert stated_dates(text) == ()


def test_the_last_updated_date_wins_over_the_effective_date_and_the_first_over_later_ones() -> None:
    text = (
        "# Privacy Policy\n\nEffective date: 1 January 2024\n\nLast updated: 3 March 2025\n\n"
        "We describe what we collect.\n\n## Earlier version\n\nLast updated: 9 May 2023\n"
    )
    assert [d.iso for d in stated_dates(text)] == ["2024-01-01", "2025-03-03", "2023-05-09"]
    found = stated_date(text)
    assert isinstance(found, StatedDate)
    assert (found.iso, found.kind) == ("2025-03-03", "updated")


def test_an_ambiguous_numeric_date_follows_the_usage_of_its_label() -> None:
    english, french = stated_date("Last updated: 04/05/2025"), stated_date("Mis à jour le 04/05/2025")
    assert english is not None and french is not None
    assert english.iso == "2025-04-05"  # month first after an English label
    assert french.iso == "2025-05-04"  # day first after a French one


def test_the_language_of_a_version_is_told_from_its_text() -> None:
    english = (
        "We collect the information you give us when you create an account, such as your name and email "
        "address, and we use it to provide the service, to keep it secure and to answer your questions. "
    ) * 3
    french = (
        "Nous collectons les informations que vous nous donnez lorsque vous créez un compte, comme votre nom "
        "et votre adresse électronique, et nous les utilisons pour fournir le service et le sécuriser. "
    ) * 3
    german = (
        "Wir erheben die Angaben, die Sie bei der Registrierung machen, etwa Ihren Namen und Ihre "
        "E-Mail-Adresse, und verwenden sie, um den Dienst bereitzustellen und abzusichern. "
    ) * 3
    assert (detect_language(english), detect_language(french), detect_language(german)) == ("en", "fr", "de")
    assert detect_language("Cookies. OK.") is None  # too little text to tell


def test_the_language_model_loads_once_when_threads_ask_together(monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.core import langmodel

    loads: list[object] = []
    real = langmodel.load_identifier

    def counted() -> Any:
        loads.append(True)
        return real()

    monkeypatch.setattr(langmodel, "load_identifier", counted)
    monkeypatch.setattr(facts, "_IDENTIFIER", facts._Identifier())
    text = "Nous ne vendons pas vos données personnelles et ne les partageons pas avec des annonceurs. " * 4
    start = threading.Barrier(4)
    results: list[str | None] = []

    def detect() -> None:
        start.wait(timeout=30)
        results.append(detect_language(text))

    threads = [threading.Thread(target=detect) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == ["fr"] * 4
    assert len(loads) == 1


def test_version_facts_keep_a_known_language_and_read_the_date() -> None:
    found = version_facts("Stand: 1. April 2025\n\nWir verkaufen keine Daten.", language="de")
    assert found.language == "de"
    assert found.stated_date is not None and found.stated_date.iso == "2025-04-01"


# -- the notice, through analyse() ------------------------------------------------------------------------

POLICY = """# Privacy Policy

Last updated: March 3, 2025

## Sharing

We do not sell your personal information to anyone.

We share your email address with our payment processor only to complete your purchases.

## Retention

We delete your account data 30 days after you close your account.
"""
SOLD = POLICY.replace(
    "We do not sell your personal information to anyone.",
    "We may sell your personal information to data brokers.",
)


def test_a_material_change_under_the_same_stated_date_is_undated() -> None:
    analysis = analyse(POLICY, SOLD)
    assert analysis.judgement.material
    assert analysis.notice == "undated"
    assert analysis.stated_date is not None and analysis.stated_date.iso == "2025-03-03"
    report = analysis.report()
    assert report["notice"] == "undated"
    assert report["stated_dates"] == {"old": "2025-03-03", "new": "2025-03-03"}
    assert report["language"] == "en"


def test_a_material_change_that_drops_the_date_line_is_undated() -> None:
    analysis = analyse(POLICY, SOLD.replace("Last updated: March 3, 2025\n", ""))
    assert analysis.judgement.material
    assert analysis.notice == "undated"
    assert analysis.stated_date is None


def test_a_material_change_with_a_new_stated_date_has_no_notice() -> None:
    analysis = analyse(POLICY, SOLD.replace("March 3, 2025", "June 12, 2025"))
    assert analysis.judgement.material
    assert analysis.notice is None
    assert analysis.report()["stated_dates"] == {"old": "2025-03-03", "new": "2025-06-12"}


def test_a_new_date_alone_is_redated_and_not_material() -> None:
    analysis = analyse(POLICY, POLICY.replace("March 3, 2025", "June 12, 2025"))
    assert analysis.notice == "redated"
    assert not analysis.judgement.material
    assert analysis.judgement.severity == "none"
    assert analysis.report()["notice"] == "redated"


def test_a_new_date_with_a_wording_edit_is_not_redated() -> None:
    reworded = POLICY.replace("March 3, 2025", "June 12, 2025").replace("to complete", "to finish")
    assert analyse(POLICY, reworded).notice is None


def test_a_policy_that_never_states_a_date_gets_no_notice() -> None:
    undated_policy = POLICY.replace("Last updated: March 3, 2025\n", "")
    undated_sold = SOLD.replace("Last updated: March 3, 2025\n", "")
    analysis = analyse(undated_policy, undated_sold)
    assert analysis.judgement.material
    assert analysis.notice is None


def test_an_anomaly_or_a_first_version_gets_no_notice() -> None:
    assert change_notice(None, POLICY, material=False, anomaly=None) is None
    assert change_notice(POLICY, SOLD, material=True, anomaly="error_page") is None
    first = analyse(None, POLICY)
    assert first.notice is None and first.language == "en"


def test_a_french_redate_is_told_in_french_dates() -> None:
    old = (
        "# Politique de confidentialité\n\nDernière mise à jour : 3 mars 2025\n\n"
        "Nous ne vendons pas vos données personnelles. Nous les conservons trois ans après la clôture "
        "de votre compte, puis nous les supprimons définitivement de nos serveurs.\n\n"
        "Vous pouvez exercer votre droit d'accès et votre droit à l'effacement en écrivant à notre délégué "
        "à la protection des données.\n"
    )
    new = old.replace("3 mars 2025", "12 juin 2025")
    analysis = analyse(old, new)
    assert (analysis.language, analysis.notice) == ("fr", "redated")
    assert analysis.report()["stated_dates"] == {"old": "2025-03-03", "new": "2025-06-12"}


def test_a_language_without_a_lexicon_is_reported_as_not_judged() -> None:
    old = (
        "# Informativa sulla privacy\n\nUltimo aggiornamento: 3 marzo 2025\n\n"
        "Non vendiamo i tuoi dati personali a nessuno. Conserviamo i dati del tuo account per trenta giorni "
        "dopo la chiusura, poi li cancelliamo. Puoi chiedere l'accesso e la cancellazione dei tuoi dati.\n"
    )
    new = old.replace("Non vendiamo i tuoi dati personali", "Possiamo vendere i tuoi dati personali")
    report = analyse(old, new).report()
    assert (report["language"], report["supported"], report["material"]) == ("it", False, False)
    assert report["summary"] == "judgement: unsupported language (it)"
    assert report["notice"] is None
