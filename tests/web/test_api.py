"""The JSON API under /api/ and its OpenAPI schema."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.web.history import WebHistory


def get_json(client: TestClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    return response.json()


def test_policies_carry_health_counts_and_the_last_material_change(
    client: TestClient, history: WebHistory
) -> None:
    policies = {item["name"]: item for item in get_json(client, "/api/policies")}
    assert list(policies) == ["qeg", "qnet", "xss-test"]
    qnet, qeg = policies["qnet"], policies["qeg"]
    assert qnet["version_count"] == 8 and qnet["health"]["state"] == "ok"
    assert qnet["url"] == "http://testserver/policies/qnet"
    assert qnet["last_material_change"]["to_version"] == 7
    assert "policy_change" in qnet["last_material_change"]["categories"]
    assert qeg["health"] == {
        "state": "failing",
        "since": "2026-10-29T12:00:00Z",
        "detail": "http_503: Service Unavailable",
    }


def test_versions_come_in_time_order_with_permalinks(client: TestClient) -> None:
    versions = get_json(client, "/api/policies/qnet/versions")
    assert [v["number"] for v in versions] == list(range(1, 9))
    assert [v["observed_at"][:10] for v in versions][:3] == ["2015-10-09", "2016-03-01", "2016-09-14"]
    assert versions[0]["change_id"] is None and versions[2]["change_id"] is not None
    assert versions[2]["url"] == "http://testserver/policies/qnet/versions/3"
    assert {v["source"] for v in versions} == {"archive", "live"}
    one = get_json(client, "/api/policies/qnet/versions/3")
    assert one["number"] == 3 and "data brokers" in one["text"]


def test_changes_newest_first_and_filtered(client: TestClient, history: WebHistory) -> None:
    changes = get_json(client, "/api/policies/qnet/changes")
    assert [c["to_version"] for c in changes] == [8, 7, 6, 5, 4, 3, 2]
    material = get_json(client, "/api/policies/qnet/changes?material=true")
    assert [c["to_version"] for c in material] == [7, 6, 4, 3]
    sharing = get_json(client, "/api/policies/qnet/changes?category=sharing")
    assert [c["id"] for c in sharing] == [history.sale_change_id]
    detail = get_json(client, f"/api/policies/qnet/changes/{history.sale_change_id}")
    assert detail["severity"] == "high" and detail["direction"] == "less_protective"
    assert detail["superseded"] is False
    assert detail["report"]["stats"]["modified"] == 1 and detail["report"]["changes"][0]["material"]


def test_search_reports_first_appearance_with_links(client: TestClient, history: WebHistory) -> None:
    results = {r["policy"]: r for r in get_json(client, "/api/search?q=%22data%20brokers%22")}
    assert set(results) == {"qnet", "xss-test"}
    qnet = results["qnet"]
    assert qnet["versions"] == [3, 4, 5, 6, 7, 8] and qnet["present_now"] and qnet["disappeared"] is None
    assert qnet["first_appeared"]["version"] == 3
    assert (
        qnet["first_appeared"]["change_url"]
        == f"http://testserver/policies/qnet/changes/{history.sale_change_id}"
    )
    assert "data brokers" in qnet["first_clause"]


def test_api_errors_are_json(client: TestClient) -> None:
    assert get_json(client, "/api/policies/nope/versions", status=404)["detail"].startswith("no policy named")
    assert (
        get_json(client, "/api/policies/qnet/versions/99", status=404)["detail"]
        == "no version 99 of this policy"
    )
    assert "at least one word" in get_json(client, "/api/search?q=-sell", status=400)["detail"]
    get_json(client, "/api/search?q=", status=422)


def test_openapi_documents_the_api_routes_only(client: TestClient) -> None:
    schema = get_json(client, "/openapi.json")
    paths = set(schema["paths"])
    assert {
        "/api/policies", "/api/policies/{name}/versions", "/api/policies/{name}/versions/{number}",
        "/api/policies/{name}/changes", "/api/policies/{name}/changes/{change_id}", "/api/search",
    } == paths  # fmt: skip
    assert "ChangeOut" in schema["components"]["schemas"]
    # The interactive docs pages load scripts from a CDN, which the CSP forbids: they are off.
    assert client.get("/docs").status_code == 404
