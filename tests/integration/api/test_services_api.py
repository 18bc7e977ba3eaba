from __future__ import annotations

from fastapi.testclient import TestClient


def test_services_are_created_listed_and_changed(client: TestClient) -> None:
    assert client.post("/api/v1/teams", json={"name": "payments"}).status_code == 201
    created = client.post(
        "/api/v1/services",
        json={
            "name": "payments-api",
            "criticality": "mission_critical",
            "team": "payments",
            "customer_facing": True,
        },
    )
    assert created.status_code == 201
    assert created.json()["managed_by"] == "api"
    changed = client.patch(
        "/api/v1/services/payments-api", json={"criticality": "business_critical"}
    )
    assert changed.json()["criticality"] == "business_critical"
    names = [s["name"] for s in client.get("/api/v1/services").json()["items"]]
    assert "payments-api" in names


def test_an_unknown_criticality_lists_the_tiers(client: TestClient) -> None:
    response = client.post("/api/v1/services", json={"name": "x", "criticality": "vital"})
    assert response.status_code == 422
    assert "mission_critical" in response.json()["detail"]


def test_the_policy_is_served_with_its_version(client: TestClient) -> None:
    policy = client.get("/api/v1/policy").json()
    assert policy["version"] >= 1
    assert policy["name"] == "default"
    assert len(policy["digest"]) == 64
