"""No password, token or secret appears in the database in clear, in logs, or in error messages.

Each test runs a realistic flow with every log record captured at DEBUG (SQLAlchemy's
statements and parameters included) and every response recorded, then looks for each secret
it used: in every text value of every table (and, on SQLite, in the raw database files), in
the log, and in every response except the one place it is meant to be shown.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from fireline.bootstrap import Context
from fireline.entrypoints.api.auth import SESSION_COOKIE
from fireline.entrypoints.web.sessions import LOGIN_CSRF_COOKIE
from fireline.services.authentication import LoginRefused, digest_of, log_in, log_out
from tests.integration.api.conftest import bearer

INCIDENT = {"title": "Checkout is down", "type": "infrastructure"}
BO_PASSWORD = "bo-correct-horse-battery"
BO_NEW_PASSWORD = "bo-second-staple-ladder"
BO_OWN_PASSWORD = "bo-third-chosen-by-bo"
CY_PASSWORD = "cy-purple-monkey-dishwasher"
WRONG_PASSWORDS = ("bo-wrong-guess-number-one", "cy-wrong-guess-number-two", "nobody-guess-3")
SHORT_PASSWORD = "short-pw1"
LONG_PASSWORD = "long-password-" + "z" * 1_000

Allowed = Callable[[httpx.Response], bool]


def nowhere(_: httpx.Response) -> bool:
    return False


def on_paths(*paths: str) -> Allowed:
    return lambda response: response.request.url.path in paths


@dataclass
class Witness:
    """Every response the clients received, and every secret with where it may be shown."""

    responses: list[httpx.Response] = field(default_factory=list)
    secrets: dict[str, tuple[str, Allowed]] = field(default_factory=dict)

    def watch(self, client: TestClient) -> TestClient:
        client.event_hooks = {"request": [], "response": [self._record]}
        return client

    def _record(self, response: httpx.Response) -> None:
        response.read()
        self.responses.append(response)

    def secret(self, value: str, kind: str, shown: Allowed = nowhere) -> str:
        assert len(value) >= 8, f"{kind} {value!r} is too short to search for"
        self.secrets[value] = (kind, shown)
        return value

    def assert_kept(self, context: Context, database_url: str, log: str) -> None:
        assert len(self.secrets) >= 10
        assert self.responses
        stored = database_text(context)
        raw = raw_database_files(database_url)
        leaks = []
        for secret, (kind, shown) in self.secrets.items():
            if secret in stored:
                leaks.append(f"{kind} in the database")
            if raw is not None and secret.encode() in raw:
                leaks.append(f"{kind} in the SQLite files")
            if secret in log:
                leaks.append(f"{kind} in the log")
            for response in self.responses:
                where = f"{response.request.method} {response.request.url.path}"
                if secret in response.text and not shown(response):
                    leaks.append(f"{kind} in the body of {where} ({response.status_code})")
                headers = [
                    f"{k}: {v}" for k, v in response.headers.multi_items() if k != "set-cookie"
                ]
                if secret in "\n".join(headers):
                    leaks.append(f"{kind} in a header of {where}")
        assert leaks == []


def database_text(context: Context) -> str:
    """Every value of every row of every table, as text."""
    engine = context.database.engine
    values = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        values.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        values.append(str(value))
    return "\n".join(values)


def raw_database_files(database_url: str) -> bytes | None:
    """The SQLite database file and its write-ahead log, byte for byte (None: PostgreSQL)."""
    if not database_url.startswith("sqlite:///"):
        return None
    path = Path(database_url.removeprefix("sqlite:///"))
    files = [path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-journal"))]
    return b"".join(f.read_bytes() for f in files if f.exists())


def form_csrf(response: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert found, response.text
    return found.group(1)


def set_up_people(client: TestClient, witness: Witness) -> None:
    """bo and cy, with passwords, created through the API; bo's password is changed once."""
    witness.secret(client.headers["authorization"].removeprefix("Bearer "), "ana's token")
    for password in (BO_PASSWORD, BO_NEW_PASSWORD, BO_OWN_PASSWORD, CY_PASSWORD, *WRONG_PASSWORDS):
        witness.secret(password, "a password")
    witness.secret(SHORT_PASSWORD, "a too-short password")
    witness.secret(LONG_PASSWORD, "a too-long password")
    for name, role, password in [("bo", "responder", BO_PASSWORD), ("cy", "viewer", CY_PASSWORD)]:
        response = client.post(
            "/api/v1/users",
            json={
                "name": name,
                "email": f"{name}@example.test",
                "role": role,
                "password": password,
            },
        )
        assert response.status_code == 201, response.text
    for password in (SHORT_PASSWORD, LONG_PASSWORD):
        refused = client.post(
            "/api/v1/users",
            json={
                "name": "dee",
                "email": "dee@example.test",
                "role": "viewer",
                "password": password,
            },
        )
        assert refused.status_code == 422, refused.text
        assert "password" in {e["field"] for e in refused.json()["errors"]}
        refused = client.put("/api/v1/users/cy/password", json={"password": password})
        assert refused.status_code == 422, refused.text
    assert client.get("/api/v1/users/dee").status_code == 404
    changed = client.put("/api/v1/users/bo/password", json={"password": BO_NEW_PASSWORD})
    assert changed.status_code == 204, changed.text


