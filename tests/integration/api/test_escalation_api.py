"""Manual escalation through the API (handbooks 002/003), and how it steers the timers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from fireline.bootstrap import Context
from fireline.domain.access import AccessRole
from fireline.entrypoints.worker.loop import run_step
from tests.integration.api.conftest import FakeClock, add_person, declare


@pytest.fixture
def policy_reference() -> str:
    return "handbook_000"


def escalate(client: TestClient, incident_id: str, **body: object) -> dict[str, object]:
    response = client.post(f"/api/v1/incidents/{incident_id}/escalate", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def timeline_kinds(client: TestClient, incident_id: str) -> list[tuple[str, object]]:
    events = client.get(f"/api/v1/incidents/{incident_id}/timeline").json()["events"]
    return [(e["kind"], (e["after"] or {}).get("level")) for e in events if "escalat" in e["kind"]]


def test_escalating_by_hand_goes_one_level_up_and_the_timers_skip_it(
    client: TestClient, context: Context, clock: FakeClock
) -> None:
    incident_id = str(declare(client, severity=1)["id"])  # mission critical: every 10 min
    clock.advance(minutes=3)
    done = escalate(client, incident_id, note="Need the specialist: checkout 500s")
    assert done["level"] == 1
    done = escalate(client, incident_id, note="Still failing", level=3)
    assert done["level"] == 3
    clock.advance(minutes=45)
    while run_step(context):
        pass
    # Levels 1-3 were reached by hand; only level 4 is left for the timer, at 40 minutes.
    assert timeline_kinds(client, incident_id) == [
        ("escalated", 1),
        ("escalated", 3),
        ("escalation", 4),
    ]
    timeline = client.get(f"/api/v1/incidents/{incident_id}/timeline").json()["events"]
    manual = next(e for e in timeline if e["kind"] == "escalated")
    assert manual["actor"] == "ana"
    assert manual["note"] == "Need the specialist: checkout 500s"
    assert manual["after"]["targets"] == ["channel:support_operations"]
    response = client.post(f"/api/v1/incidents/{incident_id}/escalate", json={"note": "more"})
    assert response.status_code == 409
    assert "highest level, 4" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"note": "  "}, 422, "context"),
        ({"note": "x", "level": 5}, 422, "allowed: 1 to 4"),
        ({"note": "x", "support_tier": 9}, 422, "support_tier"),
        ({"note": "x", "owner": "nobody-here"}, 422, "owner: no user 'nobody-here'"),
        ({"level": 2}, 422, "note"),
        ({"note": "x", "surprise": 1}, 422, "surprise"),
    ],
)
def test_bad_escalations_are_refused_and_write_nothing(
    client: TestClient, body: dict[str, object], status: int, words: str
) -> None:
    incident_id = str(declare(client, severity=2)["id"])
    before = client.get(f"/api/v1/incidents/{incident_id}/timeline").json()["events"]
    response = client.post(f"/api/v1/incidents/{incident_id}/escalate", json=body)
    assert response.status_code == status, response.text
    assert words in response.text
    after = client.get(f"/api/v1/incidents/{incident_id}/timeline").json()["events"]
    assert after == before


def test_a_resolved_incident_cannot_be_escalated(client: TestClient) -> None:
    incident_id = str(declare(client, severity=2)["id"])
    resolved = client.post(f"/api/v1/incidents/{incident_id}/status", json={"status": "resolved"})
    assert resolved.status_code == 200
    response = client.post(f"/api/v1/incidents/{incident_id}/escalate", json={"note": "help"})
    assert response.status_code == 409
    assert "reopen it first" in response.json()["detail"]


def test_escalating_to_a_support_tier_with_a_new_owner_changes_both(
    client: TestClient, context: Context
) -> None:
    add_person(context, "sam", AccessRole.RESPONDER)
    incident_id = str(declare(client, severity=3)["id"])
    done = escalate(client, incident_id, note="Needs tier 3", support_tier=3, owner="sam")
    assert done["level"] is None
    incident = done["incident"]
    assert isinstance(incident, dict)
    assert (incident["support_tier"], incident["owner"]) == (3, "sam")
    events = client.get(f"/api/v1/incidents/{incident_id}/timeline").json()["events"]
    changed = {e["field"] for e in events if e["kind"] == "field_changed"}
    assert {"support_tier", "owner"} <= changed
    down = client.post(
        f"/api/v1/incidents/{incident_id}/escalate", json={"note": "back", "support_tier": 2}
    )
    assert down.status_code == 422
    assert "escalation goes up" in down.text


def test_a_viewer_may_not_escalate(client: TestClient, context: Context) -> None:
    incident_id = str(declare(client, severity=2)["id"])
    token = add_person(context, "vic", AccessRole.VIEWER)
    response = client.post(
        f"/api/v1/incidents/{incident_id}/escalate",
        json={"note": "please"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403


def test_a_hand_over_alone_is_no_step_up_even_at_the_highest_level(
    client: TestClient, context: Context
) -> None:
    add_person(context, "sam", AccessRole.RESPONDER)
    incident_id = str(declare(client, severity=1)["id"])
    assert escalate(client, incident_id, note="All hands", level=4)["level"] == 4
    done = escalate(client, incident_id, note="Sam takes it from here", owner="sam")
    assert done["level"] is None
    assert done["incident"]["owner"] == "sam"  # type: ignore[index]
    assert timeline_kinds(client, incident_id) == [("escalated", 4), ("escalated", None)]
