"""Every person, team, service and role a write names exists (issue 11).

A name that named nobody used to be stored as given: a person created later with that name
then inherited what it pointed at (the reporter of a restricted incident sees it). Now each
write refuses such a name, 422 naming the field and the value when it came in the body,
404 when it is in the path, and 422 "is deactivated" for a deactivated person newly given
something.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fireline.bootstrap import Context
from fireline.domain.access import AccessRole
from fireline.services import demo
from fireline.services.ports import IncidentQuery
from tests.integration.api.conftest import add_person, bearer, declare

INCIDENTS = "/api/v1/incidents"


@contextmanager
def writes_nothing(context: Context) -> Iterator[None]:
    def counts() -> tuple[int, int]:
        with context.database.transaction(write=False) as store:
            return store.count_incidents(), store.count_events()

    before = counts()
    yield
    assert counts() == before


def refused(response: Any, status: int, field: str | None, message: str) -> None:
    """The answer is a problem with `status`; a 422 names `field` with `message`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    if field is None:
        assert message in body["detail"], body
    else:
        assert body["errors"] == [{"field": field, "message": message}], body


def deactivate(client: TestClient, name: str) -> None:
    response = client.patch(f"/api/v1/users/{name}", json={"active": False})
    assert response.status_code == 200, response.text


@pytest.fixture
def bo(context: Context, client: TestClient) -> str:
    """A responder who exists (after `client`'s ana)."""
    add_person(context, "bo", AccessRole.RESPONDER)
    return "bo"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reporter", "ghost", "no user 'ghost'"),
        ("owner", "ghost", "no user 'ghost'"),
        ("team", "phantoms", "no team 'phantoms'"),
        ("owner", "Not A Handle", "no user 'Not A Handle'"),
    ],
)
def test_declaring_with_a_person_or_team_that_does_not_exist_is_422_and_writes_nothing(
    client: TestClient, context: Context, field: str, value: str, message: str
) -> None:
    body = {"title": "Checkout is down", "type": "infrastructure", field: value}
    with writes_nothing(context):
        refused(client.post(INCIDENTS, json=body), 422, field, message)


def test_a_restricted_incident_naming_someone_not_yet_created_grants_them_nothing_later(
    client: TestClient, context: Context, app: FastAPI
) -> None:
    with writes_nothing(context):
        for field in ("reporter", "owner"):
            body = {"title": "Leaked keys", "type": "security", "restricted": True, field: "mal"}
            refused(client.post(INCIDENTS, json=body), 422, field, "no user 'mal'")
    incident_id = declare(client, title="Leaked keys", type="security", restricted=True)["id"]
    with writes_nothing(context):
        role = client.put(
            f"{INCIDENTS}/{incident_id}/roles/incident_commander", json={"person": "mal"}
        )
        refused(role, 422, "person", "no user 'mal'")
        refused(client.put(f"{INCIDENTS}/{incident_id}/access/mal"), 404, None, "no user 'mal'")

    # Created afterwards, the person sees nothing: nothing ever pointed at their name.
    with TestClient(app, headers=bearer(add_person(context, "mal", AccessRole.REPORTER))) as mal:
        assert mal.get(INCIDENTS).json()["items"] == []
        assert mal.get(f"{INCIDENTS}/{incident_id}").status_code == 404
    assert client.get(f"{INCIDENTS}/{incident_id}/roles").json()["holders"] == {}
    assert client.get(f"{INCIDENTS}/{incident_id}/access").json()["people"] == []


def test_editing_to_an_owner_or_team_that_does_not_exist_is_422_and_writes_nothing(
    client: TestClient, context: Context
) -> None:
    incident_id = declare(client)["id"]
    with writes_nothing(context):
        for field, value, message in (
            ("owner", "ghost", "no user 'ghost'"),
            ("team", "phantoms", "no team 'phantoms'"),
        ):
            response = client.patch(f"{INCIDENTS}/{incident_id}", json={field: value})
            refused(response, 422, field, message)
    assert client.get(f"{INCIDENTS}/{incident_id}").json()["owner"] is None


def test_a_role_is_given_only_to_a_person_who_exists(client: TestClient, bo: str) -> None:
    incident_id = declare(client)["id"]
    url = f"{INCIDENTS}/{incident_id}/roles/incident_commander"
    refused(client.put(url, json={"person": "ghost"}), 422, "person", "no user 'ghost'")
    assert client.put(url, json={"person": bo}).json()["holders"] == {"incident_commander": bo}


