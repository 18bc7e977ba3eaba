"""The one table that says what every route needs: `ROUTE_PERMISSIONS`.

Every route the application serves must have an entry, PUBLIC or a permission; `create_app`
refuses to start with a route missing from the table (or an entry naming no route), and the
persona × route test reads the same table to know which answer each persona must get.
`docs/permissions.md` shows it for people.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from fastapi import FastAPI
from fastapi.routing import APIRoute

from fireline.domain.access import Permission as P  # noqa: N817 (the table reads better)


class _Public:
    def __repr__(self) -> str:
        return "PUBLIC"


PUBLIC: Final = _Public()
"""No authentication: health, the sign-in form (and later the public status page and inbound
alert endpoints)."""

Requirement = P | _Public

_INCIDENT = "/api/v1/incidents/{incident_id}"

ROUTE_PERMISSIONS: dict[tuple[str, str], Requirement] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/livez"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    # Sign-out checks the session and its CSRF token itself, to answer with a page.
    ("POST", "/logout"): PUBLIC,
    ("GET", "/api/v1/me"): P.SELF_READ,
    ("PUT", "/api/v1/me/password"): P.SELF_PASSWORD,
    ("GET", "/api/v1/me/notification-rules"): P.SELF_READ,
    ("PUT", "/api/v1/me/notification-rules"): P.SELF_NOTIFY,
    ("GET", "/api/v1/me/inbox"): P.SELF_READ,
    ("GET", "/api/v1/channels/{name}/inbox"): P.INCIDENT_READ,
    ("GET", "/api/v1/incidents"): P.INCIDENT_READ,
    ("POST", "/api/v1/incidents"): P.INCIDENT_DECLARE,
    ("GET", _INCIDENT): P.INCIDENT_READ,
    ("PATCH", _INCIDENT): P.INCIDENT_RESPOND,
    ("POST", f"{_INCIDENT}/status"): P.INCIDENT_RESPOND,
    ("POST", f"{_INCIDENT}/acknowledge"): P.INCIDENT_RESPOND,
    ("POST", f"{_INCIDENT}/comments"): P.INCIDENT_COMMENT,
    ("GET", f"{_INCIDENT}/timeline"): P.INCIDENT_READ,
    ("GET", f"{_INCIDENT}/roles"): P.INCIDENT_READ,
    ("GET", f"{_INCIDENT}/clocks"): P.INCIDENT_READ,
    ("GET", f"{_INCIDENT}/timers"): P.INCIDENT_READ,
    ("GET", f"{_INCIDENT}/deliveries"): P.INCIDENT_READ,
    ("GET", f"{_INCIDENT}/updates"): P.INCIDENT_READ,
    ("POST", f"{_INCIDENT}/updates"): P.INCIDENT_RESPOND,
    ("POST", f"{_INCIDENT}/escalate"): P.INCIDENT_RESPOND,
    ("PUT", f"{_INCIDENT}/roles/{{role}}"): P.INCIDENT_RESPOND,
    ("DELETE", f"{_INCIDENT}/roles/{{role}}"): P.INCIDENT_RESPOND,
    ("PUT", f"{_INCIDENT}/restriction"): P.INCIDENT_RESTRICT,
    ("GET", f"{_INCIDENT}/access"): P.INCIDENT_READ,
    ("PUT", f"{_INCIDENT}/access/{{user}}"): P.INCIDENT_RESTRICT,
    ("DELETE", f"{_INCIDENT}/access/{{user}}"): P.INCIDENT_RESTRICT,
    ("GET", "/api/v1/services"): P.CATALOG_READ,
    ("POST", "/api/v1/services"): P.CATALOG_WRITE,
    ("GET", "/api/v1/services/{name}"): P.CATALOG_READ,
    ("PATCH", "/api/v1/services/{name}"): P.CATALOG_WRITE,
    ("GET", "/api/v1/policy"): P.CATALOG_READ,
    ("GET", "/api/v1/users"): P.PEOPLE_READ,
    ("POST", "/api/v1/users"): P.PEOPLE_WRITE,
    ("GET", "/api/v1/users/{name}"): P.PEOPLE_READ,
    ("PATCH", "/api/v1/users/{name}"): P.PEOPLE_WRITE,
    ("PUT", "/api/v1/users/{name}/password"): P.PEOPLE_WRITE,
    ("GET", "/api/v1/users/{name}/notification-rules"): P.PEOPLE_READ,
    ("PUT", "/api/v1/users/{name}/notification-rules"): P.PEOPLE_WRITE,
    ("GET", "/api/v1/teams"): P.PEOPLE_READ,
    ("POST", "/api/v1/teams"): P.PEOPLE_WRITE,
    ("GET", "/api/v1/teams/{name}"): P.PEOPLE_READ,
    ("PUT", "/api/v1/teams/{name}/members/{user}"): P.PEOPLE_WRITE,
    ("DELETE", "/api/v1/teams/{name}/members/{user}"): P.PEOPLE_WRITE,
    ("GET", "/api/v1/tokens"): P.TOKEN_OWN,
    ("POST", "/api/v1/tokens"): P.TOKEN_OWN,
    ("DELETE", "/api/v1/tokens/{token_id}"): P.TOKEN_OWN,
    ("GET", "/api/v1/audit"): P.AUDIT_READ,
    ("GET", "/api/v1/schedules"): P.SCHEDULE_READ,
    ("GET", "/api/v1/schedules/{name}"): P.SCHEDULE_READ,
    ("GET", "/api/v1/schedules/{name}/oncall"): P.SCHEDULE_READ,
    ("GET", "/api/v1/schedules/{name}/shifts"): P.SCHEDULE_READ,
    ("GET", "/api/v1/schedules/{name}/overrides"): P.SCHEDULE_READ,
    ("POST", "/api/v1/schedules/{name}/overrides"): P.SCHEDULE_WRITE,
    ("DELETE", "/api/v1/schedules/{name}/overrides/{override_id}"): P.SCHEDULE_WRITE,
    ("GET", "/api/v1/schedules/{name}/calendar.ics"): P.SCHEDULE_READ,
    ("GET", "/api/v1/users/{name}/oncall.ics"): P.SCHEDULE_READ,
}


class UndeclaredRoute(Exception):
    """A route with no entry in ROUTE_PERMISSIONS, or an entry with no route."""


@dataclass(frozen=True)
class ServedRoute:
    method: str
    path: str
    """The full path, as ROUTE_PERMISSIONS names it."""
    endpoint: Callable[..., Any]


def served_routes(app: FastAPI) -> list[ServedRoute]:
    """Every API route of `app` with its full path (routers' prefixes included).

    FastAPI from 0.13x keeps included routers nested and puts the route as written (without
    its router's prefix) in the request scope, so a request is matched to the table by its
    endpoint function; `iter_route_contexts` knows the full paths.
    """
    contexts: Iterable[Any]
    try:
        from fastapi.routing import iter_route_contexts  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # older FastAPI flattens included routes into app.routes
        contexts = app.routes
    else:
        contexts = iter_route_contexts(app.routes)
    served = []
    context: Any
    for context in contexts:
        original = getattr(context, "original_route", context)
        if not isinstance(original, APIRoute):
            continue  # FastAPI's own pages: /docs, /openapi.json
        for method in sorted(context.methods or ()):
            if method != "HEAD":
                served.append(ServedRoute(method, context.path, context.endpoint))
    return served


def requirements_by_endpoint(app: FastAPI) -> dict[tuple[Callable[..., Any], str], Requirement]:
    """(endpoint, method) → what it needs, for `authorize`; raises UndeclaredRoute unless
    the table and the routes match one to one."""
    served = served_routes(app)
    keys = {(route.method, route.path) for route in served}
    missing = sorted(keys - ROUTE_PERMISSIONS.keys())
    stale = sorted(ROUTE_PERMISSIONS.keys() - keys)
    if missing or stale:
        raise UndeclaredRoute(
            "ROUTE_PERMISSIONS does not match the routes: "
            + "; ".join(
                [f"no entry for {m} {p}" for m, p in missing]
                + [f"entry for {m} {p} but no such route" for m, p in stale]
            )
        )
    return {
        (route.endpoint, route.method): ROUTE_PERMISSIONS[(route.method, route.path)]
        for route in served
    }
