"""Web sessions end to end: sign-in, CSRF, fixation, expiry, deactivation, throttling, cost.

Every test signs in through the real `/login` form with a fresh `TestClient` (no bearer
header), so cookies travel exactly as a browser would send them. Time moves with the
FakeClock; the database is real (SQLite and PostgreSQL).
"""

from __future__ import annotations

import re
from dataclasses import replace

import httpx
from argon2 import extract_parameters
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fireline.adapters.passwords import Argon2Hasher
from fireline.bootstrap import Context
from fireline.domain.access import AccessRole
from tests.integration.api.conftest import FakeClock, add_person, bearer

PASSWORD = "correct horse battery"
WRONG = "not the password at all"
BODY = {"title": "Checkout is down", "type": "infrastructure"}
SESSION = "fireline_session"
LOGIN_CSRF = "fireline_login_csrf"
HIDDEN_FIELD = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')
ERROR = re.compile(r'<p class="error" role="alert">(.*?)</p>', re.DOTALL)


def browser(app: FastAPI, address: str = "testclient", **options: object) -> TestClient:
    """A client with no credentials of its own, like a fresh browser at `address`."""
    return TestClient(app, client=(address, 50000), **options)  # type: ignore[arg-type]


def login_token(web: TestClient) -> str:
    """The login form's CSRF token: the one in the cookie, after a GET /login if needed."""
    token: str | None = web.cookies.get(LOGIN_CSRF)
    if token is None:
        assert web.get("/login").status_code == 200
        token = web.cookies.get(LOGIN_CSRF)
    assert token
    return token


def post_login(web: TestClient, name: str, password: str) -> httpx.Response:
    response: httpx.Response = web.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": login_token(web)},
        follow_redirects=False,
    )
    return response


