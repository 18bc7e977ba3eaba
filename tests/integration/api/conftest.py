"""The API in-process (FastAPI's TestClient) on each backend, with a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fireline.adapters.passwords import Argon2Hasher
from fireline.bootstrap import Context, build_context
from fireline.domain.access import AccessRole, Caller, Scope
from fireline.domain.people import User
from fireline.entrypoints.api.app import create_app
from fireline.services import people, tokens
from fireline.settings import Settings

CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024)
"""Real argon2id with small parameters: the API tests sign in often. Tests about the cost
itself (login timing) use the production parameters."""


class FakeClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 25, 9, 30, tzinfo=UTC))


@pytest.fixture
def policy_reference() -> str:
    """Which policy the app runs under; override in a module to try another preset."""
    return "default"


@pytest.fixture
def context(
    database_url: str, clock: FakeClock, tmp_path: Path, policy_reference: str
) -> Iterator[Context]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        policy=policy_reference,
        secret_key=None,
        log_level="info",
        migrate_on_start=False,
    )
    context = build_context(settings, clock=clock, hasher=CHEAP_HASHER)
    yield context
    context.database.dispose()


def add_person(
    context: Context,
    name: str,
    role: AccessRole,
    *,
    scope: Scope = Scope.ADMIN,
    teams: tuple[str, ...] = (),
    password: str | None = None,
) -> str:
    """Create a person (and their teams) straight through the services; returns a token."""
    now = context.clock()
    user = User(name, f"{name}@example.test", role)
    people.create_user(
        context.database, context.hasher, user, password=password, actor="test", now=now
    )
    for team in teams:
        if team not in {t.name for t, _ in people.list_teams(context.database)}:
            from fireline.domain.people import Team

            people.create_team(context.database, Team(team), actor="test", now=now)
        people.set_team_member(context.database, team, name, member=True, actor="test", now=now)
    made = tokens.create_token(
        context.database,
        owner=name,
        name="tests",
        scope=scope,
        expires_at=None,
        creator=Caller(name, role, frozenset(teams), Scope.ADMIN),
        now=now,
    )
    return made.secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def app(context: Context) -> FastAPI:
    return create_app(context)


@pytest.fixture
def client(context: Context, app: FastAPI) -> Iterator[TestClient]:
    """The API as `ana`, an admin (who may do everything)."""
    token = add_person(context, "ana", AccessRole.ADMIN)
    with TestClient(app, headers=bearer(token)) as client:
        yield client


@pytest.fixture
def services(client: TestClient) -> list[str]:
    """A small catalog: one service per criticality tier."""
    catalog = [
        ("checkout", "mission_critical"),
        ("login", "business_critical"),
        ("warehouse", "business_operational"),
        ("wiki", "administrative"),
    ]
    for name, tier in catalog:
        response = client.post("/api/v1/services", json={"name": name, "criticality": tier})
        assert response.status_code == 201, response.text
    return [name for name, _ in catalog]


def declare(client: TestClient, **fields: object) -> dict[str, object]:
    body: dict[str, object] = {"title": "Checkout is down", "type": "infrastructure"}
    body.update(fields)
    response = client.post("/api/v1/incidents", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


PERSONAS: dict[str, tuple[AccessRole, tuple[str, ...]] | None] = {
    "outsider": None,
    "viewer": (AccessRole.VIEWER, ()),
    "reporter": (AccessRole.REPORTER, ()),
    "responder": (AccessRole.RESPONDER, ()),
    "incident_manager": (AccessRole.INCIDENT_MANAGER, ()),
    "admin": (AccessRole.ADMIN, ()),
    "security": (AccessRole.RESPONDER, ("security",)),
}
"""Who the access tests act as: persona → (access role, teams); the outsider has no
credentials at all. The security persona is a responder in the default policy's security
team. Each persona's user name is its persona name."""


@pytest.fixture
def personas(context: Context) -> dict[str, dict[str, str]]:
    """persona → request headers (the outsider's are empty), each with a full-scope token."""
    headers: dict[str, dict[str, str]] = {}
    for name, spec in PERSONAS.items():
        if spec is None:
            headers[name] = {}
            continue
        role, teams = spec
        headers[name] = bearer(add_person(context, name, role, teams=teams))
    return headers
