"""Users, teams and the audit log through the API (as ana, the admin, unless said)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy.exc
from fastapi.testclient import TestClient
from sqlalchemy import text

from fireline.bootstrap import Context
from fireline.domain.access import AccessRole
from tests.integration.api.conftest import FakeClock, add_person, bearer

FULL_USER = {
    "name": "dana.o-k_2",
    "email": "dana@example.test",
    "role": "responder",
    "full_name": "Dana Ökland",
    "phone": "+4915112345678",
    "chat_handle": "@dana",
    "time_zone": "Europe/Berlin",
    "password": "a long enough password",
}


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert (body["type"], body["status"]) == (f"/problems/{slug}", status)
    return body


def audit(client: TestClient, *actions: str, **filters: object) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit", params={"action": list(actions), **filters})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def new_user(client: TestClient, name: str, role: str = "viewer", **fields: object) -> None:
    body = {"name": name, "email": f"{name}@example.test", "role": role, **fields}
    response = client.post("/api/v1/users", json=body)
    assert response.status_code == 201, response.text


def new_team(client: TestClient, name: str, description: str = "") -> None:
    response = client.post("/api/v1/teams", json={"name": name, "description": description})
    assert response.status_code == 201, response.text


# -- users --------------------------------------------------------------------------------


def test_a_user_is_created_with_every_field_and_shown(client: TestClient) -> None:
    created = client.post("/api/v1/users", json=FULL_USER)
    assert created.status_code == 201, created.text
    expected = {k: v for k, v in FULL_USER.items() if k != "password"}
    body = created.json()
    assert {k: body[k] for k in expected} == expected
    assert body["active"] is True
    assert body["teams"] == []
    assert body["created_at"].startswith("2026-11-25T09:30:00")
    assert "password" not in body
    assert "password_hash" not in body

    shown = client.get("/api/v1/users/dana.o-k_2").json()
    assert {k: shown[k] for k in expected} == expected
    (entry,) = audit(client, "user.created", target="dana.o-k_2")
    assert (entry["actor"], entry["detail"]) == ("ana", {"role": "responder"})


def test_a_user_needs_only_name_email_and_role(client: TestClient) -> None:
    created = client.post(
        "/api/v1/users", json={"name": "min", "email": "min@example.test", "role": "viewer"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["full_name"], body["phone"], body["chat_handle"], body["time_zone"]) == (
        "",
        None,
        None,
        "UTC",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "Dana"}, "name"),
        ({"name": "da na"}, "name"),
        ({"name": "-dana"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "d" * 65}, "name"),
        ({"email": "dana"}, "email"),
        ({"email": "dana@example"}, "email"),
        ({"email": "da na@example.test"}, "email"),
        ({"email": "a@b@example.test"}, "email"),
        ({"phone": "015112345678"}, "phone"),
        ({"phone": "+49 151 1234"}, "phone"),
        ({"phone": "+0123456789"}, "phone"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"role": "superuser"}, "role"),
        ({"full_name": "Dana\nÖkland"}, "full_name"),
        ({"chat_handle": "   "}, "chat_handle"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_user_field_is_a_422_naming_it(
    client: TestClient, changes: dict[str, object], field: str
) -> None:
    response = client.post("/api/v1/users", json={**FULL_USER, **changes})
    body = assert_problem(response, 422, "invalid-input")
    assert field in {error["field"] for error in body["errors"]}, body
    assert field in body["detail"]
    assert FULL_USER["password"] not in response.text
    assert client.get(f"/api/v1/users/{FULL_USER['name']}").status_code == 404
    assert audit(client, "user.created", target=FULL_USER["name"]) == []


def test_a_taken_name_or_email_is_a_409(client: TestClient) -> None:
    new_user(client, "dana", email="dana@example.test")
    same_name = client.post(
        "/api/v1/users", json={"name": "dana", "email": "other@example.test", "role": "viewer"}
    )
    assert "dana" in assert_problem(same_name, 409, "conflict")["detail"]
    same_email = client.post(
        "/api/v1/users", json={"name": "other", "email": "dana@example.test", "role": "viewer"}
    )
    assert "dana@example.test" in assert_problem(same_email, 409, "conflict")["detail"]
    assert client.get("/api/v1/users/other").status_code == 404
    assert [u["name"] for u in client.get("/api/v1/users").json()["items"]] == ["ana", "dana"]
    new_user(client, "erin")
    taken = client.patch("/api/v1/users/erin", json={"email": "dana@example.test"})
    assert_problem(taken, 409, "conflict")
    assert client.get("/api/v1/users/erin").json()["email"] == "erin@example.test"


def test_users_are_listed_by_name_and_shown_with_their_teams(
    client: TestClient, context: Context
) -> None:
    add_person(context, "zed", AccessRole.VIEWER, teams=("payments", "security"))
    new_user(client, "bo", "responder", phone="+4915112345678")
    listed = client.get("/api/v1/users").json()["items"]
    assert [u["name"] for u in listed] == ["ana", "bo", "zed"]
    assert listed[1]["phone"] == "+4915112345678"
    shown = client.get("/api/v1/users/zed").json()
    assert shown["teams"] == ["payments", "security"]
    assert client.get("/api/v1/users/bo").json()["teams"] == []


def test_an_unknown_or_malformed_user_name_is_a_404(client: TestClient) -> None:
    for name in ("nobody", "Nobody", "x" * 300, "%20"):
        assert_problem(client.get(f"/api/v1/users/{name}"), 404, "not-found")
        assert_problem(
            client.patch(f"/api/v1/users/{name}", json={"role": "admin"}), 404, "not-found"
        )


def test_a_role_change_is_audited_with_before_and_after(client: TestClient) -> None:
    new_user(client, "bo", "viewer")
    changed = client.patch("/api/v1/users/bo", json={"role": "incident_manager"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "incident_manager"
    assert client.get("/api/v1/users/bo").json()["role"] == "incident_manager"
    (entry,) = audit(client, "user.role_changed")
    assert (entry["actor"], entry["target"]) == ("ana", "bo")
    assert entry["detail"] == {"before": "viewer", "after": "incident_manager"}

    same = client.patch("/api/v1/users/bo", json={"role": "incident_manager"})
    assert same.status_code == 200
    assert len(audit(client, "user.role_changed")) == 1  # no change, no entry


def test_contact_changes_are_audited_by_field_name_only(client: TestClient) -> None:
    new_user(client, "bo", phone="+4915112345678")
    changed = client.patch(
        "/api/v1/users/bo",
        json={"phone": None, "time_zone": "America/New_York", "full_name": "Bo B"},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["phone"], changed.json()["time_zone"]) == (None, "America/New_York")
    (entry,) = audit(client, "user.changed")
    assert sorted(entry["detail"]["fields"]) == ["full_name", "phone", "time_zone"]
    assert "+4915112345678" not in str(entry)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "superuser"}, "role"),
        ({"email": "nope"}, "email"),
        ({"time_zone": "Nowhere/Land"}, "time_zone"),
        ({"phone": "12"}, "phone"),
        ({"email": None}, "email"),
        ({"active": "no"}, "active"),
        ({"name": "renamed"}, "name"),
    ],
)
def test_a_bad_change_is_a_422_naming_the_field_and_changes_nothing(
    client: TestClient, body: dict[str, object], field: str
) -> None:
    new_user(client, "bo", "viewer")
    before = client.get("/api/v1/users/bo").json()
    response = client.patch("/api/v1/users/bo", json=body)
    problem = assert_problem(response, 422, "invalid-input")
    assert field in {error["field"] for error in problem["errors"]}, problem
    assert client.get("/api/v1/users/bo").json() == before
    assert audit(client, "user.changed", "user.role_changed", "user.deactivated") == []


def test_a_non_admin_may_read_people_but_not_change_them(
    client: TestClient, context: Context
) -> None:
    responder = bearer(add_person(context, "rita", AccessRole.RESPONDER))
    viewer = bearer(add_person(context, "vic", AccessRole.VIEWER))
    assert client.get("/api/v1/users", headers=responder).status_code == 200
    assert client.get("/api/v1/teams", headers=responder).status_code == 200
    for headers in (responder, viewer):
        attempts = [
            client.post(
                "/api/v1/users",
                json={"name": "eve", "email": "eve@example.test", "role": "admin"},
                headers=headers,
            ),
            client.patch("/api/v1/users/rita", json={"role": "admin"}, headers=headers),
            client.post("/api/v1/teams", json={"name": "rogue"}, headers=headers),
            client.put("/api/v1/teams/rogue/members/rita", headers=headers),
        ]
        for response in attempts:
            assert_problem(response, 403, "forbidden")
    assert_problem(client.get("/api/v1/users", headers=viewer), 403, "forbidden")
    assert client.get("/api/v1/users/rita").json()["role"] == "responder"
    assert client.get("/api/v1/users/eve").status_code == 404


# -- teams --------------------------------------------------------------------------------


def test_teams_are_created_listed_and_shown(client: TestClient) -> None:
    created = client.post("/api/v1/teams", json={"name": "payments", "description": "Money"})
    assert created.status_code == 201, created.text
    assert created.json() == {"name": "payments", "description": "Money", "members": []}
    new_team(client, "checkout")
    listed = client.get("/api/v1/teams").json()["items"]
    assert [t["name"] for t in listed] == ["checkout", "payments"]
    assert client.get("/api/v1/teams/payments").json()["description"] == "Money"
    (entry,) = audit(client, "team.created", target="payments")
    assert entry["actor"] == "ana"

    assert_problem(client.post("/api/v1/teams", json={"name": "payments"}), 409, "conflict")
    for bad in ("Payments", "", "pay ments", "p" * 65):
        body = assert_problem(
            client.post("/api/v1/teams", json={"name": bad}), 422, "invalid-input"
        )
        assert "name" in {error["field"] for error in body["errors"]}
    too_long = client.post("/api/v1/teams", json={"name": "x", "description": "d" * 2_001})
    assert "description" in {
        e["field"] for e in assert_problem(too_long, 422, "invalid-input")["errors"]
    }


def test_members_are_added_and_removed_and_audited(client: TestClient) -> None:
    new_team(client, "payments")
    new_user(client, "bo")
    new_user(client, "cy")
    added = client.put("/api/v1/teams/payments/members/bo")
    assert added.status_code == 200, added.text
    assert added.json()["members"] == ["bo"]
    assert client.put("/api/v1/teams/payments/members/cy").json()["members"] == ["bo", "cy"]
    again = client.put("/api/v1/teams/payments/members/bo")
    assert again.json()["members"] == ["bo", "cy"]
    assert client.get("/api/v1/teams/payments").json()["members"] == ["bo", "cy"]
    assert client.get("/api/v1/users/bo").json()["teams"] == ["payments"]
    listed = client.get("/api/v1/teams").json()["items"]
    assert listed == [{"name": "payments", "description": "", "members": ["bo", "cy"]}]

    removed = client.delete("/api/v1/teams/payments/members/bo")
    assert removed.status_code == 200, removed.text
    assert removed.json()["members"] == ["cy"]
    assert client.delete("/api/v1/teams/payments/members/bo").json()["members"] == ["cy"]
    assert client.get("/api/v1/users/bo").json()["teams"] == []

    entries = audit(client, "team.member_added", "team.member_removed")
    assert [(e["action"], e["target"], e["detail"]) for e in reversed(entries)] == [
        ("team.member_added", "payments", {"user": "bo"}),
        ("team.member_added", "payments", {"user": "cy"}),
        ("team.member_removed", "payments", {"user": "bo"}),
    ]


def test_membership_gives_the_member_their_teams_on_the_next_request(
    client: TestClient, context: Context
) -> None:
    token = add_person(context, "bo", AccessRole.RESPONDER)
    new_team(client, "security")
    assert client.get("/api/v1/me", headers=bearer(token)).json()["teams"] == []
    client.put("/api/v1/teams/security/members/bo")
    assert client.get("/api/v1/me", headers=bearer(token)).json()["teams"] == ["security"]
    client.delete("/api/v1/teams/security/members/bo")
    assert client.get("/api/v1/me", headers=bearer(token)).json()["teams"] == []


def test_an_unknown_team_or_user_is_a_404(client: TestClient) -> None:
    new_team(client, "payments")
    new_user(client, "bo")
    assert_problem(client.get("/api/v1/teams/nope"), 404, "not-found")
    assert_problem(client.get("/api/v1/teams/NOPE"), 404, "not-found")
    for method in ("PUT", "DELETE"):
        assert_problem(client.request(method, "/api/v1/teams/nope/members/bo"), 404, "not-found")
        assert_problem(
            client.request(method, "/api/v1/teams/payments/members/nobody"), 404, "not-found"
        )
        assert_problem(
            client.request(method, "/api/v1/teams/payments/members/Bad%20Name"), 404, "not-found"
        )
    assert client.get("/api/v1/teams/payments").json()["members"] == []
    assert audit(client, "team.member_added", "team.member_removed") == []


# -- the audit log ------------------------------------------------------------------------


def test_the_audit_log_filters_by_actor_and_actions(client: TestClient, context: Context) -> None:
    admin2 = bearer(add_person(context, "root", AccessRole.ADMIN))
    new_user(client, "bo")
    new_team(client, "payments")
    client.put("/api/v1/teams/payments/members/bo")
    client.post(
        "/api/v1/users",
        json={"name": "cy", "email": "cy@example.test", "role": "viewer"},
        headers=admin2,
    )
    client.patch("/api/v1/users/cy", json={"role": "reporter"}, headers=admin2)

    by_root = audit(client, actor="root")
    assert [e["action"] for e in by_root] == [
        "user.role_changed",
        "user.created",
        "token.first_used",
        "token.created",  # add_person made root's token as root
    ]
    both = audit(client, "user.created", "team.created")
    assert [(e["action"], e["target"], e["actor"]) for e in both] == [
        ("user.created", "cy", "root"),
        ("team.created", "payments", "ana"),
        ("user.created", "bo", "ana"),
        ("user.created", "root", "test"),  # add_person's, straight through the services
        ("user.created", "ana", "test"),
    ]
    assert [e["target"] for e in audit(client, "user.created", actor="ana")] == ["bo"]
    assert audit(client, "user.created", actor="nobody") == []
    assert [e["detail"] for e in audit(client, target="cy")] == [
        {"before": "viewer", "after": "reporter"},
        {"role": "viewer"},
    ]
    seqs = [e["seq"] for e in audit(client, limit=500)]
    assert seqs == sorted(seqs, reverse=True)
    assert len(set(seqs)) == len(seqs)

    unknown = client.get("/api/v1/audit", params={"action": "user.exploded"})
    fields = {e["field"] for e in assert_problem(unknown, 422, "invalid-input")["errors"]}
    assert fields == {"action.0"}  # the first (only) `action` given


def test_the_audit_log_filters_by_time(client: TestClient, clock: FakeClock) -> None:
    new_user(client, "early")  # 2026-11-25 09:30 UTC
    clock.advance(hours=1)
    new_user(client, "mid")  # 10:30
    clock.advance(days=1)
    new_user(client, "late")  # 2026-11-26 10:30

    def targets(**filters: str) -> list[str]:
        return [e["target"] for e in audit(client, "user.created", actor="ana", **filters)]

    assert targets() == ["late", "mid", "early"]
    assert targets(**{"from": "2026-11-25T10:00:00Z"}) == ["late", "mid"]
    assert targets(until="2026-11-25T10:00:00Z") == ["early"]
    assert targets(**{"from": "2026-11-25T10:30:00Z"}) == ["late", "mid"]  # from is inclusive
    assert targets(until="2026-11-25T10:30:00Z") == ["early"]  # until is exclusive
    assert targets(**{"from": "2026-11-25T10:00:00Z", "until": "2026-11-26T00:00:00Z"}) == ["mid"]
    assert targets(**{"from": "2026-11-26"}) == ["late"]
    assert targets(
        **{"from": "2026-11-25T11:00:00+01:00", "until": "2026-11-25T12:00:00+01:00"}
    ) == ["mid"]
    for name, value in [("from", "yesterday"), ("until", "2026-11-25T10:00:00")]:
        problem = assert_problem(
            client.get("/api/v1/audit", params={name: value}), 422, "invalid-input"
        )
        assert name in {e["field"] for e in problem["errors"]}


def test_the_audit_log_pages_with_before_and_next_before(client: TestClient) -> None:
    for n in range(7):
        new_user(client, f"user{n}")
    everything = audit(client, "user.created", actor="ana", limit=500)
    assert len(everything) == 7
    assert client.get("/api/v1/audit", params={"limit": 500}).json()["next_before"] is None

    seen: list[dict[str, Any]] = []
    params: dict[str, object] = {"action": "user.created", "actor": "ana", "limit": 3}
    pages = 0
    while True:
        page = client.get("/api/v1/audit", params=params).json()
        pages += 1
        assert len(page["items"]) <= 3
        seen.extend(page["items"])
        if page["next_before"] is None:
            break
        assert page["next_before"] == page["items"][-1]["seq"]
        params["before"] = page["next_before"]
    assert pages == 3
    assert seen == everything

    only_ana = {"action": "user.created", "actor": "ana"}
    exact = client.get("/api/v1/audit", params={**only_ana, "limit": 7}).json()
    assert len(exact["items"]) == 7
    assert exact["next_before"] is None
    oldest = everything[-1]["seq"]
    after_oldest = client.get("/api/v1/audit", params={**only_ana, "before": oldest})
    assert after_oldest.json() == {"items": [], "next_before": None}
    for params_bad in ({"limit": 0}, {"limit": 501}, {"before": 0}, {"before": "x"}):
        assert_problem(client.get("/api/v1/audit", params=params_bad), 422, "invalid-input")


def test_only_admins_read_the_audit_log(client: TestClient, context: Context) -> None:
    for name, role in [
        ("vic", AccessRole.VIEWER),
        ("rita", AccessRole.RESPONDER),
        ("ima", AccessRole.INCIDENT_MANAGER),
    ]:
        token = add_person(context, name, role)
        response = client.get("/api/v1/audit", headers=bearer(token))
        assert_problem(response, 403, "forbidden")
        assert "audit.read" in response.json()["detail"]
        assert '"items"' not in response.text
    denied = audit(client, "permission.denied")
    assert {(e["actor"], e["target"]) for e in denied} == {
        (name, "GET /api/v1/audit") for name in ("vic", "rita", "ima")
    }


def test_the_audit_log_is_append_only_in_the_database(client: TestClient, context: Context) -> None:
    new_user(client, "bo")
    before = audit(client, limit=500)
    assert before
    engine = context.database.engine
    for statement in (
        "UPDATE audit_log SET actor = 'nobody'",
        "UPDATE audit_log SET detail = '{}' WHERE action = 'user.created'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE actor = 'ana'",
    ):
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"), engine.begin() as c:
            c.execute(text(statement))
    assert audit(client, limit=500) == before
    with engine.begin() as connection:  # appending is what it is for
        count = connection.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    assert count == len(before)
