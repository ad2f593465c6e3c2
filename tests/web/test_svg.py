"""The timeline chart: bars placed by date, sized by severity, linked, escaped, and free of inline style."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from monitor.web.svg import BAR_HEIGHT, Mark, timeline_svg

SVG = "{http://www.w3.org/2000/svg}"


def at(year: int, month: int = 1) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def _chart() -> ET.Element:
    marks = [
        Mark(at(2016), "high", "less_protective", True, "/policies/a/changes/1", "sale <script>"),
        Mark(at(2018), "none", "neutral", False, "/policies/a/changes/2", "typo fix", dim=True),
    ]
    svg = timeline_svg(marks, [at(2015), at(2016), at(2018)], title="a & b", now=at(2020))
    return ET.fromstring(str(svg))


def test_the_chart_is_well_formed_svg_with_a_title() -> None:
    root = _chart()
    assert root.tag == f"{SVG}svg"
    assert root.findtext(f"{SVG}title") == "a & b"


def test_each_change_is_a_linked_bar_sized_by_severity_and_classed_by_direction() -> None:
    bars = {link.get("href"): link for link in _chart().iter(f"{SVG}a")}
    high = bars["/policies/a/changes/1"].find(f"{SVG}rect")
    minor = bars["/policies/a/changes/2"].find(f"{SVG}rect")
    assert high is not None and minor is not None
    assert float(high.get("height", 0)) == BAR_HEIGHT["high"]
    assert "dir-less_protective" in high.get("class", "") and "material" in high.get("class", "")
    assert "minor" in minor.get("class", "") and "dim" in minor.get("class", "")
    assert float(high.get("x", 0)) < float(minor.get("x", 0))
    assert bars["/policies/a/changes/1"].findtext(f"{SVG}title") == "sale <script>"


def test_years_are_labelled_and_versions_are_dots() -> None:
    root = _chart()
    assert [text.text for text in root.iter(f"{SVG}text")] == ["2016", "2017", "2018", "2019", "2020"]
    assert len(list(root.iter(f"{SVG}circle"))) == 3


def test_no_inline_style_or_script_so_the_csp_allows_it() -> None:
    svg = str(
        timeline_svg([Mark(at(2016), "low", "mixed", True, "/x", "<b onload=x>")], [at(2015)], title="t")
    )
    assert "style=" not in svg and "<script" not in svg and "<b " not in svg
    assert re.search(r"&lt;b onload=x&gt;", svg)


def test_an_empty_history_draws_nothing_and_one_moment_is_centred() -> None:
    assert str(timeline_svg([], [], title="empty")) == ""
    single = ET.fromstring(str(timeline_svg([], [at(2020)], title="one")))
    circle = single.find(f"{SVG}circle")
    assert circle is not None and float(circle.get("cx", 0)) == 400.0
