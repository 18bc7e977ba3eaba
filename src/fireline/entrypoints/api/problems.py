"""Errors as `application/problem+json` (RFC 9457).

Every error response has `type`, `title`, `status` and `detail`; validation failures add
`errors`, a list of `{field, message}`. Nothing internal (stack traces, SQL) ever leaks.
`Problem` is that body's schema in the OpenAPI document, and `answers` declares, on a route,
the problems it answers beyond those `openapi.py` documents for every route of its kind.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import compile_path

from fireline.domain.catalog import SERVICE_NAME
from fireline.domain.errors import (
    Conflict,
    FirelineError,
    InvalidInput,
    NotFound,
    TooManyAttempts,
)
from fireline.domain.people import EMAIL, HANDLE, PHONE
from fireline.entrypoints.api.permissions import served_routes

PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"
log = logging.getLogger("fireline.api")

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


class ProblemField(BaseModel):
    field: str = Field(description="the offending input, e.g. `title` or `links.0`")
    message: str


class Problem(BaseModel):
    """An error (RFC 9457)."""

    type: str = Field(description="`/problems/<slug>`, e.g. `/problems/invalid-input`")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="what went wrong, for the person who made the request")
    errors: list[ProblemField] = Field(
        default_factory=list, description="with 422: each input that broke a rule"
    )


_HEADERS = {
    401: ("WWW-Authenticate", 'always `Bearer realm="fireline"`'),
    429: ("Retry-After", "seconds to wait before trying again"),
}


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: problems it answers besides those of every route of its
    kind (those `openapi.py` adds)."""
    return {status: problem_response(status) for status in statuses}


def problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    """The OpenAPI response of a problem with `status`: `application/problem+json`, with
    the headers that status always carries."""
    response: dict[str, Any] = {
        "description": description or _TITLES[status],
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }
    if status in _HEADERS:
        name, meaning = _HEADERS[status]
        response["headers"] = {
            name: {"description": meaning, "required": True, "schema": {"type": "string"}}
        }
    return response


class ProblemError(Exception):
    """Raised by routes for an HTTP-level problem that is not a domain rule (bad cursor …)."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail, self.errors = status, slug, detail, errors
        self.headers = headers


def problem(
    status: int,
    slug: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> Response:
    """A problem+json response; `slug` names the problem type under `/problems/`, and
    `extensions` adds members of its own (RFC 9457 §3.2)."""
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extensions or {})
    return Response(json.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


_PATTERN_WORDS = {
    HANDLE.pattern: "is not a valid name (allowed: 1 to 64 lower-case letters, digits, '.', "
    "'_' or '-', starting with a letter or digit)",
    EMAIL.pattern: "is not an email address (allowed: name@example.com)",
    PHONE.pattern: "use E.164 form: + and 7 to 15 digits, such as +4915112345678",
    SERVICE_NAME.pattern: "is not a valid service name (allowed: 1 to 63 lower-case letters, "
    "digits, '-' or '_', starting with a letter or digit)",
}
"""What a value that does not match a documented pattern is told, in the domain's words
(pydantic would quote the regular expression)."""


def _validation_problem(error: RequestValidationError) -> Response:
    errors = []
    for item in error.errors():
        kind, loc = item.get("type", ""), tuple(item.get("loc", ()))
        if kind == "json_invalid":
            return problem(
                400, "malformed-json", f"the request body is not valid JSON: {item['msg']}"
            )
        if kind == "extra_forbidden":
            message = "unknown field"
        elif kind == "missing":
            message = "is required"
        elif kind == "string_pattern_mismatch":
            pattern = str((item.get("ctx") or {}).get("pattern", ""))
            message = _PATTERN_WORDS.get(pattern, "does not have the allowed form")
        elif kind == "timezone_aware":
            message = "must have a time zone, such as 2026-11-25T10:00:00Z"
        else:
            message = str(item.get("msg", "is invalid"))
        errors.append({"field": _field(loc), "message": message})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "invalid-input", detail, errors)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error the app can raise come out as problem+json."""

    @app.exception_handler(RequestValidationError)
    async def on_validation(_: Request, error: RequestValidationError) -> Response:
        return _validation_problem(error)

    @app.exception_handler(ProblemError)
    async def on_problem(_: Request, error: ProblemError) -> Response:
        return problem(error.status, error.slug, error.detail, error.errors, error.headers)

    @app.exception_handler(FirelineError)
    async def on_domain(_: Request, error: FirelineError) -> Response:
        if isinstance(error, InvalidInput):
            errors = [{"field": error.field, "message": error.detail}]
            return problem(422, "invalid-input", error.message, errors)
        if isinstance(error, NotFound):
            return problem(404, "not-found", error.message)
        if isinstance(error, Conflict):
            return problem(409, "conflict", error.message)
        if isinstance(error, TooManyAttempts):
            headers = {"Retry-After": str(error.retry_after)}
            return problem(429, "too-many-attempts", error.message, headers=headers)
        return problem(400, "bad-request", error.message)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, error: StarletteHTTPException) -> Response:
        detail = str(error.detail) if error.detail else _TITLES.get(error.status_code, "Error")
        slugs = {404: "not-found", 405: "method-not-allowed", 413: "content-too-large"}
        slug = slugs.get(error.status_code, "http-error")
        # Their headers pass on; a 405's `Allow` names every method of the path (`_allow`).
        headers = dict(error.headers) if error.headers else None
        if error.status_code == 405:
            headers = {**(headers or {}), **_allow(request)}
        return problem(error.status_code, slug, detail, headers=headers)

    @app.exception_handler(Exception)
    async def on_crash(request: Request, error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal-error", "Fireline hit an internal error; it has been logged")


def _allow(request: Request) -> dict[str, str]:
    """`Allow` naming every method the path serves. Starlette's own 405 names only the
    methods of the first route whose path matched, and GET and POST of one path are two
    routes."""
    methods = {
        route.method
        for route in served_routes(request.app)
        if compile_path(route.path)[0].fullmatch(request.url.path)
    }
    if "GET" in methods:
        methods.add("HEAD")
    return {"Allow": ", ".join(sorted(methods))} if methods else {}
