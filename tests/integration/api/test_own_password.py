"""People change their own password; deactivation takes every credential away for good."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fireline.bootstrap import Context
from fireline.domain.access import AccessRole
from fireline.domain.incident import Draft
from fireline.domain.incident import declare_incident as declare_rule
from fireline.services import demo, people
from tests.integration.api.conftest import add_person, bearer

OLD = "an old long password"
NEW = "a new longer password"


def sign_in(app: FastAPI, name: str, password: str) -> int:
    with TestClient(app, follow_redirects=False) as browser:
        form = browser.get("/login")
        assert form.status_code == 200
        csrf = browser.cookies["fireline_login_csrf"]
        data = {"name": name, "password": password, "csrf_token": csrf}
        return browser.post("/login", data=data).status_code


def test_a_person_changes_their_password_knowing_the_current_one(
    context: Context, app: FastAPI
) -> None:
    token = add_person(context, "rita", AccessRole.VIEWER, password=OLD)
    with TestClient(app, headers=bearer(token)) as rita:
        wrong = rita.put(
            "/api/v1/me/password", json={"current_password": "guess", "new_password": NEW}
        )
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["field"] == "current_password"
        assert "guess" not in wrong.text
        short = rita.put(
            "/api/v1/me/password", json={"current_password": OLD, "new_password": "short"}
        )
        assert short.status_code == 422
        changed = rita.put(
            "/api/v1/me/password", json={"current_password": OLD, "new_password": NEW}
        )
        assert changed.status_code == 204
    assert sign_in(app, "rita", OLD) == 401
    assert sign_in(app, "rita", NEW) == 303


def test_deactivating_revokes_tokens_so_reactivating_restores_no_old_credential(
    context: Context, app: FastAPI, client: TestClient
) -> None:
    token = add_person(context, "rita", AccessRole.RESPONDER)
    with TestClient(app, headers=bearer(token)) as rita:
        assert rita.get("/api/v1/me").status_code == 200
        assert client.patch("/api/v1/users/rita", json={"active": False}).status_code == 200
        assert rita.get("/api/v1/me").status_code == 401
        assert client.patch("/api/v1/users/rita", json={"active": True}).status_code == 200
        assert rita.get("/api/v1/me").status_code == 401
    tokens = client.get("/api/v1/tokens", params={"all": "true"}).json()["items"]
    assert [t["revoked_at"] is not None for t in tokens if t["user"] == "rita"] == [True]
    audit = client.get("/api/v1/audit", params={"action": "token.revoked"}).json()["items"]
    assert audit[0]["detail"] == {"reason": "owner deactivated"}


def test_demo_people_are_added_only_to_a_database_without_people(context: Context) -> None:
    add_person(context, "omar", AccessRole.VIEWER)
    added = demo.seed_demo_people(context.database, context.hasher, now=context.clock())
    assert added == []

    assert [u.name for u in people.list_users(context.database)] == ["omar"]
    assert people.list_teams(context.database) == []


def test_demo_people_are_not_added_to_a_database_in_use_before_it_had_people(
    context: Context,
) -> None:
    # Declaring names only people who exist now, so the incident of a database from before
    # access control (reported by someone who never became a user) is written as it was.
    incident, _ = declare_rule(
        Draft(title="Real outage", type="data", reporter="ops"),
        incident_id="INC-2026-1125-001",
        policy=context.policies.current,
        policy_version=context.policies.current_version,
        service_tiers={},
        now=context.clock(),
    )
    with context.database.transaction() as store:
        store.add_incident(incident)
    assert demo.seed_demo_people(context.database, context.hasher, now=context.clock()) == []
    assert people.list_users(context.database) == []


def test_a_new_database_gets_one_demo_person_per_access_role(context: Context) -> None:
    added = demo.seed_demo_people(context.database, context.hasher, now=context.clock())
    roles = {user.role for user in people.list_users(context.database)}
    assert sorted(added) == sorted(user.name for user in demo.DEMO_PEOPLE)
    assert roles == set(AccessRole)


def test_guessing_the_current_password_locks_like_signing_in_does(
    context: Context, app: FastAPI
) -> None:
    token = add_person(context, "rita", AccessRole.VIEWER, password=OLD)
    with TestClient(app, headers=bearer(token)) as rita:
        answers = [
            rita.put(
                "/api/v1/me/password",
                json={"current_password": f"guess {n}", "new_password": NEW},
            )
            for n in range(7)
        ]
        assert [a.status_code for a in answers] == [422] * 6 + [429]
        assert answers[-1].json()["type"] == "/problems/too-many-attempts"
        assert int(answers[-1].headers["Retry-After"]) > 0
        # Locked: even the right current password waits.
        right = {"current_password": OLD, "new_password": NEW}
        assert rita.put("/api/v1/me/password", json=right).status_code == 429
    # The account lock is the sign-in lock too.
    assert sign_in(app, "rita", OLD) == 429
