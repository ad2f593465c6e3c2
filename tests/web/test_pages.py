"""Every HTML page, in process, over a history stored through the real pipeline."""

from __future__ import annotations

from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node
from sqlmodel import Session

from storage import browse, queries
from tests.web.history import WebHistory


def page(client: TestClient, url: str, status: int = 200) -> HTMLParser:
    response = client.get(url)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return HTMLParser(response.text)


Tree = HTMLParser | Node


def texts(tree: Tree, selector: str) -> list[str]:
    return [" ".join(node.text().split()) for node in tree.css(selector)]


def hrefs(tree: Tree, selector: str = "a") -> list[str]:
    return [node.attributes.get("href") or "" for node in tree.css(selector)]


def row_of(tree: HTMLParser, name: str) -> Node:
    for row in tree.css("table.policies tbody tr"):
        link = row.css_first("a.policy-link")
        if link is not None and link.text() == name:
            return row
    raise AssertionError(f"no dashboard row for {name}")


def change_into(history: WebHistory, policy: str, number: int) -> int:
    with Session(history.engine) as session:
        policy_id = queries.get_policy(session, policy).id
        assert policy_id is not None
        change = browse.change_into_number(session, policy_id, number)
        assert change is not None and change.id is not None
        return change.id


# -- dashboard ---------------------------------------------------------------------------------------


def test_the_dashboard_lists_every_policy_with_health_versions_and_last_material_change(
    client: TestClient, history: WebHistory
) -> None:
    tree = page(client, "/")
    assert texts(tree, "a.policy-link") == ["qeg", "qnet", "xss-test"]
    qnet, qeg = row_of(tree, "qnet"), row_of(tree, "qeg")
    assert qnet.css_first(".health").text() == "ok" and qnet.css_first("td.num").text() == "8"
    assert "failing since 2026-10-29" in qeg.text()
    # qnet's last material change is version 6 → 7 (notice of changes), linked to its change page.
    assert f"/policies/qnet/changes/{change_into(history, 'qnet', 7)}" in hrefs(qnet)
    assert "policy change" in qnet.text()


def test_the_dashboard_filters_by_category_and_shows_the_first_matching_change(
    client: TestClient, history: WebHistory
) -> None:
    tree = page(client, "/?category=sharing")
    assert texts(tree, "a.policy-link") == ["qnet", "xss-test"]
    qnet = row_of(tree, "qnet")
    assert f"/policies/qnet/changes/{history.sale_change_id}" in hrefs(qnet)
    assert "first" in qnet.text() and "2016-09-14" in qnet.text()
    assert texts(tree, ".chip.on") == ["sharing 2", "any"]


def test_the_dashboard_filters_by_minimum_severity(client: TestClient) -> None:
    assert texts(page(client, "/?severity=high"), "a.policy-link") == ["qnet", "xss-test"]
    assert texts(page(client, "/?severity=medium&category=retention"), "a.policy-link") == ["qeg", "qnet"]
    # Unknown values are ignored rather than failing.
    assert texts(page(client, "/?severity=urgent&category=%3Cx%3E"), "a.policy-link") == [
        "qeg", "qnet", "xss-test",
    ]  # fmt: skip


# -- policy timeline ---------------------------------------------------------------------------------


def test_the_timeline_lists_versions_newest_first_with_their_changes(client: TestClient) -> None:
    tree = page(client, "/policies/qnet")
    versions = texts(tree, "table.versions tbody th a")
    assert versions == [f"version {n}" for n in range(8, 0, -1)]
    assert "/policies/qnet/versions/3" in hrefs(tree, "table.versions a")
    sources = texts(tree, "table.versions tbody td:nth-child(3)")
    assert sources[:2] == ["live", "live"] and set(sources[2:]) == {"archive"}
    assert "first version" in tree.css("table.versions tbody tr")[-1].text()


def test_the_timeline_chart_is_inline_svg_linking_every_change(client: TestClient) -> None:
    tree = page(client, "/policies/qnet")
    chart = tree.css_first("figure.chart svg.timeline")
    assert chart is not None
    links = [a.attributes.get("href") for a in chart.css("a")]
    assert len(links) == 7 and all(link and link.startswith("/policies/qnet/changes/") for link in links)
    assert {"2016", "2017", "2018"} <= set(texts(tree, "svg.timeline text"))