def sign_in(web: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in through the form; the new session ID (also kept in `web`'s cookie jar)."""
    response = post_login(web, name, password)
    assert response.status_code == 303, response.text
    session_id = response.cookies.get(SESSION)
    assert session_id
    return session_id


def with_session(app: FastAPI, session_id: str) -> TestClient:
    """Another client presenting `session_id` as its cookie (and nothing else)."""
    other = browser(app)
    other.cookies.set(SESSION, session_id)
    return other


def set_cookie_header(response: httpx.Response, name: str) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]


def cookie_attributes(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


def audit(client: TestClient, *actions: str, **filters: str) -> list[dict[str, object]]:
    params: list[tuple[str, str]] = [("action", action) for action in actions]
    params += [*filters.items(), ("limit", "500")]
    response = client.get("/api/v1/audit", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def count_incidents(context: Context) -> int:
    with context.database.transaction() as store:
        return store.count_incidents()


def error_text(response: httpx.Response) -> str:
    found = ERROR.search(response.text)
    assert found, response.text
    return found.group(1)


# -- signing in -------------------------------------------------------------------------


def test_signing_in_through_the_form_starts_a_session(context: Context, app: FastAPI) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app)

    page = web.get("/login")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    csrf_cookie = set_cookie_header(page, LOGIN_CSRF)
    assert {"httponly", "samesite=strict"} <= cookie_attributes(csrf_cookie)
    hidden = HIDDEN_FIELD.search(page.text)
    assert hidden is not None
    assert hidden.group(1) == web.cookies.get(LOGIN_CSRF)

    response = web.post(
        "/login",
        data={"name": "cy", "password": PASSWORD, "csrf_token": hidden.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    session_cookie = set_cookie_header(response, SESSION)
    attributes = cookie_attributes(session_cookie)
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "max-age=43200" in attributes  # 12 hours
    assert "secure" not in attributes  # plain HTTP, no FIRELINE_SECURE_COOKIES
    assert web.cookies.get(LOGIN_CSRF) is None  # the login token is spent

    me = web.get("/api/v1/me")
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["name"] == "cy"
    assert body["role"] == "responder"
    assert isinstance(body["csrf_token"], str)
    assert len(body["csrf_token"]) >= 32


def test_a_bearer_token_gets_no_csrf_token(context: Context, app: FastAPI) -> None:
    token = add_person(context, "cy", AccessRole.RESPONDER)
    me = browser(app).get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json()["csrf_token"] is None


def test_the_login_page_of_a_signed_in_browser_offers_sign_out(
    context: Context, app: FastAPI
) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app)
    sign_in(web, "cy")
    page = web.get("/login")
    assert page.status_code == 200
    assert "Signed in as <strong>cy</strong>" in page.text
    hidden = HIDDEN_FIELD.search(page.text)
    assert hidden is not None
    assert hidden.group(1) == web.get("/api/v1/me").json()["csrf_token"]


def test_a_wrong_password_or_unknown_name_is_refused_alike(context: Context, app: FastAPI) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app)
    wrong = post_login(web, "cy", WRONG)
    unknown = post_login(web, "nobody", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert error_text(response) == "Wrong name or password."
        assert SESSION not in response.cookies
    assert web.get("/api/v1/me").status_code == 401


# -- CSRF -------------------------------------------------------------------------------


def test_a_session_needs_the_csrf_header_to_write(
    client: TestClient, context: Context, app: FastAPI
) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app)
    sign_in(web, "cy")

    refused = web.post("/api/v1/incidents", json=BODY)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == "/problems/csrf"
    assert count_incidents(context) == 0

    forged = web.post("/api/v1/incidents", json=BODY, headers={"X-CSRF-Token": "0" * 64})
    assert forged.status_code == 403
    assert forged.json()["type"] == "/problems/csrf"
    assert count_incidents(context) == 0

    token = web.get("/api/v1/me").json()["csrf_token"]
    declared = web.post("/api/v1/incidents", json=BODY, headers={"X-CSRF-Token": token})
    assert declared.status_code == 201, declared.text
    assert count_incidents(context) == 1

    # The two refusals: one entry, counted (the same caller, route and address, 10 minutes).
    (refusals,) = audit(client, "csrf.refused")
    assert (refusals["actor"], refusals["target"], refusals["count"]) == (
        "cy",
        "POST /api/v1/incidents",
        2,
    )


def test_the_csrf_token_of_another_session_does_not_work(context: Context, app: FastAPI) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    first, second = browser(app), browser(app)
    sign_in(first, "cy")
    sign_in(second, "cy")
    token_of_first = first.get("/api/v1/me").json()["csrf_token"]
    response = second.post("/api/v1/incidents", json=BODY, headers={"X-CSRF-Token": token_of_first})
    assert response.status_code == 403
    assert count_incidents(context) == 0


def test_the_login_form_needs_its_csrf_token(context: Context, app: FastAPI) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app)
    token = login_token(web)
    attempts = [
        {"name": "cy", "password": PASSWORD},
        {"name": "cy", "password": PASSWORD, "csrf_token": ""},
        {"name": "cy", "password": PASSWORD, "csrf_token": token + "x"},
    ]
    for data in attempts:
        response = web.post("/login", data=data, follow_redirects=False)
        assert response.status_code == 403, data
        assert error_text(response) == "This form has expired; please try again."
        assert SESSION not in response.cookies

    # The right field without the cookie (a cross-site form cannot read or set it).
    bare = browser(app)
    response = bare.post(
        "/login",
        data={"name": "cy", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert SESSION not in response.cookies
    assert web.get("/api/v1/me").status_code == 401


def test_signing_out_needs_the_sessions_csrf_token(
    client: TestClient, context: Context, app: FastAPI
) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app)
    session_id = sign_in(web, "cy")
    token = web.get("/api/v1/me").json()["csrf_token"]

    for data in ({}, {"csrf_token": "forged"}):
        refused = web.post("/logout", data=data, follow_redirects=False)
        assert refused.status_code == 403
        assert error_text(refused) == "Sign-out refused: the form was not ours."
        assert web.get("/api/v1/me").status_code == 200

    signed_out = web.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/login"
    assert web.get("/api/v1/me").status_code == 401
    # Ended on the server, not just forgotten by this browser: the ID itself is dead.
    assert with_session(app, session_id).get("/api/v1/me").status_code == 401
    assert [e["actor"] for e in audit(client, "logout")] == ["cy"]


def test_pages_take_forms_and_the_api_takes_only_json(context: Context, app: FastAPI) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app)
    sign_in(web, "cy")
    token = web.get("/api/v1/me").json()["csrf_token"]
    # A cross-site <form> can only send form encodings: the API refuses them outright.
    as_form = web.post("/api/v1/incidents", data=BODY, headers={"X-CSRF-Token": token})
    assert as_form.status_code == 415
    assert as_form.json()["type"] == "/problems/unsupported-media-type"
    assert count_incidents(context) == 0
    as_json = web.post("/login", json={"name": "cy", "password": PASSWORD})
    assert as_json.status_code == 415


# -- session fixation -------------------------------------------------------------------


def test_signing_in_replaces_a_planted_session_id(context: Context, app: FastAPI) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    planted = "attacker-chosen-value"
    web = browser(app)
    web.cookies.set(SESSION, planted)

    session_id = sign_in(web, "cy")
    assert session_id != planted
    assert with_session(app, planted).get("/api/v1/me").status_code == 401
    me = with_session(app, session_id).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["name"] == "cy"


def test_signing_in_over_someone_elses_valid_session_starts_a_new_one(
    context: Context, app: FastAPI
) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    add_person(context, "mallory", AccessRole.VIEWER, password=PASSWORD)
    planted = sign_in(browser(app), "mallory")  # a real session, of the attacker's own
    victim = browser(app)
    login_token(victim)  # the victim opens the form...
    victim.cookies.set(SESSION, planted)  # ...and the attacker plants their session ID

    session_id = sign_in(victim, "cy")
    assert session_id != planted
    # The planted session was not upgraded to the victim's account.
    assert with_session(app, planted).get("/api/v1/me").json()["name"] == "mallory"
    assert with_session(app, session_id).get("/api/v1/me").json()["name"] == "cy"


# -- expiry -----------------------------------------------------------------------------


def test_an_idle_session_expires_after_two_hours(
    context: Context, app: FastAPI, clock: FakeClock
) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    session_id = sign_in(browser(app), "cy")
    clock.advance(hours=2, minutes=1)
    response = with_session(app, session_id).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/unauthenticated"


def test_idleness_counts_from_the_last_request(
    context: Context, app: FastAPI, clock: FakeClock
) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app)
    sign_in(web, "cy")
    clock.advance(hours=1, minutes=59)
    assert web.get("/api/v1/me").status_code == 200
    clock.advance(hours=1, minutes=59)
    assert web.get("/api/v1/me").status_code == 200
    clock.advance(hours=2)
    assert web.get("/api/v1/me").status_code == 401


