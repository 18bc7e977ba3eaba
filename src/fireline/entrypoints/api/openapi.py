"""The OpenAPI document, saying every answer each route can give, derived in one place.

FastAPI documents a route's success answer and, for a route with parameters, a 422 in a
shape of its own. Fireline answers more than that, every error as `application/problem+json`
(`problems.Problem`). `complete` adds what follows from how every request is handled:

- every route: 400 (a NUL character anywhere in the URL, refused by the request guard);
- a route that needs a permission (`permissions.ROUTE_PERMISSIONS`): 401, with
  `WWW-Authenticate`, and 403, and the two ways to authenticate as security schemes;
- a route taking a body (POST, PUT, PATCH): 400 (malformed JSON), 413 and 415;
- a route with path parameters: 404 (they may name nothing);
- a route with parameters or a body: 422, the problem with `errors`.

Problems particular to one route (409, 429, a 404 without path parameters) are declared where
the route is defined, with `problems.answers`. A method a path does not serve is 405 with
`Allow` (not per operation: OpenAPI lists only what is served).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from fireline.domain.access import Permission
from fireline.entrypoints.api.permissions import ROUTE_PERMISSIONS
from fireline.entrypoints.api.problems import (
    PROBLEM_JSON,
    PROBLEM_REF,
    Problem,
    problem_response,
)

_BODY_METHODS = {"post", "put", "patch"}
_WHEN = {
    400: "Bad request: a NUL character in the URL, malformed JSON, a bad cursor",
    401: "No credential, or one that is unknown, expired, revoked or whose owner is deactivated",
    403: "The caller lacks the permission this needs (named in `detail`), or a signed-in "
    "browser's change came without its X-CSRF-Token",
    404: "Nothing by that name or ID (or an incident the caller may not see)",
    413: "A body over 2 MiB",
    415: "A body that is not application/json",
    422: "A well-formed request that breaks a rule; `errors` names each input",
}
_SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "an API token (`fireline token create`, or POST /api/v1/tokens)",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "fireline_session",
        "description": "a web session from /login; changes also need X-CSRF-Token",
    },
}
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def install_openapi(app: FastAPI) -> None:
    """Serve `complete`'s document at /openapi.json (made once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            complete(FastAPI.openapi(app))  # FastAPI's own, kept in app.openapi_schema
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any]) -> None:
    """Add to FastAPI's `document`, in place, the answers every route of a kind gives."""
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            needs = ROUTE_PERMISSIONS.get((method.upper(), path))
            _complete_operation(method, operation, needs_credentials=isinstance(needs, Permission))
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    components["securitySchemes"] = _SECURITY_SCHEMES
    for name in _FASTAPI_VALIDATION:  # replaced by Problem; the second is the first's part
        if f'"#/components/schemas/{name}"' not in json.dumps(document):
            schemas.pop(name, None)


def _complete_operation(method: str, operation: dict[str, Any], *, needs_credentials: bool) -> None:
    parameters = operation.get("parameters", [])
    statuses = {400}
    if needs_credentials:
        statuses |= {401, 403}
        operation["security"] = [{"bearer": []}, {"session": []}]
    if method in _BODY_METHODS:
        statuses |= {413, 415}
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.add(404)
    if parameters or "requestBody" in operation:
        statuses.add(422)
    responses = operation.setdefault("responses", {})
    for status in statuses:
        # 422 replaces FastAPI's own shape; the others keep a route's own description.
        if status == 422 or str(status) not in responses:
            responses[str(status)] = problem_response(status, _WHEN.get(status))
    for status, response in responses.items():
        if status.startswith("4"):  # every refusal is a problem, whoever declared it
            response["content"] = {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}
    operation["responses"] = dict(sorted(responses.items()))
