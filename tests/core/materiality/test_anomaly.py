"""Captures that are not policy versions are flagged as anomalies and never alert."""

from __future__ import annotations

from pathlib import Path

from monitor.core.clauses import segment
from monitor.core.diff import diff_clauses
from monitor.core.materiality import classify, detect_anomaly

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
POLICY = "\n\n".join(
    f"{i}. We collect your email address and share it with our service providers to run the service. "
    f"You can ask us to delete your data at any time, and we respond within 30 days."
    for i in range(40)
)


def test_error_page() -> None:
    page = "We're all mixed up\n==================\n\nRefresh this page or try again later.\n\ngo back"
    assert detect_anomaly(POLICY, page) == "error_page"


def test_error_banner_on_top_of_a_long_capture() -> None:
    page = (
        "This page isn't available\n\nAn unexpected error has occurred. Try reloading the page.\n\n" + POLICY
    )
    assert detect_anomaly(POLICY, page) == "error_page"


def test_not_found_page_on_first_version() -> None:
    assert detect_anomaly(None, "404 Not Found\n\nThe page you requested could not be found.") == "error_page"


def test_cloudflare_bot_wall() -> None:
    page = (
        "Just a moment...\n\nChecking if the site connection is secure. Enable JavaScript and cookies to "
        "continue.\n\nRay ID: 7d2f1a"
    )
    assert detect_anomaly(POLICY, page) == "bot_wall"


def test_captcha_wall() -> None:
    assert (
        detect_anomaly(None, "Please verify you are human. Complete the CAPTCHA below to continue.")
        == "bot_wall"
    )


def test_login_wall() -> None:
    page = "Sign in to continue\n\nEmail\n\nPassword\n\nForgot your password?\n\nCreate an account"
    assert detect_anomaly(POLICY, page) == "login_wall"


def test_near_empty_text() -> None:
    assert detect_anomaly(POLICY, "Privacy Policy\n\nLoading") == "too_short"


def test_much_shorter_text() -> None:
    assert detect_anomaly(POLICY, POLICY[:1000]) == "too_short"


def test_language_change() -> None:
    german = "\n\n".join(
        f"{i}. Wir erheben deine E-Mail-Adresse und geben sie an unsere Dienstleister weiter, "
        "um den Dienst zu "
        f"betreiben. Du kannst jederzeit verlangen, dass wir deine Daten löschen."
        for i in range(40)
    )
    assert detect_anomaly(POLICY, german) == "language_changed"


def test_long_real_policy_mentioning_not_found_and_captcha_is_not_an_anomaly() -> None:
    text = (
        POLICY
        + (
            "\n\nIf a page is not found, our servers log a 404 error with your IP address. We use a "
            "CAPTCHA to verify you are human when you sign in to continue.\n\n"
        )
        + POLICY
    )
    assert detect_anomaly(POLICY, text) is None
    assert detect_anomaly(None, text) is None


def test_anomaly_makes_the_judgement_non_material() -> None:
    page = "We're all mixed up\n\nRefresh this page or try again later."
    j = classify(POLICY, page, diff_clauses(segment(POLICY), segment(page)))
    assert j.anomaly == "error_page" and not j.material and j.severity == "none"
    assert j.changes and all(not c.material for c in j.changes)


def test_truncated_capture_is_too_short() -> None:
    folder = CORPUS / "ota-dev" / "histories" / "reddit"
    full = (folder / "022_2026-07-02.md").read_text(encoding="utf-8")
    cut = (folder / "023_2026-08-19.md").read_text(encoding="utf-8")
    assert detect_anomaly(full, cut) == "too_short"
    j = classify(full, cut, diff_clauses(segment(full), segment(cut)))
    assert j.anomaly == "too_short" and not j.material
    # The restoration that follows is an ordinary (non-anomalous) version again.
    assert detect_anomaly(cut, full) is None


def test_removing_a_single_final_paragraph_is_not_truncation() -> None:
    shorter = POLICY.rsplit("\n\n", 1)[0]
    assert detect_anomaly(POLICY, shorter) is None