def test_a_category_chip_answers_when_the_policy_started_sharing(
    client: TestClient, history: WebHistory
) -> None:
    tree = page(client, "/policies/qnet?category=sharing")
    answer = tree.css_first("#answer")
    assert answer is not None
    assert f"/policies/qnet/changes/{history.sale_change_id}" in hrefs(answer)
    assert "version 3, 2016-09-14" in answer.text()
    # The exact clause, with the words that changed.
    assert "including marketing partners and data brokers" in answer.text()
    assert next(node.text() for node in answer.css(".inline-view del")) == "does not"
    highlighted = texts(tree, "table.versions tr.highlighted th a")
    assert highlighted == ["version 3"]
    assert len(tree.css("table.versions tr.dimmed")) == 7


def test_a_revert_is_shown_as_such(client: TestClient, history: WebHistory) -> None:
    tree = page(client, "/policies/qeg")
    assert "reverted to version 1" in tree.css("table.versions tbody tr")[0].text()
    change = page(client, f"/policies/qeg/changes/{history.revert_change_id}")
    assert "reverted to version 1" in change.css_first(".verdict").text()


def test_an_unknown_policy_is_a_404_page(client: TestClient) -> None:
    tree = page(client, "/policies/nope", status=404)
    assert "no policy named 'nope'" in tree.css_first("p.error").text()


# -- change page -------------------------------------------------------------------------------------


def test_the_change_page_puts_summary_and_reasons_before_material_then_other_clauses(
    client: TestClient, history: WebHistory
) -> None:
    html = client.get(f"/policies/qnet/changes/{history.sale_change_id}").text
    order = [html.index(marker) for marker in (
        'class="summary"', "Why it matters", "Material changes", 'id="context"',
    )]  # fmt: skip
    assert order == sorted(order)
    tree = HTMLParser(html)
    assert "negation removed" in tree.css_first(".verdict .reasons").text()
    clause = tree.css_first("#diff article.clause.material")
    assert clause is not None and "Use of Your Personal Information" in clause.css_first(".section").text()
    assert texts(clause, ".inline-view ins")[:1] == ["may"]
    assert texts(clause, ".side-view .old del")[:1] == ["does not"]


def test_other_changes_and_moved_clauses_are_marked(client: TestClient, history: WebHistory) -> None:
    # qnet 4 → 5 swaps two sections: moved clauses, nothing material.
    tree = page(client, f"/policies/qnet/changes/{change_into(history, 'qnet', 5)}")
    assert "Other changed clauses" in tree.text() and "Material changes" not in tree.text()
    moved = tree.css("#diff article.kind-moved")
    assert moved and all(node.css_first(".moved-tag") is not None for node in moved)


def test_the_diff_view_toggles_by_link_without_javascript(client: TestClient, history: WebHistory) -> None:
    url = f"/policies/qnet/changes/{history.sale_change_id}"
    inline, side = page(client, url), page(client, url + "?view=side")
    assert inline.css_first("#diff").attributes["data-view"] == "inline"
    assert side.css_first("#diff").attributes["data-view"] == "side"
    assert hrefs(inline, ".view-toggle a") == ["?view=inline", "?view=side"]
    assert texts(side, ".view-toggle a.on") == ["Side by side"]


def test_unchanged_context_is_there_on_demand(client: TestClient, history: WebHistory) -> None:
    tree = page(client, f"/policies/qnet/changes/{history.sale_change_id}")
    details = tree.css_first("details#context")
    assert details is not None and "open" not in details.attributes
    assert "unchanged" in details.css_first("summary").text().lower() or "Unchanged" in details.text()
    assert len(details.css("p")) >= 90


def test_a_change_of_another_policy_is_not_found(client: TestClient, history: WebHistory) -> None:
    page(client, f"/policies/qeg/changes/{history.sale_change_id}", status=404)
    page(client, "/policies/qnet/changes/999999", status=404)


# -- version page and comparisons --------------------------------------------------------------------