def use_tokens(client: TestClient, anonymous: TestClient, witness: Witness) -> str:
    """Tokens made by an admin and by their owner, used, revoked, and made up; returns bo's
    write token."""
    made = client.post("/api/v1/tokens", json={"name": "for bo", "scope": "write", "user": "bo"})
    assert made.status_code == 201, made.text
    bo = witness.secret(made.json()["token"], "bo's token", lambda r: r is made)
    own = client.post(
        "/api/v1/tokens", json={"name": "bo's own", "scope": "read"}, headers=bearer(bo)
    )
    assert own.status_code == 201, own.text
    read = witness.secret(own.json()["token"], "bo's read token", lambda r: r is own)

    assert client.post("/api/v1/incidents", json=INCIDENT, headers=bearer(bo)).status_code == 201
    assert client.get("/api/v1/incidents", headers=bearer(read)).status_code == 200
    assert client.post("/api/v1/incidents", json=INCIDENT, headers=bearer(read)).status_code == 403
    assert client.get("/api/v1/tokens", headers=bearer(bo)).status_code == 200
    assert client.get("/api/v1/tokens", params={"all": "true"}).status_code == 200
    assert (
        client.delete(f"/api/v1/tokens/{own.json()['id']}", headers=bearer(bo)).status_code == 200
    )
    assert anonymous.get("/api/v1/me", headers=bearer(read)).status_code == 401
    for made_up in ("flt_" + "q" * 43, "not-even-a-fireline-token", "flt_" + "w" * 300):
        witness.secret(made_up, "a made-up token")
        assert anonymous.get("/api/v1/me", headers=bearer(made_up)).status_code == 401
        response = anonymous.get("/api/v1/me", headers={"Authorization": f"Basic {made_up}"})
        assert response.status_code == 401
    assert client.get("/api/v1/audit", params={"limit": 500}).status_code == 200
    return bo


def use_a_session(
    browser: TestClient,
    session_id: str,
    witness: Witness,
    sign_out: Callable[[str], None] | None = None,
) -> None:
    """Signed in: read, write with and without the CSRF token, show /login, sign out (with
    the form, unless `sign_out` is given)."""
    witness.secret(session_id, "a session ID")
    me = browser.get("/api/v1/me")
    assert me.status_code == 200, me.text
    csrf = witness.secret(
        me.json()["csrf_token"], "a session's CSRF token", on_paths("/api/v1/me", "/login")
    )
    assert browser.post("/api/v1/incidents", json=INCIDENT).status_code == 403
    declared = browser.post("/api/v1/incidents", json=INCIDENT, headers={"X-CSRF-Token": csrf})
    assert declared.status_code == 201, declared.text
    assert (
        browser.post(
            "/api/v1/incidents", json=INCIDENT, headers={"X-CSRF-Token": "x" * 64}
        ).status_code
        == 403
    )
    signed_in_page = browser.get("/login")
    assert "Signed in as" in signed_in_page.text
    assert csrf in signed_in_page.text
    if sign_out is None:
        assert browser.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
        out = browser.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert out.status_code == 303, out.text
    else:
        sign_out(session_id)
    browser.cookies.clear()
    after = browser.get("/api/v1/me", headers={"Cookie": f"{SESSION_COOKIE}={session_id}"})
    assert after.status_code == 401


def change_own_password(client: TestClient, token: str) -> None:
    """bo changes his own password: with a wrong current one, a too-short new one, then right."""
    for current, new, named in [
        (WRONG_PASSWORDS[0], BO_OWN_PASSWORD, "current_password"),
        (BO_NEW_PASSWORD, SHORT_PASSWORD, "new_password"),
        (BO_NEW_PASSWORD, LONG_PASSWORD, "new_password"),
    ]:
        refused = client.put(
            "/api/v1/me/password",
            json={"current_password": current, "new_password": new},
            headers=bearer(token),
        )
        assert refused.status_code == 422, refused.text
        assert named in {e["field"] for e in refused.json()["errors"]}, refused.text
    changed = client.put(
        "/api/v1/me/password",
        json={"current_password": BO_NEW_PASSWORD, "new_password": BO_OWN_PASSWORD},
        headers=bearer(token),
    )
    assert changed.status_code == 204, changed.text


