"""Every persona × every route gets exactly what the permission table says.

The routes come from the application itself, not from a list kept here: a new route is in
the matrix the moment it exists, and without an entry in ROUTE_PERMISSIONS the application
refuses to start at all.
"""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from fireline.bootstrap import Context
from fireline.domain.access import ROLE_PERMISSIONS, Permission, Scope
from fireline.domain.incident import Draft
from fireline.entrypoints.api.app import create_app
from fireline.entrypoints.api.permissions import (
    PUBLIC,
    ROUTE_PERMISSIONS,
    UndeclaredRoute,
    requirements_by_endpoint,
    served_routes,
)
from fireline.entrypoints.worker.loop import new_heartbeat, run_heartbeat_step
from fireline.services import incidents
from tests.integration.api.conftest import PERSONAS, add_person


@pytest.fixture
def scene(context: Context, personas: dict[str, dict[str, str]]) -> dict[str, str]:
    """What the routes' path parameters point at: things every persona may see."""
    with TestClient(create_app(context), headers=personas["admin"]) as admin:
        created = admin.post(
            "/api/v1/services", json={"name": "checkout", "criticality": "mission_critical"}
        )
        assert created.status_code == 201, created.text
    add_person(context, "dummy", PERSONAS["responder"][0])  # type: ignore[index]
    declared = incidents.declare_incident(
        context.database,
        context.policies,
        Draft(title="Checkout is slow", type="performance", reporter="reporter"),
        now=context.clock(),
    )
    with TestClient(create_app(context), headers=personas["admin"]) as admin:
        tokens = admin.get("/api/v1/tokens", params={"all": "true"}).json()["items"]
    # A worker that beats, so that `/healthz` answers 200 rather than 503 (no worker).
    run_heartbeat_step(context, new_heartbeat(context.clock()))
    dummy_token = next(t["id"] for t in tokens if t["user"] == "dummy")
    return {
        "incident_id": declared.incident.id,
        "role": "incident_commander",
        "user": "dummy",
        "token_id": str(dummy_token),
        "service": "checkout",
        "person": "dummy",
        "team": "security",
        "schedule": "ops_oncall",  # the default policy has none: 404, which is still "allowed"
        "override_id": "1",
    }


def _path(template: str, scene: dict[str, str]) -> str:
    """Fill the template's parameters; `{name}` means a service, team, schedule or user."""
    kinds = {"/services/": "service", "/teams/": "team", "/schedules/": "schedule"}
    kind = next((kind for part, kind in kinds.items() if part in template), "person")
    filled = template.replace("{name}", scene[kind])
    return re.sub(r"\{(\w+)\}", lambda m: scene[m.group(1)], filled)


def _expected(requirement: object, persona: str) -> str:
    """What the table says `persona` must get: public, 401, 403 or allowed."""
    if requirement is PUBLIC:
        return "public"
    spec = PERSONAS[persona]
    if spec is None:
        return "401"
    role, _ = spec
    assert isinstance(requirement, Permission)
    return "allowed" if requirement in ROLE_PERMISSIONS[role] else "403"


def test_every_persona_gets_what_the_table_says_on_every_route(
    context: Context, app: FastAPI, personas: dict[str, dict[str, str]], scene: dict[str, str]
) -> None:
    routes = served_routes(app)
    assert len(routes) == len(ROUTE_PERMISSIONS)
    wrong = []
    checked = 0
    with TestClient(app, follow_redirects=False) as client:
        for route in routes:
            requirement = ROUTE_PERMISSIONS[(route.method, route.path)]
            path = _path(route.path, scene)
            for persona, headers in personas.items():
                client.cookies.clear()
                if route.path.startswith("/api/"):
                    body = {} if route.method in ("POST", "PUT", "PATCH") else None
                    response = client.request(route.method, path, headers=headers, json=body)
                else:
                    response = client.request(route.method, path, headers=headers, data={})
                expected = _expected(requirement, persona)
                got = response.status_code
                if expected == "public":
                    ok = got != 401 and got < 500
                elif expected == "401":
                    ok = got == 401 and response.json()["type"] == "/problems/unauthenticated"
                elif expected == "403":
                    ok = got == 403 and response.json()["type"] == "/problems/forbidden"
                else:
                    ok = got not in (401, 403) and got < 500
                checked += 1
                if not ok:
                    wrong.append(
                        f"{route.method} {route.path} as {persona}: {got}, want {expected}"
                    )
    assert wrong == []
    assert checked == len(routes) * len(personas)


def test_a_token_scope_narrows_its_owners_role(context: Context, app: FastAPI) -> None:
    reader = add_person(context, "reader", PERSONAS["admin"][0], scope=Scope.READ)  # type: ignore[index]
    with TestClient(app, headers={"Authorization": f"Bearer {reader}"}) as client:
        assert client.get("/api/v1/incidents").status_code == 200
        assert client.get("/api/v1/audit").status_code == 403
        refused = client.post("/api/v1/incidents", json={"title": "x", "type": "data"})
        assert refused.status_code == 403
        assert "incident.declare" in refused.json()["detail"]


def test_a_route_missing_from_the_table_stops_the_application(context: Context) -> None:
    app = create_app(context)
    extra = APIRouter()

    @extra.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    app.include_router(extra)
    with pytest.raises(UndeclaredRoute, match="no entry for GET /api/v1/forgotten"):
        requirements_by_endpoint(app)


def test_an_entry_for_a_route_that_does_not_exist_stops_the_application(
    context: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ROUTE_PERMISSIONS, ("GET", "/api/v1/gone"), Permission.INCIDENT_READ)
    with pytest.raises(UndeclaredRoute, match="entry for GET /api/v1/gone but no such route"):
        create_app(context)


def test_the_documentation_pages_stay_public(app: FastAPI) -> None:
    with TestClient(app) as client:
        assert client.get("/openapi.json").status_code == 200
        assert client.get("/docs").status_code == 200
