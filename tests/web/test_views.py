"""Page logic without I/O: health, filters, category counts, unchanged context, neighbours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.web import views
from storage.browse import ChangeRow, TimelineEntry, VersionRow
from storage.models import Policy

T0 = datetime(2020, 1, 1, tzinfo=UTC)


def change(id: int, severity: str, categories: tuple[str, ...], *, material: bool = True) -> ChangeRow:
    return ChangeRow(
        id=id, policy="acme", from_number=id, to_number=id + 1, observed_at=T0 + timedelta(days=id),
        created_at=T0, material=material, severity=severity, direction="less_protective",
        categories=categories, anomaly=None, summary="", reverted_to=None,
    )  # fmt: skip


def version(number: int) -> VersionRow:
    when = T0 + timedelta(days=number)
    return VersionRow(number, 1, number, when, when, when, "live", None, None, "x", 1)


def test_health_says_failing_since_and_unchecked_and_disabled() -> None:
    failing = Policy(
        name="a", url="https://a", consecutive_failures=2, failing_since=T0, last_error="http_500"
    )
    assert views.health(failing) == views.Health("failing", T0, "http_500")
    assert views.health(Policy(name="b", url="https://b")).state == "unchecked"
    assert views.health(Policy(name="c", url="https://c", last_check_at=T0)).state == "ok"
    assert views.health(Policy(name="d", url="https://d", enabled=False)).state == "disabled"


def test_filters_take_category_and_minimum_severity() -> None:
    rows = [change(3, "high", ("sale",)), change(2, "low", ("sharing",)), change(1, "medium", ("sharing",)),
            change(0, "none", ("sharing",), material=False)]  # fmt: skip
    assert [row.id for row in views.matching(rows, "sharing", None)] == [2, 1]
    assert [row.id for row in views.matching(rows, "sharing", "medium")] == [1]
    assert [row.id for row in views.matching(rows, None, "high")] == [3]
    assert views.category_counts(rows) == [("sharing", 2), ("sale", 1)]


def test_unknown_filter_values_are_ignored() -> None:
    assert views.parse_category("sharing") == "sharing"
    assert views.parse_category("<script>") is None
    assert views.parse_severity("none") is None and views.parse_severity("high") == "high"
    assert views.parse_view("side") == "side" and views.parse_view("weird") == "inline"


def test_unchanged_context_leaves_out_changed_clauses_and_keeps_sections() -> None:
    text = "# Policy\n\n## Sharing\n\nWe share data. We sell data.\n\n## Retention\n\nWe keep data."
    report = {"changes": [{"kind": "modified", "old": "We rent data.", "new": "We sell data."}]}
    context = views.unchanged_context(text, report)
    assert [(group.section, group.clauses) for group in context] == [
        ("Policy › Sharing", ("We share data.",)), ("Policy › Retention", ("We keep data.",)),
    ]  # fmt: skip


def test_timeline_rows_highlight_the_changes_in_the_chosen_category() -> None:
    entries = [TimelineEntry(version(1), None), TimelineEntry(version(2), change(1, "high", ("sale",))),
               TimelineEntry(version(3), change(2, "low", ("retention",)))]  # fmt: skip
    assert [row.highlighted for row in views.timeline_rows(entries, "sale")] == [False, True, False]
    assert [row.highlighted for row in views.timeline_rows(entries, None)] == [False, False, False]
    assert views.neighbours(entries, 2) == (1, 3)
    assert views.neighbours(entries, 1) == (None, 2)
    assert views.neighbours(entries, 9) == (None, None)


def test_labels_read_as_one_line() -> None:
    assert views.label(change(1, "high", ("sale", "sharing"))) == "high · less protective · sale, sharing"
    assert views.duration_words(timedelta(days=3, hours=5)) == "3 days"
    assert views.duration_words(timedelta(seconds=5)) == "moments"
