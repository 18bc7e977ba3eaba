"""Restricted incidents do not exist for those who may not see them, on every route.

"Does not exist" is checked literally: for every incident route, the answer about a
restricted incident is the answer about an ID that was never used, byte for byte once the
two IDs are swapped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fireline.entrypoints.api.permissions import served_routes

NEVER_USED = "INC-2026-1125-999"
SECRET_WORD = "zyxwvutsr"


@pytest.fixture
def as_(app: FastAPI, personas: dict[str, dict[str, str]]) -> Iterator[dict[str, TestClient]]:
    """persona → a client acting as them."""
    clients = {name: TestClient(app, headers=headers) for name, headers in personas.items()}
    for client in clients.values():
        client.__enter__()
    yield clients
    for client in clients.values():
        client.__exit__(None, None, None)


def declare(client: TestClient, **fields: object) -> str:
    body: dict[str, object] = {"title": "Checkout is slow", "type": "performance", **fields}
    response = client.post("/api/v1/incidents", json=body)
    assert response.status_code == 201, response.text
    incident_id: str = response.json()["id"]
    return incident_id


def listed(client: TestClient, **params: object) -> list[str]:
    """Every incident ID the client can list with `params`, following every page."""
    ids: list[str] = []
    cursor = None
    while True:
        query = {**params, "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/incidents", params=query)
        assert page.status_code == 200, page.text
        ids += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return ids


def test_a_security_incident_is_invisible_to_a_responder_outside_the_security_team(
    app: FastAPI, as_: dict[str, TestClient]
) -> None:
    open_id = declare(as_["admin"], title="Search is slow")
    secret_id = declare(
        as_["reporter"],
        title=f"Credential stuffing {SECRET_WORD} on login",
        type="security",
        severity=1,
    )
    shown = as_["security"].get(f"/api/v1/incidents/{secret_id}")
    assert shown.status_code == 200
    assert shown.json()["restricted"] is True

    responder = as_["responder"]
    # Lists, filters, search and every page of them: the open incident only.
    for params in (
        {},
        {"q": SECRET_WORD},
        {"q": "credential stuffing"},
        {"type": "security"},
        {"severity": 1},
        {"status": "open"},
        {"status": "in_progress"},
        {"reporter": "reporter"},
        {"order": "oldest"},
        {"from": "2026-11-25", "until": "2026-11-26"},
    ):
        assert secret_id not in listed(responder, **params), params
    assert listed(responder) == [open_id]
    assert listed(responder, q=SECRET_WORD) == []

    # Every route about one incident answers as if the ID had never been used.
    incident_routes = [r for r in served_routes(app) if "{incident_id}" in r.path]
    assert len(incident_routes) >= 12
    for route in incident_routes:
        answers = []
        for incident_id in (secret_id, NEVER_USED):
            path = route.path.replace("{incident_id}", incident_id)
            path = path.replace("{role}", "incident_commander").replace("{user}", "responder")
            body = _body_for(route.path, route.method)
            response = responder.request(route.method, path, json=body)
            answers.append((response.status_code, response.text.replace(incident_id, "ID")))
        assert answers[0] == answers[1], f"{route.method} {route.path}"
        assert answers[0][0] in (403, 404), f"{route.method} {route.path}: {answers[0]}"

    # Nothing the responder tried reached the incident.
    kinds = [e["kind"] for e in _timeline(as_["admin"], secret_id)]
    assert kinds == ["declared", "severity_decided", "restriction_changed"]


def _body_for(path: str, method: str) -> dict[str, object] | None:
    """A body that would succeed on a visible incident, so only visibility can refuse it."""
    if method not in ("POST", "PUT", "PATCH"):
        return None
    bodies: dict[str, dict[str, object]] = {
        "/status": {"status": "investigating"},
        "/comments": {"body": "I can see you"},
        "/escalate": {"note": "over to you"},
        "/updates": {"message": "rolled back", "audiences": ["executives"]},
        "/roles/{role}": {"person": "responder"},
        "/restriction": {"restricted": False},
        "}": {"title": "renamed"},
    }
    return next((body for end, body in bodies.items() if path.endswith(end)), {})


def _timeline(client: TestClient, incident_id: str) -> list[dict[str, object]]:
    response = client.get(f"/api/v1/incidents/{incident_id}/timeline")
    assert response.status_code == 200, response.text
    events: list[dict[str, object]] = response.json()["events"]
    return events


def test_who_sees_a_restricted_incident(as_: dict[str, TestClient]) -> None:
    secret_id = declare(as_["reporter"], title="Phishing mail", type="security")
    sees = {
        name
        for name, client in as_.items()
        if client.get(f"/api/v1/incidents/{secret_id}").status_code == 200
    }
    # The security team, admins and the reporter; nobody else, whatever their role.
    assert sees == {"security", "admin", "reporter"}
    assert secret_id in listed(as_["security"], q="phishing")
    assert secret_id in listed(as_["reporter"])


def test_adding_a_person_by_name_and_opening_up_are_on_the_timeline(
    as_: dict[str, TestClient],
) -> None:
    secret_id = declare(as_["admin"], title="Leaked key", type="security")
    responder = as_["responder"]
    assert responder.get(f"/api/v1/incidents/{secret_id}").status_code == 404

    granted = as_["admin"].put(f"/api/v1/incidents/{secret_id}/access/responder")
    assert granted.status_code == 200, granted.text
    assert [p["user"] for p in granted.json()["people"]] == ["responder"]
    assert responder.get(f"/api/v1/incidents/{secret_id}").status_code == 200
    assert listed(responder, q="leaked") == [secret_id]

    revoked = as_["admin"].delete(f"/api/v1/incidents/{secret_id}/access/responder")
    assert revoked.status_code == 200
    assert responder.get(f"/api/v1/incidents/{secret_id}").status_code == 404
    assert as_["admin"].delete(f"/api/v1/incidents/{secret_id}/access/responder").status_code == 409

    opened = as_["admin"].put(
        f"/api/v1/incidents/{secret_id}/restriction",
        json={"restricted": False, "note": "not a real leak"},
    )
    assert opened.status_code == 200
    assert opened.json()["restricted"] is False
    assert responder.get(f"/api/v1/incidents/{secret_id}").status_code == 200
    events = _timeline(as_["admin"], secret_id)
    changes = [(e["kind"], e["actor"], e["after"], e["before"]) for e in events[2:]]
    assert changes == [
        ("restriction_changed", "admin", True, False),
        ("access_granted", "admin", "responder", None),
        ("access_revoked", "admin", None, "responder"),
        ("restriction_changed", "admin", False, True),
    ]
    audit = as_["admin"].get("/api/v1/audit", params={"target": secret_id}).json()["items"]
    assert [entry["action"] for entry in audit] == [
        "incident.unrestricted",
        "incident.access_revoked",
        "incident.access_granted",
    ]


def test_any_incident_can_be_restricted_and_whoever_restricts_it_keeps_sight(
    as_: dict[str, TestClient],
) -> None:
    incident_id = declare(as_["reporter"], title="Payroll export wrong")
    assert as_["responder"].get(f"/api/v1/incidents/{incident_id}").status_code == 200
    restricted = as_["incident_manager"].put(
        f"/api/v1/incidents/{incident_id}/restriction",
        json={"restricted": True, "note": "salaries visible"},
    )
    assert restricted.status_code == 200, restricted.text
    assert as_["responder"].get(f"/api/v1/incidents/{incident_id}").status_code == 404
    # The manager is outside the security team, so restricting added them by name.
    assert as_["incident_manager"].get(f"/api/v1/incidents/{incident_id}").status_code == 200
    access = as_["incident_manager"].get(f"/api/v1/incidents/{incident_id}/access").json()
    assert access["restricted"] is True
    assert [p["user"] for p in access["people"]] == ["incident_manager"]
    # A responder may not restrict at all (403, whatever the incident).
    refused = as_["responder"].put(
        f"/api/v1/incidents/{incident_id}/restriction", json={"restricted": False}
    )
    assert refused.status_code == 403


def test_becoming_a_security_incident_restricts_it(as_: dict[str, TestClient]) -> None:
    incident_id = declare(as_["admin"], title="Odd logins")
    changed = as_["admin"].patch(f"/api/v1/incidents/{incident_id}", json={"type": "security"})
    assert changed.status_code == 200
    assert changed.json()["restricted"] is True
    assert as_["responder"].get(f"/api/v1/incidents/{incident_id}").status_code == 404
    kinds = [e["kind"] for e in _timeline(as_["admin"], incident_id)]
    assert kinds[-2:] == ["field_changed", "restriction_changed"]


def test_a_reporter_sees_only_their_own_incidents(as_: dict[str, TestClient]) -> None:
    theirs = declare(as_["reporter"], title="Printer on fire")
    other = declare(as_["responder"], title="Wiki is down")
    reporter = as_["reporter"]
    assert listed(reporter) == [theirs]
    assert reporter.get(f"/api/v1/incidents/{other}").status_code == 404
    assert reporter.get(f"/api/v1/incidents/{other}/timeline").status_code == 404
    comment = {"body": "any news?"}
    assert reporter.post(f"/api/v1/incidents/{other}/comments", json=comment).status_code == 404
    assert reporter.post(f"/api/v1/incidents/{theirs}/comments", json=comment).status_code == 201
    # Reporters declare for themselves only.
    for_someone = reporter.post(
        "/api/v1/incidents", json={"title": "x", "type": "data", "reporter": "admin"}
    )
    assert for_someone.status_code == 403
    # A viewer reads every open incident but changes nothing.
    assert set(listed(as_["viewer"])) == {theirs, other}
    assert (
        as_["viewer"].post(f"/api/v1/incidents/{other}/comments", json=comment).status_code == 403
    )


def test_ids_of_restricted_incidents_cannot_be_guessed(as_: dict[str, TestClient]) -> None:
    """Probing a run of IDs tells the outsider nothing about which ones exist."""
    secret_id = declare(as_["admin"], title="Breach", type="security")
    prefix, number = re.match(r"(INC-\d{4}-\d{4}-)(\d+)", secret_id).groups()  # type: ignore[union-attr]
    answers = set()
    for n in range(1, int(number) + 3):
        response = as_["responder"].get(f"/api/v1/incidents/{prefix}{n:03d}")
        answers.add((response.status_code, response.json()["type"]))
    assert answers == {(404, "/problems/not-found")}


def test_a_responder_logs_an_incident_for_a_reporter_who_then_sees_it(
    as_: dict[str, TestClient],
) -> None:
    incident_id = declare(as_["responder"], title="Phone call: VPN down", reporter="reporter")
    assert listed(as_["reporter"]) == [incident_id]
    first = _timeline(as_["reporter"], incident_id)[0]
    assert (first["kind"], first["actor"]) == ("declared", "responder")
    assert first["summary"] == "responder declared the incident for reporter: Phone call: VPN down"


def test_filing_a_restricted_incident_for_someone_else_keeps_it_in_sight_and_replays_see_no_more(
    as_: dict[str, TestClient],
) -> None:
    body = {"title": "Phishing call", "type": "security", "reporter": "reporter"}
    key = {"Idempotency-Key": "call-42"}
    filed = as_["responder"].post("/api/v1/incidents", json=body, headers=key)
    assert filed.status_code == 201
    incident_id = filed.json()["id"]
    # The responder filed it, so they were added by name and still see it.
    assert as_["responder"].get(f"/api/v1/incidents/{incident_id}").status_code == 200
    kinds = [e["kind"] for e in _timeline(as_["admin"], incident_id)]
    assert kinds[-1] == "access_granted"
    replay = as_["responder"].post("/api/v1/incidents", json=body, headers=key)
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    # Once they are taken off it, a replay of the same request shows nothing more.
    revoked = as_["admin"].delete(f"/api/v1/incidents/{incident_id}/access/responder")
    assert revoked.status_code == 200
    hidden = as_["responder"].post("/api/v1/incidents", json=body, headers=key)
    assert hidden.status_code == 404
    assert "Phishing" not in hidden.text
