from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from fireline.bootstrap import Context
from fireline.domain.access import AccessRole
from tests.integration.api.conftest import FakeClock, add_person, declare

ID_FORMAT = re.compile(r"^INC-\d{4}-\d{4}-\d{3,}$")


def test_declaring_returns_201_with_an_id_in_the_documented_format(
    client: TestClient, services: list[str]
) -> None:
    response = client.post(
        "/api/v1/incidents",
        json={"title": "Checkout is down", "type": "infrastructure", "services": ["checkout"]},
    )
    assert response.status_code == 201
    incident = response.json()
    assert ID_FORMAT.match(incident["id"])
    assert incident["id"] == "INC-2026-1125-001"
    assert response.headers["location"] == f"/api/v1/incidents/{incident['id']}"
    assert incident["reporter"] == "ana"
    assert incident["status"] == "open"
    assert client.get(f"/api/v1/incidents/{incident['id']}").json() == incident


def test_ids_count_per_day_in_the_policy_time_zone(client: TestClient, clock: FakeClock) -> None:
    assert declare(client)["id"] == "INC-2026-1125-001"
    assert declare(client)["id"] == "INC-2026-1125-002"
    clock.advance(days=1)
    assert declare(client)["id"] == "INC-2026-1126-001"


def test_mission_critical_and_administrative_services_take_the_mission_critical_tier(
    client: TestClient, services: list[str]
) -> None:
    incident = declare(client, services=["wiki", "checkout"], severity=4)
    assert incident["criticality"] == "mission_critical"
    assert incident["severity"] == 1
    timeline = client.get(f"/api/v1/incidents/{incident['id']}/timeline").json()["events"]
    decided = next(e for e in timeline if e["kind"] == "severity_decided")
    assert decided["note"] == "criticality"
    assert "mission_critical" in decided["summary"]


def test_impact_and_urgency_give_priority_and_severity(client: TestClient) -> None:
    incident = declare(client, impact="high", urgency="medium")
    assert (incident["priority"], incident["severity"]) == ("P2", 2)
    assert incident["response_target"] == {"seconds": 3600, "calendar": "24x7"}


def test_the_lifecycle_runs_through_the_api_and_lands_on_the_timeline(
    client: TestClient, clock: FakeClock
) -> None:
    incident_id = declare(client)["id"]
    clock.advance(minutes=3)
    acked = client.post(f"/api/v1/incidents/{incident_id}/acknowledge").json()
    assert (acked["status"], acked["acknowledged_by"]) == ("investigating", "ana")
    for status in ("identified", "monitoring", "resolved", "closed"):
        clock.advance(minutes=10)
        response = client.post(
            f"/api/v1/incidents/{incident_id}/status", json={"status": status, "note": "step"}
        )
        assert response.status_code == 200, response.text
    final = client.get(f"/api/v1/incidents/{incident_id}").json()
    assert final["closed_at"] == "2026-11-25T10:13:00Z"
    kinds = [
        e["kind"] for e in client.get(f"/api/v1/incidents/{incident_id}/timeline").json()["events"]
    ]
    assert kinds == [
        "declared",
        "severity_decided",
        "acknowledged",
        "status_changed",
        "status_changed",
        "status_changed",
        "status_changed",
        "status_changed",
    ]


def test_comments_and_roles_with_handover_history(
    client: TestClient, clock: FakeClock, context: Context
) -> None:
    for name in ("bo", "cy"):
        add_person(context, name, AccessRole.RESPONDER)
    incident_id = declare(client)["id"]
    comment = client.post(
        f"/api/v1/incidents/{incident_id}/comments", json={"body": "Paging DB team"}
    )
    assert comment.status_code == 201
    assert comment.json()["note"] == "Paging DB team"
    client.put(f"/api/v1/incidents/{incident_id}/roles/incident_commander", json={"person": "bo"})
    clock.advance(minutes=30)
    roles = client.put(
        f"/api/v1/incidents/{incident_id}/roles/incident_commander", json={"person": "cy"}
    ).json()
    assert roles["holders"] == {"incident_commander": "cy"}
    assert [(a["person"], a["until"]) for a in roles["history"]] == [
        ("bo", "2026-11-25T10:00:00Z"),
        ("cy", None),
    ]


