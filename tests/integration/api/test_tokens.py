"""API tokens end to end: create, use, expire, revoke, and every way to present a bad one.

401 means "we do not know who you are" (with a `WWW-Authenticate: Bearer` challenge), 403
"we know, and you may not"; both are problem+json and both leave a trace in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fireline.bootstrap import Context
from fireline.domain.access import AccessRole, Scope
from tests.integration.api.conftest import FakeClock, add_person, bearer

INCIDENT = {"title": "Checkout is down", "type": "infrastructure"}


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    """The API with no credentials at all (each request brings its own, if any)."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def bo(context: Context, client: TestClient) -> str:
    """A responder's write token (`client`, ana the admin, exists first)."""
    return add_person(context, "bo", AccessRole.RESPONDER, scope=Scope.WRITE)


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    return body


def assert_unauthenticated(response: httpx.Response, *, presented: str = "") -> None:
    body = assert_problem(response, 401, "unauthenticated")
    assert set(body) == {"type", "title", "status", "detail"}
    assert response.headers["www-authenticate"].startswith("Bearer")
    if presented:
        assert presented not in response.text
        assert presented not in str(response.headers)


def make_token(client: TestClient, headers: dict[str, str], **body: object) -> dict[str, Any]:
    response = client.post("/api/v1/tokens", json={"name": "ci", **body}, headers=headers)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def audit(client: TestClient, *actions: str, **filters: object) -> list[dict[str, Any]]:
    """Audit entries (newest first) as ana, the admin."""
    response = client.get("/api/v1/audit", params={"action": list(actions), **filters})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def me(client: TestClient, token: str) -> httpx.Response:
    return client.get("/api/v1/me", headers=bearer(token))


# -- the life of a token ------------------------------------------------------------------


def test_a_token_is_created_used_and_revoked_and_refused_on_the_very_next_request(
    client: TestClient, bo: str
) -> None:
    made = make_token(client, bearer(bo), scope="write")
    token = made["token"]
    assert token.startswith("flt_")
    assert made["prefix"] == token[:10]
    assert (made["user"], made["created_by"], made["scope"]) == ("bo", "bo", "write")
    assert made["revoked_at"] is None
    assert made["last_used_at"] is None

    assert me(client, token).json()["name"] == "bo"
    assert client.post("/api/v1/incidents", json=INCIDENT, headers=bearer(token)).status_code == 201

    revoked = client.delete(f"/api/v1/tokens/{made['id']}", headers=bearer(bo))
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert "token" not in revoked.json()

    assert_unauthenticated(me(client, token), presented=token)
    assert_unauthenticated(
        client.post("/api/v1/incidents", json=INCIDENT, headers=bearer(token)), presented=token
    )
    assert me(client, bo).status_code == 200  # the owner's other token is untouched


def test_a_token_may_revoke_itself(client: TestClient, bo: str) -> None:
    made = make_token(client, bearer(bo), scope="write")
    response = client.delete(f"/api/v1/tokens/{made['id']}", headers=bearer(made["token"]))
    assert response.status_code == 200, response.text
    assert_unauthenticated(me(client, made["token"]), presented=made["token"])


def test_revoking_twice_changes_nothing_the_second_time(client: TestClient, bo: str) -> None:
    made = make_token(client, bearer(bo), scope="read")
    first = client.delete(f"/api/v1/tokens/{made['id']}", headers=bearer(bo))
    second = client.delete(f"/api/v1/tokens/{made['id']}", headers=bearer(bo))
    assert second.status_code == 200
    assert second.json()["revoked_at"] == first.json()["revoked_at"]
    assert len(audit(client, "token.revoked", target=f"token {made['id']}")) == 1


def test_a_token_works_until_it_expires_and_never_after(
    client: TestClient, bo: str, clock: FakeClock
) -> None:
    expires_at = clock.now + timedelta(hours=1)
    made = make_token(client, bearer(bo), scope="read", expires_at=expires_at.isoformat())
    assert made["expires_at"] is not None
    assert me(client, made["token"]).status_code == 200
    clock.advance(minutes=59, seconds=59)
    assert me(client, made["token"]).status_code == 200
    clock.advance(seconds=1)
    assert_unauthenticated(me(client, made["token"]), presented=made["token"])
    clock.advance(days=30)
    assert_unauthenticated(me(client, made["token"]), presented=made["token"])
    (refusal,) = audit(client, "authentication.failed", actor="bo", limit=1)
    assert refusal["detail"] == {"reason": "expired token"}
    assert refusal["target"] == f"token {made['id']}"


