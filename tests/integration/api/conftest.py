"""The API in-process (FastAPI's TestClient) on each backend, with a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fireline.bootstrap import Context, build_context
from fireline.entrypoints.api.app import create_app
from fireline.settings import Settings


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
    context = build_context(settings, clock=clock)
    yield context
    context.database.dispose()


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with TestClient(create_app(context), headers={"X-Fireline-User": "ana"}) as client:
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