def test_the_version_page_shows_the_full_text_at_its_permalink(client: TestClient) -> None:
    tree = page(client, "/policies/qnet/versions/3")
    text = tree.css_first("article.policy-text").text()
    assert "QNET may share, sell, rent or lease" in text and len(text) > 10_000
    assert "/policies/qnet/versions/3" in hrefs(tree, "dl.facts a")
    assert hrefs(tree, ".pager a") == ["/policies/qnet/versions/2", "/policies/qnet/versions/4"]
    options = [node.attributes.get("value") for node in tree.css("select#compare-with option")]
    assert sorted(options, key=lambda v: int(v or 0)) == ["1", "2", "4", "5", "6", "7", "8"]


def test_the_version_page_highlights_a_search(client: TestClient) -> None:
    tree = page(client, "/policies/qnet/versions/3?q=%22data+brokers%22")
    assert texts(tree, "article.policy-text mark") == ["data brokers"]


def test_comparing_time_neighbours_goes_to_the_stored_change(client: TestClient, history: WebHistory) -> None:
    response = client.get("/policies/qnet/compare?a=3&b=2&view=side", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/policies/qnet/changes/{history.sale_change_id}?view=side"


def test_comparing_any_two_versions_computes_the_diff(client: TestClient) -> None:
    tree = page(client, "/policies/qnet/compare?a=6&b=1")
    assert texts(tree, "h1 a") == ["version 1", "version 6"]
    assert "not time neighbours" in tree.css_first(".notice").text()
    material = " ".join(texts(tree, "#diff article.material"))
    assert "data brokers" in material and "ten years" in material
    page(client, "/policies/qnet/compare?a=1&b=99", status=404)


def test_a_missing_version_is_not_found_and_a_malformed_one_a_bad_request(client: TestClient) -> None:
    page(client, "/policies/qnet/versions/99", status=404)
    assert (
        "bad request" in page(client, "/policies/qnet/versions/three", status=400).css_first("p.error").text()
    )
    assert "b: Field required" in page(client, "/policies/qnet/compare?a=1", status=400).text()


# -- search and alerts -------------------------------------------------------------------------------


def test_search_shows_where_a_phrase_first_appeared_and_the_clause(
    client: TestClient, history: WebHistory
) -> None:
    tree = page(client, "/search?q=%22data+brokers%22")
    result = tree.css_first("#result-qnet")
    assert result is not None
    first = result.css_first("p.first")
    assert "First appeared in version 3" in " ".join(first.text().split())
    assert f"/policies/qnet/changes/{history.sale_change_id}" in hrefs(first)
    assert "Still in the latest version" in first.text()
    assert texts(result, "blockquote.clause-quote mark") == ["data brokers"]
    assert texts(result, "p.in-versions a") == ["3", "4", "5", "6", "7", "8"]


def test_search_for_a_word_present_from_the_start_lists_the_changes_to_its_clauses(
    client: TestClient, history: WebHistory
) -> None:
    result = page(client, "/search?q=sell").css_first("#result-qnet")
    assert "Present since the first known version" in result.text()
    touching = result.css("ol.touching > li")
    assert f"/policies/qnet/changes/{history.sale_change_id}" in hrefs(touching[0])
    assert "sell" in texts(touching[0], "mark")


def test_search_explains_empty_and_bad_queries(client: TestClient) -> None:
    assert "No version of any policy contains" in page(client, "/search?q=zyxwvut").text()
    assert "at least one word" in page(client, "/search?q=-sell").css_first("p.error").text()
    assert "limited to 200 characters" in page(client, "/search?q=" + "a" * 201).text()
    assert page(client, "/search").css_first("#search-q") is not None


def test_the_alerts_page_shows_deliveries_including_failed_ones(client: TestClient) -> None:
    tree = page(client, "/alerts")
    rows = tree.css("table.alerts tbody tr")
    assert len(rows) == 6
    dead = [row for row in rows if "dead" in row.css_first(".status").text()]
    assert len(dead) == 3 and all("webhook answered HTTP 500" in row.text() for row in dead)
    assert {"delivered 3", "dead 3"} <= set(texts(tree, ".chips a"))
    only_dead = page(client, "/alerts?status=dead")
    assert len(only_dead.css("table.alerts tbody tr")) == 3
    assert "/policies/qnet/changes/" in " ".join(hrefs(only_dead, "table.alerts a"))
