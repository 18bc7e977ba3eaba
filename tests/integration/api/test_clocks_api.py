"""`GET /api/v1/incidents/{id}/clocks`: the SLA clocks as the API shows them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.api.conftest import FakeClock, declare


def clocks(client: TestClient, incident_id: object) -> dict[str, dict[str, object]]:
    response = client.get(f"/api/v1/incidents/{incident_id}/clocks")
    assert response.status_code == 200, response.text
    return {clock["name"]: clock for clock in response.json()["clocks"]}


def test_clocks_run_stop_pause_and_resume(client: TestClient, clock: FakeClock) -> None:
    incident = declare(client, severity=1)  # default policy: 15 min response, 4 h resolution
    incident_id = incident["id"]
    clock.advance(minutes=5)
    response = clocks(client, incident_id)["response"]
    assert (response["state"], response["elapsed_seconds"], response["remaining_seconds"]) == (
        "running",
        300,
        600,
    )
    assert response["calendar"] == "24x7"
    # Moving an open incident on is its first response: that clock stops, met.
    client.post(f"/api/v1/incidents/{incident_id}/status", json={"status": "waiting_for_info"})
    clock.advance(hours=1)
    paused = clocks(client, incident_id)
    assert (paused["response"]["state"], paused["response"]["elapsed_seconds"]) == ("met", 300)
    resolution = paused["resolution"]
    assert (resolution["state"], resolution["elapsed_seconds"]) == ("paused", 300)
    assert resolution["due_at"] is None
    # Resuming continues from the time already spent; the hour paused moves the due time.
    client.post(f"/api/v1/incidents/{incident_id}/status", json={"status": "open"})
    clock.advance(minutes=10)
    resolution = clocks(client, incident_id)["resolution"]
    assert (resolution["state"], resolution["elapsed_seconds"]) == ("running", 900)
    assert resolution["due_at"] == "2026-11-25T14:30:00Z"  # 09:30 + 4 h + the hour paused


def test_a_clock_is_at_risk_from_three_quarters_of_its_target(
    client: TestClient, clock: FakeClock
) -> None:
    incident = declare(client, severity=1)
    clock.advance(minutes=12)
    response = clocks(client, incident["id"])["response"]
    assert (response["state"], response["at_risk"]) == ("running", True)


def test_an_unanswered_incident_breaches_its_response_target(
    client: TestClient, clock: FakeClock
) -> None:
    incident = declare(client, severity=1)
    clock.advance(minutes=16)
    response = clocks(client, incident["id"])["response"]
    assert (response["state"], response["remaining_seconds"]) == ("breached", 0)


def test_clocks_of_an_unknown_incident_are_a_404(client: TestClient) -> None:
    assert client.get("/api/v1/incidents/INC-2026-1125-999/clocks").status_code == 404


def test_clocks_count_from_detection_under_the_default_policy(
    client: TestClient, clock: FakeClock
) -> None:
    # The default policy takes handbook 004's rule: response and resolution run from
    # detection, so an incident logged 30 minutes after it was detected has spent them.
    incident = declare(
        client,
        severity=1,
        detected_at="2026-11-25T09:00:00Z",
        reported_at="2026-11-25T09:10:00Z",
    )
    response = clocks(client, incident["id"])["response"]
    assert (response["state"], response["elapsed_seconds"]) == ("breached", 1800)
    assert response["due_at"] == "2026-11-25T09:15:00Z"
    timers = client.get(f"/api/v1/incidents/{incident['id']}/timers").json()["timers"]
    breach = next(t for t in timers if t["key"] == "sla_breach:response")
    assert breach["due_at"] == "2026-11-25T09:15:00Z"  # due already: fires at once


@pytest.mark.parametrize("policy_reference", ["handbook_000"])
def test_a_policy_may_start_the_clocks_at_declaration(client: TestClient) -> None:
    # Handbook 000's time to escalate runs once the issue is created.
    incident = declare(client, severity=1, reported_at="2026-11-25T09:10:00Z")
    response = clocks(client, incident["id"])["response"]
    assert (response["state"], response["elapsed_seconds"]) == ("running", 0)