@pytest.mark.parametrize(
    ("expires_at", "field"),
    [
        ("2026-11-25T09:30:00+00:00", "expires_at"),  # now: not in the future
        ("2020-01-01T00:00:00Z", "expires_at"),
        ("2027-01-01T00:00:00", "expires_at"),  # no offset
    ],
)
def test_a_token_that_would_be_born_expired_is_refused(
    client: TestClient, bo: str, expires_at: str, field: str
) -> None:
    response = client.post(
        "/api/v1/tokens",
        json={"name": "ci", "scope": "read", "expires_at": expires_at},
        headers=bearer(bo),
    )
    body = assert_problem(response, 422, "invalid-input")
    assert field in {error["field"] for error in body["errors"]}


def test_a_read_token_reads_but_may_not_write(client: TestClient, context: Context) -> None:
    token = add_person(context, "vi", AccessRole.INCIDENT_MANAGER, scope=Scope.READ)
    assert client.get("/api/v1/incidents", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/services", headers=bearer(token)).status_code == 200
    refused = client.post("/api/v1/incidents", json=INCIDENT, headers=bearer(token))
    body = assert_problem(refused, 403, "forbidden")
    assert "incident.declare" in body["detail"]
    assert "www-authenticate" not in refused.headers
    assert client.get("/api/v1/incidents").json()["items"] == []  # nothing was declared
    (denied,) = audit(client, "permission.denied", actor="vi")
    assert denied["target"] == "POST /api/v1/incidents"


# -- malformed, unknown and missing credentials -------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "presented"),
    [
        ("Bearer", ""),
        ("Bearer ", ""),
        ("Bearer    ", ""),
        ("Basic abc", ""),
        ("Basic YW5hOnNlY3JldA==", "YW5hOnNlY3JldA=="),
        ("Token x", ""),
        ("Token flt_the-right-token-wrong-scheme", "flt_the-right-token-wrong-scheme"),
        ("flt_bare-token-without-a-scheme", "flt_bare-token-without-a-scheme"),
        ("Bearer not-a-fireline-token", "not-a-fireline-token"),
        ("Bearer flt_", ""),
        ("Bearer flt_" + "A" * 43, "flt_" + "A" * 43),
        ("Bearer flt_" + "A" * 500, "flt_" + "A" * 500),
        ("bearer flt_lower-case-scheme-unknown", "flt_lower-case-scheme-unknown"),
    ],
)
def test_a_bad_authorization_header_is_a_401_problem_with_a_challenge(
    anonymous: TestClient, client: TestClient, authorization: str, presented: str
) -> None:
    for method, path in [("GET", "/api/v1/me"), ("POST", "/api/v1/incidents")]:
        response = anonymous.request(
            method, path, json=INCIDENT, headers={"Authorization": authorization}
        )
        assert_unauthenticated(response, presented=presented)
    assert client.get("/api/v1/incidents").json()["items"] == []


def test_no_authorization_at_all_is_a_401_problem_with_a_challenge(
    anonymous: TestClient,
) -> None:
    for method, path in [
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/incidents"),
        ("POST", "/api/v1/incidents"),
        ("GET", "/api/v1/tokens"),
        ("POST", "/api/v1/tokens"),
        ("DELETE", "/api/v1/tokens/1"),
        ("GET", "/api/v1/audit"),
    ]:
        assert_unauthenticated(anonymous.request(method, path, json={}))
    assert anonymous.get("/livez").status_code == 200  # public routes stay public


def test_a_401_has_the_same_keys_as_any_other_error(anonymous: TestClient, bo: str) -> None:
    unauthenticated = anonymous.get("/api/v1/me", headers=bearer("flt_unknown-one"))
    not_found = anonymous.get("/api/v1/incidents/INC-2026-1125-999", headers=bearer(bo))
    assert not_found.status_code == 404
    assert set(unauthenticated.json()) == set(not_found.json())
    assert (
        unauthenticated.headers["content-type"]
        == not_found.headers["content-type"]
        == "application/problem+json"
    )


def test_a_made_up_token_is_refused_and_leaves_no_audit_entry(
    anonymous: TestClient, client: TestClient
) -> None:
    """Anyone can send made-up tokens, so they are not worth a database write each; a real
    token that was revoked or expired is (see the tests below)."""
    for made_up in ("flt_" + "x" * 43, "x" * 47, "flt_" + "x" * 300):
        response = anonymous.get("/api/v1/me", headers=bearer(made_up))
        assert_unauthenticated(response, presented=made_up)
    assert audit(client, "authentication.failed") == []
    everything = client.get("/api/v1/audit", params={"limit": 500}).text
    assert "x" * 20 not in everything


