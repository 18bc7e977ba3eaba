"""Every response carries the security headers: routes, pages, errors, refusals and crashes.

The routes come from the application itself (every served route and every operation of its
OpenAPI document), so a new route is checked the moment it exists.
"""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.responses import Response

from fireline.entrypoints.api.guard import MAX_BODY_BYTES
from fireline.entrypoints.api.headers import DEFAULT_POLICY
from fireline.entrypoints.api.permissions import served_routes

HARDENING = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
BODY_METHODS = {"POST", "PUT", "PATCH"}


def missing_headers(response: httpx.Response) -> list[str]:
    """The security headers `response` lacks or has wrong (empty when it is hardened)."""
    missing = [
        f"{name}: {response.headers.get(name)!r}"
        for name, value in HARDENING.items()
        if response.headers.get(name) != value
    ]
    policy = response.headers.get("content-security-policy", "")
    if "frame-ancestors 'none'" not in policy:
        missing.append(f"content-security-policy: {policy!r}")
    return missing


def every_operation(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every served route and every documented operation."""
    operations = {(route.method, route.path) for route in served_routes(app)}
    for path, methods in app.openapi()["paths"].items():
        operations |= {(method.upper(), path) for method in methods}
    return sorted(operations)


def test_every_route_answers_with_the_security_headers(client: TestClient, app: FastAPI) -> None:
    unhardened = []
    for method, template in every_operation(app):
        # Parameters that name nothing: the answers are mostly 404 and 422, which is fine,
        # as every answer must carry the headers.
        path = re.sub(r"\{\w+\}", "999999", template)
        body = {} if method in BODY_METHODS else None
        response = client.request(method, path, json=body)
        if missing := missing_headers(response):
            unhardened.append(f"{method} {path} → {response.status_code}: {missing}")
    assert unhardened == []


def test_pages_files_and_errors_answer_with_the_security_headers(client: TestClient) -> None:
    anonymous = {"Authorization": ""}
    requests: list[tuple[str, str, dict[str, object]]] = [
        ("GET", "/docs", {}),
        ("GET", "/redoc", {}),
        ("GET", "/openapi.json", {}),
        ("GET", "/login", {}),
        ("GET", "/static/fireline.css", {}),
        ("GET", "/static/docs/swagger-ui/swagger-ui-bundle.js", {}),
        ("GET", "/static/no-such-file.js", {}),
        ("GET", "/no/such/page", {}),
        ("DELETE", "/healthz", {}),
        ("GET", "/api/v1/incidents", {"headers": {"Authorization": "Bearer not-a-token"}}),
        ("GET", "/api/v1/incidents", {"headers": anonymous}),
        ("GET", "/api/v1/incidents?q=%00", {}),
        ("POST", "/api/v1/incidents", {"content": b"x", "headers": {"content-type": "text/plain"}}),
        (
            "POST",
            "/api/v1/incidents",
            {"content": b"{}", "headers": {"content-length": str(MAX_BODY_BYTES + 1)}},
        ),
        ("POST", "/api/v1/incidents", {"json": {"title": ""}}),
    ]
    statuses = []
    for method, path, options in requests:
        response = client.request(method, path, **options)  # type: ignore[arg-type]
        statuses.append(response.status_code)
        assert missing_headers(response) == [], f"{method} {path} → {response.status_code}"
    # The list does reach every kind of answer it means to.
    assert statuses == [200, 200, 200, 200, 200, 200, 404, 404, 405, 401, 401, 400, 415, 413, 422]


def test_a_crash_answers_500_with_the_security_headers(app: FastAPI) -> None:
    async def crash(_: Request) -> Response:
        raise RuntimeError("a defect")

    app.add_route("/crash", crash)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/crash")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert missing_headers(response) == []


def test_fireline_pages_get_the_strict_default_policy(client: TestClient) -> None:
    page = client.get("/login", headers={"Authorization": ""})
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == DEFAULT_POLICY
    # No script at all, stylesheets and images from Fireline only, forms post only here.
    assert DEFAULT_POLICY == (
        "default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
        "style-src 'self'; img-src 'self'"
    )
    assert "<style" not in page.text
    assert "<script" not in page.text
    stylesheet = client.get("/static/fireline.css")
    assert stylesheet.status_code == 200
    assert stylesheet.headers["content-type"].startswith("text/css")


def test_json_answers_get_the_strict_default_policy(client: TestClient) -> None:
    response = client.get("/api/v1/incidents")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == DEFAULT_POLICY
