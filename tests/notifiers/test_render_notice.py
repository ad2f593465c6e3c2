"""An alert for a material change that kept its old "last updated" date says so, in every format."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from monitor.core.analysis import analyse
from monitor.run.alert_facts import change_facts
from notifiers.base import AlertFacts
from notifiers.documents import alert_document, slack_payload
from notifiers.render import render_email
from storage.models import Alert, Change, Policy, Version

FACTS = Path(__file__).resolve().parents[1] / "fixtures" / "facts"
T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
UNDATED = "changed without a new 'last updated' date"


def fixture(name: str) -> str:
    return (FACTS / name).read_text(encoding="utf-8")


def message_for(old: str, new: str) -> AlertFacts:
    """The facts delivery builds from the stored change between two texts."""
    analysis = analyse(old, new)
    judgement = analysis.judgement
    change = Change(
        id=4, policy_id=1, from_version_id=1, to_version_id=2, material=judgement.material,
        severity=judgement.severity, direction=judgement.direction, categories=list(judgement.categories),
        summary=judgement.summary, report=analysis.report(), notice=analysis.notice,
    )  # fmt: skip
    alert = Alert(id=1, key="change:4:mail", policy_id=1, change_id=4, notifier_id="mail", created_at=T0)
    policy = Policy(id=1, name="shop", url="https://shop.example/privacy")
    versions = [Version(id=number, policy_id=1, number=number, observed_at=T0) for number in (1, 2)]
    return change_facts(alert, policy, change, *versions, base_url="http://pw.test")


def test_an_undated_material_change_says_so_in_text_and_html() -> None:
    message = message_for(fixture("en-v1.md"), fixture("en-v2-sold.md"))
    assert (message.notice, message.stated_date) == ("undated", "2025-03-03")
    rendered = render_email([message])
    assert f"Notice:     {UNDATED} (still dated 2025-03-03)" in rendered.text
    assert "changed without a new &#39;last updated&#39; date (still dated 2025-03-03)" in rendered.html


def test_an_undated_material_change_says_so_in_json_and_slack() -> None:
    message = message_for(fixture("en-v1.md"), fixture("en-v2-sold.md"))
    document = alert_document(message)
    assert document["notice"] == "undated"
    assert document["notice_text"] == f"{UNDATED} (still dated 2025-03-03)"
    assert document["stated_date"] == "2025-03-03"
    summary = slack_payload([message])["blocks"][1]["text"]["text"]
    assert summary.endswith(f"\n*Notice:* {UNDATED} (still dated 2025-03-03)")


def test_a_change_with_a_new_date_carries_no_notice() -> None:
    dated = fixture("en-v2-sold.md").replace("March 3, 2025", "March 9, 2025")
    message = message_for(fixture("en-v1.md"), dated)
    assert message.severity == "high" and message.notice is None
    rendered = render_email([message])
    assert "Notice:" not in rendered.text and "last updated" not in rendered.html
    assert alert_document(message)["notice"] is None
    assert alert_document(message)["stated_date"] == "2025-03-09"