def test_nothing_is_newly_given_to_a_deactivated_person(client: TestClient, bo: str) -> None:
    incident_id = declare(client, severity=2)["id"]
    deactivate(client, bo)
    is_deactivated = "'bo' is deactivated"
    for field in ("reporter", "owner"):
        body = {"title": "Checkout is down", "type": "infrastructure", field: bo}
        refused(client.post(INCIDENTS, json=body), 422, field, is_deactivated)
    refused(
        client.patch(f"{INCIDENTS}/{incident_id}", json={"owner": bo}), 422, "owner", is_deactivated
    )
    role = client.put(f"{INCIDENTS}/{incident_id}/roles/scribe", json={"person": bo})
    refused(role, 422, "person", is_deactivated)
    escalated = client.post(f"{INCIDENTS}/{incident_id}/escalate", json={"note": "x", "owner": bo})
    refused(escalated, 422, "owner", is_deactivated)
    refused(client.put(f"{INCIDENTS}/{incident_id}/access/{bo}"), 422, "user", is_deactivated)
    assert client.post("/api/v1/teams", json={"name": "payments"}).status_code == 201
    refused(client.put(f"/api/v1/teams/payments/members/{bo}"), 422, "user", is_deactivated)


def test_an_edit_that_keeps_a_deactivated_owner_is_not_a_new_assignment(
    client: TestClient, bo: str
) -> None:
    incident_id = declare(client, owner=bo)["id"]
    deactivate(client, bo)
    response = client.patch(f"{INCIDENTS}/{incident_id}", json={"title": "Renamed", "owner": bo})
    assert response.status_code == 200, response.text
    assert response.json()["owner"] == bo


def test_a_deactivated_person_can_still_be_taken_out_of_an_incident_and_a_team(
    client: TestClient, bo: str
) -> None:
    incident_id = declare(client, restricted=True)["id"]
    assert client.put(f"{INCIDENTS}/{incident_id}/access/{bo}").status_code == 200
    assert client.post("/api/v1/teams", json={"name": "payments"}).status_code == 201
    assert client.put(f"/api/v1/teams/payments/members/{bo}").status_code == 200
    deactivate(client, bo)
    revoked = client.delete(f"{INCIDENTS}/{incident_id}/access/{bo}")
    assert revoked.status_code == 200, revoked.text
    assert bo not in [grant["user"] for grant in revoked.json()["people"]]
    left = client.delete(f"/api/v1/teams/payments/members/{bo}")
    assert left.status_code == 200, left.text
    assert left.json()["members"] == []


def test_a_service_names_only_a_team_that_exists(client: TestClient, context: Context) -> None:
    body = {"name": "ledger", "criticality": "mission_critical", "team": "phantoms"}
    refused(client.post("/api/v1/services", json=body), 422, "team", "no team 'phantoms'")
    assert client.get("/api/v1/services/ledger").status_code == 404
    assert client.post("/api/v1/teams", json={"name": "payments"}).status_code == 201
    created = client.post("/api/v1/services", json={**body, "team": "payments"})
    assert created.status_code == 201, created.text
    changed = client.patch("/api/v1/services/ledger", json={"team": "phantoms"})
    refused(changed, 422, "team", "no team 'phantoms'")
    assert client.get("/api/v1/services/ledger").json()["team"] == "payments"


def test_a_role_that_the_policy_lacks_is_404_as_a_name_in_the_path(
    client: TestClient, bo: str
) -> None:
    incident_id = declare(client)["id"]
    for method in ("PUT", "DELETE"):
        response = client.request(
            method, f"{INCIDENTS}/{incident_id}/roles/hero", json={"person": bo}
        )
        refused(response, 404, None, "no role 'hero' (there are: incident_commander")


def test_the_demo_organisation_names_only_people_and_teams_that_exist(context: Context) -> None:
    now = context.clock()
    demo.seed_demo_people(context.database, context.hasher, now=now)
    assert demo.seed_demo(context.database, context.policies, now=now)
    with context.database.transaction(write=False) as store:
        users = {user.name for user in store.list_users()}
        teams = {team.name for team in store.list_teams()}
        found = store.list_incidents(IncidentQuery(limit=100))
        holders = store.role_holders_of([incident.id for incident in found])
    assert len(found) == len(demo.DEMO_INCIDENTS)
    assert {incident.reporter for incident in found} <= users
    assert {incident.team for incident in found} <= teams
    assert {person for roles in holders.values() for person in roles.values()} <= users


def test_no_demo_incidents_go_to_a_database_with_people_of_its_own(context: Context) -> None:
    add_person(context, "rita", AccessRole.ADMIN)
    assert demo.seed_demo_people(context.database, context.hasher, now=context.clock()) == []
    assert not demo.seed_demo(context.database, context.policies, now=context.clock())
    with context.database.transaction(write=False) as store:
        assert (store.count_incidents(), store.list_services()) == (0, [])