def test_a_busy_session_still_ends_twelve_hours_after_sign_in(
    context: Context, app: FastAPI, clock: FakeClock
) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app)
    sign_in(web, "cy")
    for hour in range(1, 12):
        clock.advance(hours=1)
        assert web.get("/api/v1/me").status_code == 200, f"after {hour} h"
    clock.advance(minutes=59)
    assert web.get("/api/v1/me").status_code == 200
    clock.advance(minutes=1)
    assert web.get("/api/v1/me").status_code == 401


# -- deactivation -----------------------------------------------------------------------


def test_deactivating_a_person_ends_their_session_and_token_at_once(
    client: TestClient, context: Context, app: FastAPI
) -> None:
    token = add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app)
    session_id = sign_in(web, "cy")
    assert web.get("/api/v1/me").status_code == 200
    assert browser(app).get("/api/v1/me", headers=bearer(token)).status_code == 200

    patched = client.patch("/api/v1/users/cy", json={"active": False})
    assert patched.status_code == 200, patched.text
    assert patched.json()["active"] is False

    assert web.get("/api/v1/me").status_code == 401
    assert browser(app).get("/api/v1/me", headers=bearer(token)).status_code == 401
    # Neither can they sign in again, even with the right password.
    assert post_login(browser(app), "cy", PASSWORD).status_code == 401

    # Reactivating lets them sign in anew, but does not bring the old session back.
    assert client.patch("/api/v1/users/cy", json={"active": True}).status_code == 200
    assert with_session(app, session_id).get("/api/v1/me").status_code == 401
    assert sign_in(browser(app), "cy") != session_id


