"""Handbook 003: after a hand-over, the new engineer contacts the reporter within 2 hours."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from fireline.bootstrap import Context
from fireline.domain.access import AccessRole
from fireline.entrypoints.worker.loop import run_step
from tests.integration.api.conftest import FakeClock, add_person, bearer, declare


@pytest.fixture
def policy_reference() -> str:
    return "handbook_003"


def overdue(client: TestClient, incident_id: str) -> list[dict[str, object]]:
    events = client.get(f"/api/v1/incidents/{incident_id}/timeline").json()["events"]
    return [e for e in events if e["kind"] == "contact_overdue"]


def hand_over(client: TestClient, incident_id: str) -> None:
    response = client.post(
        f"/api/v1/incidents/{incident_id}/escalate",
        json={"note": "Over to tier 2", "support_tier": 2, "owner": "sam"},
    )
    assert response.status_code == 200, response.text


def drain(context: Context) -> None:
    while run_step(context):
        pass


def test_a_new_owner_who_does_nothing_for_two_hours_is_on_the_timeline(
    client: TestClient, context: Context, clock: FakeClock
) -> None:
    add_person(context, "sam", AccessRole.RESPONDER)
    incident_id = str(declare(client, severity=4)["id"])
    hand_over(client, incident_id)
    clock.advance(hours=1, minutes=59)
    drain(context)
    assert overdue(client, incident_id) == []
    clock.advance(minutes=2)
    drain(context)
    (event,) = overdue(client, incident_id)
    assert "sam has not acted on the incident within 2h" in str(event["summary"])


def test_a_comment_by_the_new_owner_within_two_hours_stops_the_clock(
    client: TestClient, context: Context, clock: FakeClock
) -> None:
    token = add_person(context, "sam", AccessRole.RESPONDER)
    incident_id = str(declare(client, severity=4)["id"])
    hand_over(client, incident_id)
    clock.advance(minutes=30)
    comment = client.post(
        f"/api/v1/incidents/{incident_id}/comments",
        json={"body": "Called the reporter, looking at it"},
        headers=bearer(token),
    )
    assert comment.status_code == 201
    clock.advance(hours=3)
    drain(context)
    assert overdue(client, incident_id) == []
