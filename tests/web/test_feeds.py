"""Atom feeds of material changes: they parse as Atom, link the stable change pages, and answer 304."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient

from tests.web.history import WebHistory

ATOM = "{http://www.w3.org/2005/Atom}"


def feed(client: TestClient, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


def entry_links(root: ET.Element) -> list[str]:
    return [link.get("href", "") for entry in root.iter(f"{ATOM}entry") for link in entry.iter(f"{ATOM}link")]


def test_the_main_feed_has_every_material_change_newest_first(
    client: TestClient, history: WebHistory
) -> None:
    root = feed(client, "/feed")
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 6  # qnet 4, qeg 1, xss-test 1; a revert is never material
    updated = [entry.findtext(f"{ATOM}updated") or "" for entry in entries]
    assert updated == sorted(updated, reverse=True)
    assert root.findtext(f"{ATOM}updated") == updated[0]
    assert f"http://testserver/policies/qnet/changes/{history.sale_change_id}" in entry_links(root)
    self_link = [link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link == ["http://testserver/feed"]


def test_an_entry_carries_summary_categories_and_the_escaped_clause(
    client: TestClient, history: WebHistory
) -> None:
    root = feed(client, "/feed/qnet")
    sale = next(
        entry for entry in root.iter(f"{ATOM}entry")
        if (entry.findtext(f"{ATOM}id") or "").endswith(f"/changes/{history.sale_change_id}")
    )  # fmt: skip
    assert (sale.findtext(f"{ATOM}title") or "").startswith("qnet: high · less protective")
    assert {"sharing", "sale"} <= {c.get("term") for c in sale.findall(f"{ATOM}category")}
    content = sale.find(f"{ATOM}content")
    assert content is not None and content.get("type") == "html"
    assert "<del>does not</del>" in (content.text or "")
    assert "data brokers" in (content.text or "")


def test_policy_and_category_feeds_hold_only_their_changes(client: TestClient, history: WebHistory) -> None:
    qnet = feed(client, "/feed/qnet")
    assert all("/policies/qnet/changes/" in link for link in entry_links(qnet))
    assert len(qnet.findall(f"{ATOM}entry")) == 4
    sharing = feed(client, "/feed/category/sharing")
    assert sorted(entry_links(sharing)) == sorted([
        f"http://testserver/policies/qnet/changes/{history.sale_change_id}",
        f"http://testserver/policies/xss-test/changes/{history.xss_change_id}",
    ])  # fmt: skip
    assert feed(client, "/feed/category/children").findall(f"{ATOM}entry") == []


def test_a_matching_etag_gets_304_and_a_stale_one_the_feed(client: TestClient) -> None:
    first = client.get("/feed/qnet")
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == "no-cache"
    assert client.get("/feed/qnet").headers["etag"] == etag  # the same changes: the same bytes
    again = client.get("/feed/qnet", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    listed = client.get("/feed/qnet", headers={"If-None-Match": f'"other", W/{etag}'})
    assert listed.status_code == 304
    stale = client.get("/feed/qnet", headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.content == first.content
    assert client.get("/feed", headers={"If-None-Match": etag}).status_code == 200


def test_unknown_feeds_are_404(client: TestClient) -> None:
    assert client.get("/feed/nope").status_code == 404
    response = client.get("/feed/category/not-a-category")
    assert response.status_code == 404 and "known: sharing" in response.json()["detail"]