def test_setting_a_new_password_ends_the_persons_sessions(
    client: TestClient, context: Context, app: FastAPI
) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app)
    sign_in(web, "cy")
    reset = client.put("/api/v1/users/cy/password", json={"password": "a brand new passphrase"})
    assert reset.status_code == 204, reset.text
    assert web.get("/api/v1/me").status_code == 401
    assert post_login(browser(app), "cy", PASSWORD).status_code == 401
    sign_in(browser(app), "cy", "a brand new passphrase")


# -- brute force ------------------------------------------------------------------------


def test_failed_logins_lock_the_account(
    client: TestClient, context: Context, app: FastAPI, clock: FakeClock
) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app, "10.0.0.1")

    responses = [post_login(web, "cy", WRONG) for _ in range(10)]
    assert [r.status_code for r in responses] == [401] * 5 + [429] * 5
    for response in responses[:5]:
        assert error_text(response) == "Wrong name or password."
        assert "retry-after" not in response.headers
    for response in responses[5:]:
        assert response.headers["retry-after"] == "30"
        assert "Try again in 30 seconds." in error_text(response)

    entries = audit(client, "login.failed", "login.locked", target="cy")
    # Each failure is an entry; the refusals while locked are counted into one.
    assert [(e["action"], e["count"]) for e in reversed(entries)] == [("login.failed", 1)] * 6 + [
        ("login.locked", 4)
    ]
    assert {e["client"] for e in entries} == {"10.0.0.1"}

    # The right password is refused too while the lock lasts, without a session.
    clock.advance(seconds=29)
    during = post_login(web, "cy", PASSWORD)
    assert during.status_code == 429
    assert during.headers["retry-after"] == "1"
    assert SESSION not in during.cookies
    assert audit(client, "login.succeeded") == []

    clock.advance(seconds=1)
    sign_in(web, "cy")
    assert web.get("/api/v1/me").json()["name"] == "cy"


def test_the_lock_doubles_with_every_further_failure(
    context: Context, app: FastAPI, clock: FakeClock
) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app, "10.0.0.1")
    for _ in range(5):
        assert post_login(web, "cy", WRONG).status_code == 401
    locks = []
    for _ in range(8):
        response = post_login(web, "cy", WRONG)
        assert response.status_code == 429
        locks.append(int(response.headers["retry-after"]))
        clock.advance(seconds=locks[-1])
    assert locks == [30, 60, 120, 240, 480, 900, 900, 900]


def test_a_success_clears_the_accounts_failures(
    context: Context, app: FastAPI, clock: FakeClock
) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app, "10.0.0.1")
    for _ in range(5):
        assert post_login(web, "cy", WRONG).status_code == 401
    sign_in(browser(app, "10.0.0.1"), "cy")
    for _ in range(5):
        assert post_login(web, "cy", WRONG).status_code == 401
    assert post_login(web, "cy", WRONG).status_code == 429


def test_a_locked_unknown_account_reads_like_a_locked_real_one(
    context: Context, app: FastAPI
) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    real, ghost = browser(app, "10.0.0.1"), browser(app, "10.0.0.2")
    for _ in range(6):
        post_login(real, "cy", WRONG)
        post_login(ghost, "ghost", WRONG)

    locked_real = post_login(real, "cy", PASSWORD)
    locked_ghost = post_login(ghost, "ghost", PASSWORD)
    assert locked_real.status_code == locked_ghost.status_code == 429
    assert locked_real.headers["retry-after"] == locked_ghost.headers["retry-after"] == "30"
    assert error_text(locked_real) == error_text(locked_ghost)
    assert error_text(locked_real) == (
        "Too many failed sign-ins for this account or from this address. Try again in 30 seconds."
    )

    # The whole page is the same, but for its fresh random CSRF token.
    def page(response: httpx.Response) -> str:
        return HIDDEN_FIELD.sub("", response.text)

    assert page(locked_real) == page(locked_ghost)