def test_a_severity_change_with_a_reason_lands_on_the_timeline(client: TestClient) -> None:
    incident_id = declare(client, severity=3)["id"]
    response = client.patch(
        f"/api/v1/incidents/{incident_id}", json={"severity": 1, "reason": "all EU customers"}
    )
    assert response.status_code == 200
    events = client.get(f"/api/v1/incidents/{incident_id}/timeline").json()["events"]
    change = events[-1]
    assert (change["kind"], change["before"], change["after"], change["note"]) == (
        "severity_changed",
        3,
        1,
        "all EU customers",
    )


def test_list_filters_search_and_paging(
    client: TestClient, services: list[str], clock: FakeClock
) -> None:
    a = declare(
        client, title="Checkout latency spike", services=["checkout"], impact="high", urgency="high"
    )
    clock.advance(minutes=1)
    b = declare(
        client, title="Wiki page renders blank", type="feature", services=["wiki"], severity=4
    )
    clock.advance(minutes=1)
    c = declare(client, title="Login outage for SSO users", type="access", services=["login"])
    client.post(f"/api/v1/incidents/{c['id']}/acknowledge")

    def ids(**params: object) -> list[str]:
        response = client.get("/api/v1/incidents", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [c["id"], b["id"], a["id"]]
    assert ids(order="oldest") == [a["id"], b["id"], c["id"]]
    assert ids(status="in_progress") == [c["id"]]
    assert ids(status="open") == [b["id"], a["id"]]
    assert ids(severity=4) == [b["id"]]
    assert ids(priority="P1") == [a["id"]]
    assert ids(type="feature") == [b["id"]]
    assert ids(service="login") == [c["id"]]
    assert ids(reporter="me") == [c["id"], b["id"], a["id"]]
    assert ids(reporter="someone-else") == []
    assert ids(q="checkout LAT") == [a["id"]]
    assert ids(q="outage") == [c["id"]]
    assert ids(**{"from": "2026-11-25T09:31:00Z"}) == [c["id"], b["id"]]
    assert ids(until="2026-11-25T09:31:00Z") == [a["id"]]

    first = client.get("/api/v1/incidents", params={"limit": 2}).json()
    assert [i["id"] for i in first["items"]] == [c["id"], b["id"]]
    second = client.get(
        "/api/v1/incidents", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [i["id"] for i in second["items"]] == [a["id"]]
    assert second["next_cursor"] is None


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    assert "/api/v1/incidents" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200
    assert client.get("/livez").json() == {"status": "ok"}


def test_a_bare_date_filter_means_midnight_in_the_policy_time_zone(
    client: TestClient, clock: FakeClock
) -> None:
    early = declare(client)["id"]
    clock.advance(days=1)
    late = declare(client)["id"]
    response = client.get("/api/v1/incidents", params={"from": "2026-11-26"})
    assert [item["id"] for item in response.json()["items"]] == [late]
    response = client.get("/api/v1/incidents", params={"until": "2026-11-26"})
    assert [item["id"] for item in response.json()["items"]] == [early]


def test_the_root_points_to_the_docs(client: TestClient) -> None:
    assert client.get("/").json()["docs"] == "/docs"


@pytest.mark.parametrize("q", ["!!", "🔥", "*)(", "-"])
def test_a_search_of_only_punctuation_or_symbols_finds_nothing(client: TestClient, q: str) -> None:
    declare(client, title="Checkout is down!!")
    response = client.get("/api/v1/incidents", params={"q": q})
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


def test_a_blank_search_is_no_filter(client: TestClient) -> None:
    declared = declare(client)["id"]
    for q in ("", "   "):
        found = client.get("/api/v1/incidents", params={"q": q}).json()["items"]
        assert [item["id"] for item in found] == [declared]
