"""Answers that carry a secret are sent with `Cache-Control: no-store`, and only those.

A secret is a new token, a CSRF token, or a cookie (session, sign-in CSRF). Which routes
carry one is found from the OpenAPI document too, so a new route that returns a secret and
is not marked fails here.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fireline.bootstrap import Context
from fireline.domain.access import AccessRole
from tests.integration.api.conftest import add_person
from tests.integration.api.test_sessions import (
    HIDDEN_FIELD,
    PASSWORD,
    WRONG,
    browser,
    post_login,
)

SECRET_FIELDS = {"token", "csrf_token", "secret", "password", "session_id"}
"""Names of response fields that hold a secret."""

MARKED = {("POST", "/api/v1/tokens"), ("GET", "/api/v1/me")}
"""The documented routes whose answers hold a secret (each is tested below)."""


def test_a_new_token_is_sent_with_no_store(client: TestClient) -> None:
    made = client.post("/api/v1/tokens", json={"name": "ci", "scope": "read"})
    assert made.status_code == 201, made.text
    assert made.json()["token"]
    assert made.headers["cache-control"] == "no-store"


def test_listing_tokens_which_shows_no_secret_is_not_marked(client: TestClient) -> None:
    listed = client.get("/api/v1/tokens")
    assert listed.status_code == 200
    assert "cache-control" not in listed.headers


def test_every_sign_in_page_and_answer_is_sent_with_no_store(
    context: Context, app: FastAPI
) -> None:
    add_person(context, "cy", AccessRole.RESPONDER, password=PASSWORD)
    web = browser(app)
    answers = {"sign-in form": web.get("/login")}
    answers["wrong password"] = post_login(web, "cy", WRONG)
    answers["signed in"] = post_login(web, "cy", PASSWORD)
    answers["sign-out form"] = web.get("/login")
    answers["me, with the session"] = web.get("/api/v1/me")
    logout_token = HIDDEN_FIELD.search(answers["sign-out form"].text)
    assert logout_token is not None
    answers["signed out"] = web.post(
        "/logout", data={"csrf_token": logout_token.group(1)}, follow_redirects=False
    )
    assert [answer.status_code for answer in answers.values()] == [200, 401, 303, 200, 200, 303]
    assert answers["me, with the session"].json()["csrf_token"]
    assert {name: a.headers.get("cache-control") for name, a in answers.items()} == dict.fromkeys(
        answers, "no-store"
    )


def test_the_routes_whose_answers_hold_a_secret_are_the_marked_ones(app: FastAPI) -> None:
    document = app.openapi()
    holding = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                for media in answer.get("content", {}).values():
                    if _field_names(media.get("schema", {}), document) & SECRET_FIELDS:
                        holding.add((method.upper(), path))
    assert holding == MARKED


def _field_names(
    schema: dict[str, Any], document: dict[str, Any], seen: frozenset[str] = frozenset()
) -> set[str]:
    """Every property name anywhere in `schema`, following $refs."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return set()
        target = document["components"]["schemas"][name]
        return _field_names(target, document, seen | {name})
    names = set(schema.get("properties", {}))
    children = list(schema.get("properties", {}).values())
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            children.append(schema[key])
    for key in ("allOf", "anyOf", "oneOf"):
        children.extend(schema.get(key, []))
    for child in children:
        names |= _field_names(child, document, seen)
    return names
