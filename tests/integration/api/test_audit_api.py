"""Refusals through the API, on each backend: a caller refused again and again on one route
fills one audit entry with a count, not the log (issue 11)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from fireline.bootstrap import Context
from fireline.domain.access import AccessRole, Scope
from fireline.domain.audit import REFUSAL_WINDOW
from tests.integration.api.conftest import FakeClock, add_person, bearer

INCIDENT = {"title": "Checkout is down", "type": "infrastructure"}


def denials(client: TestClient) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit", params={"action": "permission.denied", "limit": 500})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_refusals_of_a_read_only_token_on_one_route_are_one_entry_with_their_count(
    client: TestClient, context: Context, clock: FakeClock
) -> None:
    reader = bearer(add_person(context, "vi", AccessRole.RESPONDER, scope=Scope.READ))
    first = clock()
    for _ in range(30):
        assert client.post("/api/v1/incidents", json=INCIDENT, headers=reader).status_code == 403
        clock.advance(seconds=10)
    (entry,) = denials(client)
    assert (entry["actor"], entry["target"], entry["client"]) == (
        "vi",
        "POST /api/v1/incidents",
        "testclient",
    )
    assert entry["count"] == 30
    assert entry["at"] == first.isoformat().replace("+00:00", "Z")
    last = clock() - timedelta(seconds=10)
    assert entry["last_at"] == last.isoformat().replace("+00:00", "Z")


def test_the_next_window_and_another_route_or_caller_are_entries_of_their_own(
    client: TestClient, context: Context, clock: FakeClock
) -> None:
    reader = bearer(add_person(context, "vi", AccessRole.RESPONDER, scope=Scope.READ))
    viewer = bearer(add_person(context, "vic", AccessRole.VIEWER))
    for _ in range(3):
        client.post("/api/v1/incidents", json=INCIDENT, headers=reader)
        client.post("/api/v1/incidents", json=INCIDENT, headers=viewer)
        client.get("/api/v1/audit", headers=reader)
    clock.advance(seconds=REFUSAL_WINDOW.total_seconds())
    client.post("/api/v1/incidents", json=INCIDENT, headers=reader)
    counted = sorted((e["actor"], e["target"], e["count"]) for e in denials(client))
    assert counted == [
        ("vi", "GET /api/v1/audit", 3),
        ("vi", "POST /api/v1/incidents", 1),  # the next window
        ("vi", "POST /api/v1/incidents", 3),
        ("vic", "POST /api/v1/incidents", 3),
    ]


def test_refusals_on_one_route_count_together_whatever_its_path_says(
    client: TestClient, context: Context
) -> None:
    reader = bearer(add_person(context, "vi", AccessRole.RESPONDER, scope=Scope.READ))
    for number in range(1, 6):
        path = f"/api/v1/incidents/INC-2026-1125-{number:03}"
        response = client.patch(path, json={"title": "x"}, headers=reader)
        assert response.status_code == 403
    (entry,) = denials(client)
    assert (entry["target"], entry["count"]) == ("PATCH /api/v1/incidents/{incident_id}", 5)
    assert entry["detail"] == {"path": "/api/v1/incidents/INC-2026-1125-001"}  # the first


def test_entries_of_single_acts_have_a_count_of_one(client: TestClient) -> None:
    items = client.get("/api/v1/audit").json()["items"]
    assert items
    assert all(item["count"] == 1 and item["last_at"] == item["at"] for item in items)