def test_a_revoked_token_is_audited_as_such(client: TestClient, bo: str) -> None:
    made = make_token(client, bearer(bo), scope="read")
    client.delete(f"/api/v1/tokens/{made['id']}", headers=bearer(bo))
    me(client, made["token"])
    (failed,) = audit(client, "authentication.failed")
    assert (failed["actor"], failed["target"]) == ("bo", f"token {made['id']}")
    assert failed["detail"] == {"reason": "revoked token"}


# -- who may make and revoke whose tokens -------------------------------------------------


def test_a_read_token_cannot_mint_tokens(client: TestClient, context: Context) -> None:
    """The read scope has no `token.own`: a read token makes no token at all, not even
    another read token, so it can never be widened into a write or admin one."""
    token = add_person(context, "vi", AccessRole.ADMIN, scope=Scope.READ)
    for scope in ("read", "write", "admin"):
        response = client.post(
            "/api/v1/tokens", json={"name": "wider", "scope": scope}, headers=bearer(token)
        )
        assert_problem(response, 403, "forbidden")
    everybody = client.get("/api/v1/tokens", params={"all": "true"}).json()["items"]
    assert "wider" not in {t["name"] for t in everybody}
    assert audit(client, "token.created", actor="vi", limit=5)[0]["detail"]["name"] == "tests"


def test_a_write_token_cannot_mint_an_admin_token(client: TestClient, context: Context) -> None:
    token = add_person(context, "wi", AccessRole.ADMIN, scope=Scope.WRITE)
    response = client.post(
        "/api/v1/tokens", json={"name": "wider", "scope": "admin"}, headers=bearer(token)
    )
    body = assert_problem(response, 422, "invalid-input")
    assert body["errors"] == [{"field": "scope", "message": body["errors"][0]["message"]}]
    assert "write" in body["detail"]
    assert "admin" in body["detail"]
    assert make_token(client, bearer(token), scope="write")["scope"] == "write"
    assert make_token(client, bearer(token), scope="read")["scope"] == "read"
    names = [t["name"] for t in client.get("/api/v1/tokens", headers=bearer(token)).json()["items"]]
    assert "wider" not in names


def test_an_admin_scope_token_of_a_non_admin_carries_only_their_role(
    client: TestClient, context: Context
) -> None:
    token = add_person(context, "vic", AccessRole.VIEWER, scope=Scope.ADMIN)
    made = make_token(client, bearer(token), scope="admin")
    assert made["scope"] == "admin"
    permissions = me(client, made["token"]).json()["permissions"]
    assert "token.any" not in permissions
    assert "audit.read" not in permissions
    assert_problem(
        client.post("/api/v1/incidents", json=INCIDENT, headers=bearer(made["token"])),
        403,
        "forbidden",
    )


def test_a_non_admin_cannot_touch_anybody_elses_tokens(
    client: TestClient, context: Context, bo: str
) -> None:
    cy = add_person(context, "cy", AccessRole.INCIDENT_MANAGER, scope=Scope.WRITE)
    cys = make_token(client, bearer(cy), scope="read")

    for owner in ("cy", "ana", "nobody"):
        response = client.post(
            "/api/v1/tokens", json={"name": "x", "scope": "read", "user": owner}, headers=bearer(bo)
        )
        assert_problem(response, 404, "not-found")
    # Someone else's token and a token that does not exist look the same.
    for token_id in (cys["id"], 1, 999_999):
        assert_problem(
            client.delete(f"/api/v1/tokens/{token_id}", headers=bearer(bo)), 404, "not-found"
        )
    assert me(client, cys["token"]).status_code == 200
    assert_problem(
        client.get("/api/v1/tokens", params={"all": "true"}, headers=bearer(bo)), 403, "forbidden"
    )
    own = client.get("/api/v1/tokens", headers=bearer(bo)).json()["items"]
    assert {t["user"] for t in own} == {"bo"}
    created = audit(client, "token.created", actor="bo")
    assert [e["detail"]["owner"] for e in created] == ["bo"]  # only add_person's own token
    assert audit(client, "token.revoked") == []