@pytest.fixture
def witness(caplog: pytest.LogCaptureFixture) -> Witness:
    """Capture every log record, SQLAlchemy's statements, parameters and rows included
    (SQLAlchemy sets its own loggers to WARNING unless told otherwise)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    return Witness()


def test_signing_in_on_the_web_leaves_no_secret_behind(
    client: TestClient,
    app: FastAPI,
    context: Context,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    witness: Witness,
) -> None:
    witness.watch(client)
    set_up_people(client, witness)
    with witness.watch(TestClient(app)) as browser, witness.watch(TestClient(app)) as anonymous:
        use_tokens(client, anonymous, witness)

        form = browser.get("/login")
        assert form.status_code == 200
        for name, wrong in zip(("bo", "cy", "nobody"), WRONG_PASSWORDS, strict=True):
            token = witness.secret(
                form_csrf(form), "a sign-in form's CSRF token", on_paths("/login")
            )
            form = browser.post(
                "/login", data={"name": name, "password": wrong, "csrf_token": token}
            )
            assert form.status_code == 401, form.text
            assert "Wrong name or password" in form.text
        # bo's first password stopped working when it was changed.
        token = witness.secret(form_csrf(form), "a sign-in form's CSRF token", on_paths("/login"))
        form = browser.post(
            "/login", data={"name": "bo", "password": BO_PASSWORD, "csrf_token": token}
        )
        assert form.status_code == 401, form.text
        # A form posted without its cookie (another site's) is refused.
        stolen = form_csrf(form)
        witness.secret(stolen, "a sign-in form's CSRF token", on_paths("/login"))
        refused = anonymous.post(
            "/login", data={"name": "bo", "password": BO_NEW_PASSWORD, "csrf_token": stolen}
        )
        assert refused.status_code == 403, refused.text

        signed_in = browser.post(
            "/login",
            data={"name": "bo", "password": BO_NEW_PASSWORD, "csrf_token": stolen},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303, signed_in.text
        assert LOGIN_CSRF_COOKIE not in {c.name for c in browser.cookies.jar if c.value}
        session_id = signed_in.cookies[SESSION_COOKIE]
        assert session_id not in signed_in.text
        use_a_session(browser, session_id, witness)

        with context.database.engine.connect() as connection:  # what is stored instead
            digests = connection.execute(text("SELECT digest FROM sessions")).scalars().all()
        assert digest_of(session_id) in digests
    assert digest_of(session_id) in caplog.text  # SQL parameters are in the log
    witness.assert_kept(context, database_url, caplog.text)


def test_using_the_api_leaves_no_secret_behind(
    client: TestClient,
    app: FastAPI,
    context: Context,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    witness: Witness,
) -> None:
    """The same without the sign-in form: sessions are started by the use case it calls."""
    witness.watch(client)
    set_up_people(client, witness)
    with witness.watch(TestClient(app)) as browser, witness.watch(TestClient(app)) as anonymous:
        bo = use_tokens(client, anonymous, witness)
        for name, wrong in [
            ("bo", WRONG_PASSWORDS[0]),
            ("bo", BO_PASSWORD),
            ("x", WRONG_PASSWORDS[2]),
        ]:
            with pytest.raises(LoginRefused):
                log_in(
                    context.database,
                    context.hasher,
                    name,
                    wrong,
                    now=context.clock(),
                    client="testclient",
                )
        signed_in = log_in(
            context.database,
            context.hasher,
            "bo",
            BO_NEW_PASSWORD,
            now=context.clock(),
            client="testclient",
        )
        browser.cookies.set(SESSION_COOKIE, signed_in.session_id, domain="testserver.local")
        use_a_session(
            browser,
            signed_in.session_id,
            witness,
            lambda session_id: log_out(
                context.database, session_id, now=context.clock(), client="testclient"
            ),
        )
        change_own_password(client, bo)

    stored = database_text(context)
    assert "bo@example.test" in stored
    assert "$argon2id$" in stored
    assert digest_of(signed_in.session_id) in stored
    logged = {record.name for record in caplog.records}
    assert {"httpx", "sqlalchemy.engine.Engine"} <= logged, logged
    assert digest_of(signed_in.session_id) in caplog.text  # SQL parameters are in the log
    witness.assert_kept(context, database_url, caplog.text)


def test_a_refused_password_is_not_echoed(client: TestClient) -> None:
    for password in (SHORT_PASSWORD, LONG_PASSWORD):
        for response in (
            client.post(
                "/api/v1/users",
                json={
                    "name": "dee",
                    "email": "dee@example.test",
                    "role": "viewer",
                    "password": password,
                },
            ),
            client.put("/api/v1/users/ana/password", json={"password": password}),
        ):
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert [e["field"] for e in response.json()["errors"]] == ["password"]
            assert password[:9] not in response.text
    assert client.get("/api/v1/users/dee").status_code == 404
