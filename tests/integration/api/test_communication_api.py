"""The API of what incidents tell people: stakeholder updates, the delivery log and people's
notification rules, under handbook 004 (whose audiences and cadence they use)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fireline.bootstrap import Context
from fireline.domain.access import AccessRole, Scope
from fireline.entrypoints.worker.loop import run_step
from tests.integration.api.conftest import FakeClock, add_person, bearer, declare
from tests.notifying import preset_text

MAIL = (
    "channels:\n"
    "  - {kind: email, name: mail, host: 127.0.0.1, port: 2525, security: none, "
    "username: bot, password: an-inline-smtp-secret, from_address: fireline@example.com}\n"
)


@pytest.fixture
def policy_reference(tmp_path: Path) -> str:
    """Handbook 004 with a mail channel (nothing is sent here: only the outbox fills)."""
    path = tmp_path / "policy.yaml"
    text = preset_text("handbook_004").replace(
        "{name: executive_team, label: Executive Team}",
        "{name: executive_team, label: Executive Team, email: execs@example.com}",
    )
    path.write_text(text + MAIL, encoding="utf-8")
    return str(path)


def updates_of(client: TestClient, incident_id: str) -> dict[str, dict[str, object]]:
    response = client.get(f"/api/v1/incidents/{incident_id}/updates")
    assert response.status_code == 200, response.text
    return {a["name"]: a for a in response.json()["audiences"]}


def test_the_cadence_of_a_sev1_lists_every_audience_with_its_next_update(
    client: TestClient,
) -> None:
    incident_id = str(declare(client, severity=1)["id"])
    audiences = updates_of(client, incident_id)
    assert {name: a["every_seconds"] for name, a in audiences.items()} == {
        "executives": 7200,
        "business_units": 14400,
        "customer_support": 1800,
    }
    assert audiences["executives"]["next_due_at"] == "2026-11-25T11:30:00Z"
    assert not any(a["is_due"] for a in audiences.values())


def test_an_update_to_named_audiences_goes_early_and_is_on_the_timeline(
    client: TestClient, clock: FakeClock
) -> None:
    incident_id = str(declare(client, severity=1)["id"])
    clock.advance(minutes=10)
    posted = client.post(
        f"/api/v1/incidents/{incident_id}/updates",
        json={"message": "Bad deploy rolled back", "audiences": ["executives", "partners"]},
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["audiences"] == ["executives", "partners"]
    assert posted.json()["next_due"] == {"executives": "2026-11-25T11:40:00Z", "partners": None}
    events = client.get(f"/api/v1/incidents/{incident_id}/timeline").json()["events"]
    (update,) = [e for e in events if e["kind"] == "update_posted"]
    assert update["actor"] == "ana"
    assert update["summary"].startswith("Update to Executive Team, Partners: Bad deploy")
    assert update["after"]["audiences"] == ["executives", "partners"]


def test_a_reminder_makes_an_audience_due_and_an_update_without_names_goes_to_it(
    client: TestClient, context: Context, clock: FakeClock
) -> None:
    incident_id = str(declare(client, severity=2)["id"])
    clock.advance(minutes=30)
    while run_step(context):
        pass
    assert [n for n, a in updates_of(client, incident_id).items() if a["is_due"]] == [
        "customer_support"
    ]
    posted = client.post(
        f"/api/v1/incidents/{incident_id}/updates", json={"message": "Still on it"}
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["audiences"] == ["customer_support"]
    assert not updates_of(client, incident_id)["customer_support"]["is_due"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"message": "hi"}, 409, "no audience is due an update (next: Customer Support at"),
        ({"message": "hi", "audiences": ["board"]}, 422, "unknown value 'board'"),
        ({"message": "hi", "audiences": []}, 422, "name at least one audience"),
        ({"message": "   "}, 422, "message"),
        ({"message": "hi", "colour": "red"}, 422, "colour"),
        ({"message": "x" * 5001}, 422, "message"),
    ],
)
def test_an_update_that_cannot_go_says_why(
    client: TestClient, body: dict[str, object], status: int, words: str
) -> None:
    incident_id = str(declare(client, severity=1)["id"])
    response = client.post(f"/api/v1/incidents/{incident_id}/updates", json=body)
    assert response.status_code == status, response.text
    assert words in response.text


def test_no_update_after_resolution(client: TestClient) -> None:
    incident_id = str(declare(client, severity=1)["id"])
    resolved = client.post(f"/api/v1/incidents/{incident_id}/status", json={"status": "resolved"})
    assert resolved.status_code == 200, resolved.text
    response = client.post(
        f"/api/v1/incidents/{incident_id}/updates",
        json={"message": "hi", "audiences": ["executives"]},
    )
    assert response.status_code == 409
    assert "resolution notice went out" in response.json()["detail"]


def test_the_delivery_log_hides_addresses_from_people_who_may_not_read_them(
    client: TestClient, context: Context, clock: FakeClock
) -> None:
    covered = client.post(
        "/api/v1/schedules/on_call/overrides",
        json={"person": "ana", "starts_at": clock().isoformat(), "ends_at": "2026-11-26T00:00:00Z"},
    )
    assert covered.status_code == 201, covered.text
    incident_id = str(declare(client, severity=4)["id"])
    while run_step(context):
        pass
    viewer = bearer(add_person(context, "vic", AccessRole.VIEWER))
    log = client.get(f"/api/v1/incidents/{incident_id}/deliveries").json()["deliveries"]
    hidden = client.get(f"/api/v1/incidents/{incident_id}/deliveries", headers=viewer).json()
    (delivery,) = log
    assert {k: delivery[k] for k in ("recipient", "method", "channel", "address", "status")} == {
        "recipient": "schedule:on_call",
        "method": "email",
        "channel": "mail",
        "address": "ana@example.test",
        "status": "pending",
    }
    assert delivery["next_attempt_at"] == "2026-11-25T09:30:00Z"
    assert hidden["deliveries"] == [{**delivery, "address": None}]


def test_people_set_their_own_notification_rules_and_admins_anyone_s(
    client: TestClient, context: Context
) -> None:
    token = add_person(context, "sam", AccessRole.RESPONDER, scope=Scope.WRITE)
    sam = bearer(token)
    rules = {
        "rules": [
            {"method": "email", "after_minutes": 0},
            {"method": "sms", "after_minutes": 2},
            {"method": "voice", "after_minutes": 5},
        ]
    }
    assert client.get("/api/v1/me/notification-rules", headers=sam).json() == {
        "user": "sam",
        "rules": [],
    }
    saved = client.put("/api/v1/me/notification-rules", json=rules, headers=sam)
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"user": "sam", **rules}
    assert client.get("/api/v1/users/sam/notification-rules").json()["rules"] == rules["rules"]
    assert client.put("/api/v1/users/sam/notification-rules", json={"rules": []}).json() == {
        "user": "sam",
        "rules": [],
    }
    refused = client.put("/api/v1/users/sam/notification-rules", json=rules, headers=sam)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"rules": [{"method": "pager"}]}, "unknown method 'pager'"),
        ({"rules": [{"method": "sms", "after_minutes": -1}]}, "after_minutes"),
        ({"rules": [{"method": "sms", "after_minutes": 1441}]}, "after_minutes"),
        ({"rules": [{"method": "sms"}] * 11}, "rules"),
        ({"rules": [{"method": "sms"}, {"method": "sms"}]}, "the same method and delay twice"),
    ],
)
def test_bad_notification_rules_are_refused(
    client: TestClient, body: dict[str, object], words: str
) -> None:
    response = client.put("/api/v1/me/notification-rules", json=body)
    assert response.status_code == 422, response.text
    assert words in response.text


def test_rules_of_an_unknown_person_are_404(client: TestClient) -> None:
    assert client.get("/api/v1/users/nobody/notification-rules").status_code == 404
    response = client.put("/api/v1/users/nobody/notification-rules", json={"rules": []})
    assert response.status_code == 404


def test_the_policy_shown_hides_inline_secrets_and_addresses_from_those_without_people_read(
    client: TestClient, context: Context
) -> None:
    viewer = bearer(add_person(context, "vic", AccessRole.VIEWER))
    for headers, address in (({}, "execs@example.com"), (viewer, "(hidden)")):
        document = client.get("/api/v1/policy", headers=headers).json()["document"]
        (mail,) = document["channels"]
        assert mail["password"] == "(hidden)"
        assert mail["username"] == "bot"
        executives = next(c for c in document["contacts"] if c["name"] == "executive_team")
        assert executives["email"] == address


def test_a_retried_update_with_the_same_key_is_posted_once(
    client: TestClient, context: Context, clock: FakeClock
) -> None:
    covered = client.post(
        "/api/v1/schedules/on_call/overrides",
        json={"person": "ana", "starts_at": clock().isoformat(), "ends_at": "2026-11-26T00:00:00Z"},
    )
    assert covered.status_code == 201, covered.text
    incident_id = str(declare(client, severity=1)["id"])
    body = {"message": "Rolled back", "audiences": ["executives"]}
    key = {"Idempotency-Key": "update-1"}
    first = client.post(f"/api/v1/incidents/{incident_id}/updates", json=body, headers=key)
    again = client.post(f"/api/v1/incidents/{incident_id}/updates", json=body, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert first.json()["deliveries"] == 1  # the executives' list address, by email
    other = client.post(
        f"/api/v1/incidents/{incident_id}/updates", json={**body, "message": "x"}, headers=key
    )
    assert other.status_code == 409
    log = client.get(f"/api/v1/incidents/{incident_id}/deliveries").json()["deliveries"]
    assert [d["template"] for d in log].count("update") == 1
    events = client.get(f"/api/v1/incidents/{incident_id}/timeline").json()["events"]
    assert [e["kind"] for e in events].count("update_posted") == 1