def test_an_admin_makes_lists_and_revokes_anybodys_tokens(client: TestClient, bo: str) -> None:
    made = make_token(client, {}, scope="write", user="bo")
    assert (made["user"], made["created_by"]) == ("bo", "ana")
    assert me(client, made["token"]).json()["name"] == "bo"

    everybody = client.get("/api/v1/tokens", params={"all": "true"}).json()["items"]
    assert {t["user"] for t in everybody} == {"ana", "bo"}
    assert [t["id"] for t in everybody] == sorted((t["id"] for t in everybody), reverse=True)
    assert {t["user"] for t in client.get("/api/v1/tokens").json()["items"]} == {"ana"}

    assert client.delete(f"/api/v1/tokens/{made['id']}").status_code == 200
    assert_unauthenticated(me(client, made["token"]), presented=made["token"])
    (revoked,) = audit(client, "token.revoked")
    assert (revoked["actor"], revoked["target"]) == ("ana", f"token {made['id']}")
    (created,) = audit(client, "token.created", actor="ana", target=f"token {made['id']}")
    made_with = created["detail"].pop("made_with")  # ana's own token, which made it
    assert made_with.startswith("token ")
    assert created["detail"] == {"owner": "bo", "scope": "write", "name": "ci"}


def test_an_admin_cannot_make_a_token_for_nobody_or_a_deactivated_person(
    client: TestClient, bo: str
) -> None:
    nobody = assert_problem(
        client.post("/api/v1/tokens", json={"name": "x", "scope": "read", "user": "nobody"}),
        422,
        "invalid-input",
    )
    assert nobody["errors"] == [{"field": "user", "message": "no user 'nobody'"}]
    assert client.patch("/api/v1/users/bo", json={"active": False}).status_code == 200
    deactivated = assert_problem(
        client.post("/api/v1/tokens", json={"name": "x", "scope": "read", "user": "bo"}),
        422,
        "invalid-input",
    )
    assert deactivated["detail"] == "user: 'bo' is deactivated"


def test_listing_everybodys_tokens_without_the_permission_is_audited(
    client: TestClient, bo: str
) -> None:
    """Every 403 goes to the audit log (see `fireline.entrypoints.api.auth`), this one too."""
    assert_problem(
        client.get("/api/v1/tokens", params={"all": "true"}, headers=bearer(bo)), 403, "forbidden"
    )
    (denied,) = audit(client, "permission.denied", actor="bo")
    assert denied["target"].startswith("GET /api/v1/tokens")


# -- what a listing shows, and when a token was last used ---------------------------------


def test_a_listing_shows_the_prefix_never_the_token(client: TestClient, bo: str) -> None:
    made = make_token(client, bearer(bo), scope="read")
    for headers, params in [(bearer(bo), {}), ({}, {"all": "true"})]:
        response = client.get("/api/v1/tokens", params=params, headers=headers)
        assert response.status_code == 200
        assert made["token"] not in response.text
        assert bo not in response.text
        listed = {t["id"]: t for t in response.json()["items"]}
        assert "token" not in listed[made["id"]]
        assert listed[made["id"]]["prefix"] == made["token"][:10]
        assert set(listed[made["id"]]) == {
            "id",
            "user",
            "name",
            "prefix",
            "scope",
            "created_at",
            "created_by",
            "expires_at",
            "revoked_at",
            "last_used_at",
        }


def test_last_used_at_is_set_on_first_use_and_touched_at_most_once_a_minute(
    client: TestClient, bo: str, clock: FakeClock
) -> None:
    made = make_token(client, bearer(bo), scope="read")

    def last_used() -> str | None:
        listed = client.get("/api/v1/tokens", params={"all": "true"}).json()["items"]
        value: str | None = {t["id"]: t for t in listed}[made["id"]]["last_used_at"]
        return value

    assert last_used() is None
    assert audit(client, "token.first_used", target=f"token {made['id']}") == []
    me(client, made["token"])
    first = last_used()
    assert first is not None
    clock.advance(seconds=59)
    me(client, made["token"])
    assert last_used() == first
    clock.advance(seconds=1)
    me(client, made["token"])
    later = last_used()
    assert later is not None
    assert later > first
    (first_used,) = audit(client, "token.first_used", target=f"token {made['id']}")
    assert first_used["actor"] == "bo"


def test_the_audit_log_tells_a_tokens_story(
    client: TestClient, anonymous: TestClient, context: Context, bo: str
) -> None:
    made = make_token(client, bearer(bo), scope="write")
    target = f"token {made['id']}"
    me(client, made["token"])
    client.delete(f"/api/v1/tokens/{made['id']}", headers=bearer(bo))
    me(client, made["token"])
    made_up = anonymous.get("/api/v1/me", headers=bearer("flt_never-issued-token-value"))
    assert_unauthenticated(made_up, presented="flt_never-issued-token-value")
    reader = add_person(context, "rd", AccessRole.RESPONDER, scope=Scope.READ)
    client.post("/api/v1/incidents", json=INCIDENT, headers=bearer(reader))

    story = [
        (e["action"], e["actor"])
        for e in reversed(
            audit(
                client,
                "token.created",
                "token.first_used",
                "token.revoked",
                "authentication.failed",
                target=target,
            )
        )
    ]
    assert story == [
        ("token.created", "bo"),
        ("token.first_used", "bo"),
        ("token.revoked", "bo"),
        ("authentication.failed", "bo"),
    ]
    assert audit(client, "authentication.failed", actor="(anonymous)") == []  # made-up: no entry
    (denied,) = audit(client, "permission.denied")
    assert (denied["actor"], denied["target"]) == ("rd", "POST /api/v1/incidents")
    text = client.get("/api/v1/audit", params={"limit": 500}).text
    assert made["token"] not in text
    assert "flt_never-issued-token-value" not in text


