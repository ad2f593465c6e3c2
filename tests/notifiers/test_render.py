"""Rendering alerts from stored reports: subjects, text and HTML parts, webhook JSON, Slack, digests."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

from notifiers.base import AlertFacts
from notifiers.documents import alert_document, slack_marked, slack_payload, webhook_document
from notifiers.render import MAX_CLAUSES, delivery_id, headline, marked_text, render_email, subject_line
from tests.notifiers.helpers import BASE_URL, T0, corpus_message

SALE_SUBJECT = (
    "[policywatch] HIGH: qnet privacy policy now allows sale of data "
    "(also sharing with third parties, tracking and advertising)"
)


def health(kind: str) -> AlertFacts:
    return AlertFacts(
        alert_id=9,
        key=f"{kind}:1:2024-03-01T09:00:00+00:00:mail",
        kind=kind,
        policy="qnet",
        policy_url="https://www.qnet.example/privacy",
        severity="high" if kind == "broken" else "low",
        link=f"{BASE_URL}/policies/qnet",
        created_at=T0,
        detail="3 consecutive failed checks; last: http_503",
        failing_since="2024-03-01T09:00:00+00:00",
        failures=3,
    )


def test_subject_carries_severity_policy_and_top_categories() -> None:
    assert subject_line([corpus_message()]) == SALE_SUBJECT


def test_more_protective_change_says_so_in_its_headline() -> None:
    message = corpus_message("qnap", 4, 5)
    assert message.direction == "more_protective"
    assert headline(message).startswith("qnap privacy policy is more protective on ")
    assert headline(message).endswith("business transfers")


def test_text_part_shows_summary_reasons_clause_old_and_new_section_and_link() -> None:
    text = render_email([corpus_message()]).text
    assert text.startswith("HIGH · less protective · qnet privacy policy now allows sale of data")
    assert "Material, high severity, less protective" in text
    assert 'Why it matters\n  - negation removed: "does not share" → "may share"' in text
    assert "Section: QNet.net - Privacy Policy › Use of Your Personal Information" in text
    assert "Old: QNET does not share, sell, rent or lease" in text
    assert "New: QNET may share, sell, rent or lease" in text
    assert "Words: QNET [-does not-]{+may+} share" in text
    assert "Versions:   2 → 3 (seen 2024-03-01 09:00 UTC)" in text
    assert f"Change:     {BASE_URL}/policies/qnet/changes/7" in text


def test_html_part_uses_inline_styles_only_and_highlights_words() -> None:
    html = render_email([corpus_message()]).html
    assert "<style" not in html and "<link" not in html and "class=" not in html
    assert re.search(r'<del style="[^"]*line-through[^"]*">does not</del>', html)
    assert re.search(r'<ins style="[^"]*">may</ins>', html)
    assert "§ QNet.net - Privacy Policy › Use of Your Personal Information" in html
    assert f'href="{BASE_URL}/policies/qnet/changes/7"' in html
    # Every element that carries meaning is styled in place.
    for tag in re.findall(r"<(?:del|ins|td|h2|p)\b[^>]*>", html):
        assert "style=" in tag, tag


def test_policy_text_is_escaped_in_html_and_slack() -> None:
    message = corpus_message()
    hostile = dict(
        message.changes[0],
        kind="added",
        old=None,
        new='<script>alert("x")</script> & <b>bold</b>',
        inline=[],
        section="<img src=x onerror=alert(1)>",
    )
    message = dataclasses.replace(message, changes=(hostile,), summary="<i>summary</i>")
    html = render_email([message]).html
    assert "<script>" not in html and "<img" not in html and "<i>summary" not in html
    assert "&lt;script&gt;" in html and "&amp; &lt;b&gt;bold" in html
    slack = str(slack_payload([message]))
    assert "<script>" not in slack and "&lt;script&gt;" in slack


def test_only_the_first_clauses_are_listed_and_the_rest_are_counted() -> None:
    message = corpus_message()
    many = tuple(dict(message.changes[0], section=f"Part {n}") for n in range(MAX_CLAUSES + 3))
    text = render_email([dataclasses.replace(message, changes=many)]).text
    assert f"Part {MAX_CLAUSES - 1}" in text and f"Part {MAX_CLAUSES}\n" not in text
    assert "... and 3 more material clause changes on the change page." in text


def test_marked_text_uses_wdiff_markers() -> None:
    assert marked_text([[0, "we "], [-1, "never"], [1, "may"], [0, " sell"]]) == "we [-never-]{+may+} sell"


def test_slack_markers_touch_words_and_stay_apart() -> None:
    assert (
        slack_marked([[0, "QNET "], [-1, "does not"], [1, "may"], [0, " share"]])
        == "QNET ~does not~ *may* share"
    )
    assert slack_marked([[0, "to "], [1, "selected "], [0, "parties"]]) == "to *selected* parties"


def test_webhook_document_holds_the_judgement() -> None:
    sent = datetime(2024, 3, 2, tzinfo=UTC)
    document = webhook_document([corpus_message()], sent_at=sent)
    assert document["id"] == "change:7:mail" and document["event"] == "change"
    assert document["policy"] == "qnet" and document["versions"] == {"from": 2, "to": 3}
    assert document["severity"] == "high" and document["direction"] == "less_protective"
    assert set(document["categories"]) == {"sharing", "sale", "advertising"}
    assert document["summary"].startswith("Material, high severity")
    assert "new party: data brokers" in document["reasons"]
    assert document["link"] == f"{BASE_URL}/policies/qnet/changes/7"
    assert document["sent_at"] == sent.isoformat()
    [clause] = document["changes"]
    assert clause["kind"] == "modified" and clause["old"].startswith("QNET does not share")
    assert clause["section"].endswith("Use of Your Personal Information")


def test_slack_payload_has_fallback_text_and_blocks() -> None:
    payload = slack_payload([corpus_message()])
    assert payload["text"] == SALE_SUBJECT
    kinds = [block["type"] for block in payload["blocks"]]
    assert kinds == ["header", "section", "section", "context"]
    assert "~does not~ *may*" in payload["blocks"][2]["text"]["text"]
    assert (
        f"<{BASE_URL}/policies/qnet/changes/7|View the change>" in payload["blocks"][3]["elements"][0]["text"]
    )


def test_digest_renders_every_alert_in_one_message() -> None:
    first = corpus_message()
    second = corpus_message("qeg", 0, 1, key="change:8:mail", alert_id=2, change_id=8)
    rendered = render_email([first, second])
    assert rendered.subject == "[policywatch] 2 alerts, highest HIGH: qnet, qeg"
    assert rendered.text.startswith("policywatch digest: 2 alerts")
    assert "qnet privacy policy now allows sale of data" in rendered.text
    assert f"{second.severity.upper()} · " in rendered.text and headline(second) in rendered.text
    assert rendered.text.index("== 1/2 ==") < rendered.text.index("qnet") < rendered.text.index("== 2/2 ==")
    assert rendered.keys == ("change:7:mail", "change:8:mail")
    document = webhook_document([first, second], sent_at=T0)
    assert document["event"] == "digest" and [a["policy"] for a in document["alerts"]] == ["qnet", "qeg"]
    assert document["id"] == delivery_id([second, first])  # stable whatever the order


def test_tracking_broken_and_recovered_messages() -> None:
    broken = render_email([health("broken")])
    assert broken.subject == "[policywatch] TRACKING BROKEN: qnet"
    assert "could not check https://www.qnet.example/privacy 3 times in a row" in broken.text
    assert "Last problem: 3 consecutive failed checks; last: http_503" in broken.text
    recovered = render_email([health("recovered")])
    assert recovered.subject == "[policywatch] RECOVERED: qnet"
    assert "succeed again" in recovered.text
    document = alert_document(health("broken"))
    assert document["event"] == "broken" and document["failures"] == 3 and "changes" not in document


def test_subject_never_contains_a_line_break() -> None:
    message = dataclasses.replace(corpus_message(), policy="qnet\r\nBcc: victim@example.org")
    assert "\n" not in subject_line([message]) and "\r" not in subject_line([message])
