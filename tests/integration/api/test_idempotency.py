from __future__ import annotations

from fastapi.testclient import TestClient

from fireline.bootstrap import Context
from fireline.domain.access import AccessRole
from tests.integration.api.conftest import FakeClock, add_person, bearer

BODY = {"title": "Checkout is down", "type": "infrastructure"}


def count(context: Context) -> int:
    with context.database.transaction() as store:
        return store.count_incidents()


def test_the_same_key_and_body_return_the_first_incident(
    client: TestClient, context: Context
) -> None:
    headers = {"Idempotency-Key": "retry-1"}
    first = client.post("/api/v1/incidents", json=BODY, headers=headers)
    second = client.post("/api/v1/incidents", json=BODY, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert count(context) == 1


def test_the_same_key_with_another_body_is_refused(client: TestClient, context: Context) -> None:
    headers = {"Idempotency-Key": "retry-2"}
    client.post("/api/v1/incidents", json=BODY, headers=headers)
    response = client.post("/api/v1/incidents", json={**BODY, "title": "Other"}, headers=headers)
    assert response.status_code == 409
    assert "different request body" in response.json()["detail"]
    assert count(context) == 1


def test_a_key_older_than_a_day_declares_anew(
    client: TestClient, context: Context, clock: FakeClock
) -> None:
    headers = {"Idempotency-Key": "retry-3"}
    first = client.post("/api/v1/incidents", json=BODY, headers=headers).json()
    clock.advance(hours=24, seconds=1)
    second = client.post("/api/v1/incidents", json=BODY, headers=headers).json()
    assert first["id"] != second["id"]
    assert count(context) == 2


def test_another_persons_retry_with_the_same_key_is_not_handed_the_first_incident(
    client: TestClient, context: Context
) -> None:
    headers = {"Idempotency-Key": "shared-key"}
    client.post("/api/v1/incidents", json=BODY, headers=headers)
    bo = bearer(add_person(context, "bo", AccessRole.RESPONDER))
    other = client.post("/api/v1/incidents", json=BODY, headers={**headers, **bo})
    assert other.status_code == 409
    assert count(context) == 1