# -- deactivation -------------------------------------------------------------------------


def test_deactivating_a_person_revokes_their_tokens_and_reactivating_restores_access_only(
    client: TestClient, bo: str
) -> None:
    """Deactivated: every token of theirs is refused on the next request. Reactivated: they
    may work again, with new tokens; the old ones stay revoked (`people.update_user`)."""
    other = make_token(client, bearer(bo), scope="read")
    assert me(client, bo).status_code == 200

    off = client.patch("/api/v1/users/bo", json={"active": False})
    assert off.status_code == 200, off.text
    assert off.json()["active"] is False
    for token in (bo, other["token"]):
        assert_unauthenticated(me(client, token), presented=token)
        assert_unauthenticated(
            client.post("/api/v1/incidents", json=INCIDENT, headers=bearer(token)), presented=token
        )
    listed = client.get("/api/v1/tokens", params={"all": "true"}).json()["items"]
    assert all(t["revoked_at"] is not None for t in listed if t["user"] == "bo")
    revoked = audit(client, "token.revoked")
    assert len(revoked) == 2
    assert {(e["actor"], e["detail"].get("reason")) for e in revoked} == {
        ("ana", "owner deactivated")
    }
    assert audit(client, "authentication.failed", actor="bo")  # the refusals are recorded

    on = client.patch("/api/v1/users/bo", json={"active": True})
    assert on.status_code == 200, on.text
    for token in (bo, other["token"]):
        assert_unauthenticated(me(client, token), presented=token)
    fresh = make_token(client, {}, scope="write", user="bo")
    assert me(client, fresh["token"]).json()["name"] == "bo"
    assert (
        client.post("/api/v1/incidents", json=INCIDENT, headers=bearer(fresh["token"])).status_code
        == 201
    )
    assert [e["action"] for e in audit(client, "user.deactivated", "user.reactivated")] == [
        "user.reactivated",
        "user.deactivated",
    ]


def test_a_deactivated_person_cannot_mint_a_token_with_a_token_made_just_before(
    client: TestClient, bo: str
) -> None:
    made = make_token(client, bearer(bo), scope="write")
    client.patch("/api/v1/users/bo", json={"active": False})
    response = client.post(
        "/api/v1/tokens", json={"name": "escape", "scope": "read"}, headers=bearer(made["token"])
    )
    assert_unauthenticated(response, presented=made["token"])
    listed = client.get("/api/v1/tokens", params={"all": "true"}).json()["items"]
    assert "escape" not in {t["name"] for t in listed}


def test_a_role_change_applies_to_existing_tokens_on_the_next_request(
    client: TestClient, bo: str
) -> None:
    assert client.post("/api/v1/incidents", json=INCIDENT, headers=bearer(bo)).status_code == 201
    assert client.patch("/api/v1/users/bo", json={"role": "viewer"}).status_code == 200
    assert_problem(
        client.post("/api/v1/incidents", json=INCIDENT, headers=bearer(bo)), 403, "forbidden"
    )
    assert me(client, bo).json()["role"] == "viewer"


def test_a_token_never_outlives_the_token_it_was_made_with(
    client: TestClient, bo: str, clock: FakeClock
) -> None:
    parent = make_token(
        client,
        bearer(bo),
        scope="write",
        expires_at=(clock.now + timedelta(hours=1)).isoformat(),
    )
    forever = make_token(client, bearer(parent["token"]), scope="write")
    later = make_token(
        client,
        bearer(parent["token"]),
        scope="read",
        expires_at=(clock.now + timedelta(days=30)).isoformat(),
    )
    assert forever["expires_at"] == parent["expires_at"]
    assert later["expires_at"] == parent["expires_at"]
    made = audit(client, "token.created", target=f"token {forever['id']}")
    assert made[0]["detail"]["made_with"] == f"token {parent['id']}"
    clock.advance(hours=1)
    assert_unauthenticated(me(client, forever["token"]), presented=forever["token"])