def test_failures_from_one_address_lock_that_address(
    client: TestClient, context: Context, app: FastAPI
) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app, "10.0.0.9")
    statuses = [post_login(web, f"guess{n}", WRONG).status_code for n in range(21)]
    assert statuses == [401] * 20 + [429]

    blocked = post_login(web, "cy", PASSWORD)
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "30"
    assert SESSION not in blocked.cookies

    # The lock is on the address: the same account signs in from elsewhere.
    sign_in(browser(app, "10.0.0.10"), "cy")
    locked = audit(client, "login.locked")
    assert [(e["target"], e["client"]) for e in locked] == [("cy", "10.0.0.9")]


# -- timing -----------------------------------------------------------------------------


class CountingHasher:
    """The real argon2id hasher, noting every hash it is asked to verify against."""

    def __init__(self, real: Argon2Hasher) -> None:
        self.real = real
        self.verified: list[str] = []

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified.append(password_hash)
        return self.real.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self.real.needs_rehash(password_hash)

    @property
    def stand_in_hash(self) -> str:
        return self.real.stand_in_hash


def test_an_unknown_account_costs_the_same_argon2_work_as_a_known_one(
    context: Context, app: FastAPI
) -> None:
    """What a refusal costs is counted, not timed (timings on a shared machine are noise):
    a wrong password for a known account and any password for an unknown one each verify
    exactly one password against an argon2id hash with the same parameters (the account's,
    or a stand-in made with the current ones), so they take as long as each other; a locked
    refusal verifies none."""
    hasher = CountingHasher(Argon2Hasher())  # production parameters
    context.hasher = hasher  # routes read it per request
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    with context.database.transaction(write=False) as store:
        stored = store.password_hash("cy")
    assert stored is not None
    known, unknown = browser(app, "10.0.1.1"), browser(app, "10.0.1.2")

    assert post_login(known, "cy", WRONG).status_code == 401
    assert hasher.verified == [stored]
    hasher.verified.clear()
    assert post_login(unknown, "nobody", WRONG).status_code == 401
    assert hasher.verified == [hasher.stand_in_hash]
    assert extract_parameters(hasher.stand_in_hash) == extract_parameters(stored)

    for _ in range(6):
        post_login(unknown, "nobody", WRONG)
    hasher.verified.clear()
    locked = post_login(unknown, "nobody", WRONG)
    assert locked.status_code == 429
    assert hasher.verified == []


# -- Secure cookies ---------------------------------------------------------------------


def test_secure_cookies_setting_marks_the_session_cookie_secure(
    context: Context, app: FastAPI
) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    context.settings = replace(context.settings, secure_cookies=True)
    web = browser(app)
    page = web.get("/login")
    assert "secure" in cookie_attributes(set_cookie_header(page, LOGIN_CSRF))
    # A Secure cookie is not sent back over plain HTTP, so post the token by hand.
    token = HIDDEN_FIELD.search(page.text)
    assert token is not None
    other = browser(app)
    other.cookies.set(LOGIN_CSRF, token.group(1))
    response = other.post(
        "/login",
        data={"name": "cy", "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "secure" in cookie_attributes(set_cookie_header(response, SESSION))


def test_https_requests_get_secure_cookies_by_default(context: Context, app: FastAPI) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app, base_url="https://testserver")
    response = post_login(web, "cy", PASSWORD)
    assert response.status_code == 303
    attributes = cookie_attributes(set_cookie_header(response, SESSION))
    assert {"secure", "httponly", "samesite=lax"} <= attributes
    assert web.get("/api/v1/me").status_code == 200


def test_secure_cookies_can_be_turned_off_even_on_https(context: Context, app: FastAPI) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    context.settings = replace(context.settings, secure_cookies=False)
    web = browser(app, base_url="https://testserver")
    response = post_login(web, "cy", PASSWORD)
    assert response.status_code == 303
    assert "secure" not in cookie_attributes(set_cookie_header(response, SESSION))
