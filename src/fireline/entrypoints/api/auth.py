"""Authentication and authorization of every request, from one table.

`authorize` is the application's own dependency, so it runs before every route: it looks the
matched route up in `ROUTE_PERMISSIONS`, authenticates the caller (bearer token, else web
session cookie) and checks the permission. 401 means "we do not know who you are", 403 "we
know, and you may not"; both are problem+json like every other error, and every 403 is
written to the audit log (repeats counted into one entry per window: `domain.audit`).
"""

from __future__ import annotations

import hmac

from anyio import to_thread
from fastapi import Request
from fastapi.routing import APIRoute

from fireline.bootstrap import Context
from fireline.domain.access import Caller, Permission
from fireline.domain.audit import AuditAction
from fireline.entrypoints.api.batching import Batcher
from fireline.entrypoints.api.deps import client_address
from fireline.entrypoints.api.permissions import UndeclaredRoute
from fireline.entrypoints.api.problems import ProblemError
from fireline.services.authentication import (
    BearerRequest,
    Unauthenticated,
    authenticate_session,
    csrf_token_for,
    record_refusal,
)

SESSION_COOKIE = "fireline_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="fireline"'}


async def authorize(request: Request) -> None:
    """Let the request through to its route, or raise the 401/403 problem.

    Bearer tokens of requests that arrive together are checked together (`Batcher`): one
    thread hand-off and one read for all of them. Every other database call here (sessions,
    refusals) runs in the thread pool, never on the event loop.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return  # FastAPI's own pages (/docs, /openapi.json) are not APIRoutes
    method = "GET" if request.method == "HEAD" else request.method
    try:
        permission = request.app.state.requirements[(route.endpoint, method)]
    except KeyError:  # unreachable: create_app checked every route against the table
        raise UndeclaredRoute(f"{method} {route.path} is not in ROUTE_PERMISSIONS") from None
    if not isinstance(permission, Permission):  # PUBLIC
        return
    context: Context = request.app.state.context
    caller, session_id = await _authenticate(request, context)
    if session_id is not None and request.method not in SAFE_METHODS:
        expected = csrf_token_for(session_id, context.secret).encode()
        if not hmac.compare_digest(request.headers.get(CSRF_HEADER, "").encode(), expected):
            await to_thread.run_sync(_audit_refusal, request, caller, AuditAction.CSRF_REFUSED)
            raise ProblemError(
                403, "csrf", f"a signed-in browser request must carry the {CSRF_HEADER} header"
            )
    if not caller.may(permission):
        raise await to_thread.run_sync(forbid, request, caller, permission, "this")
    request.state.caller = caller


def forbid(request: Request, caller: Caller, permission: Permission, what: str) -> ProblemError:
    """Audit a permission denial and return the 403 problem to raise.

    For routes that check a second permission themselves (declaring on someone else's
    behalf, listing everybody's tokens): every 403 is in the audit log, wherever it arose.
    """
    _audit_refusal(request, caller, AuditAction.PERMISSION_DENIED)
    return ProblemError(
        403,
        "forbidden",
        f"{what} needs the {permission} permission, which your role ({caller.role}) with "
        f"{caller.scope} access does not have",
    )


def _audit_refusal(request: Request, caller: Caller, action: AuditAction) -> None:
    """Write a refused request to the audit log (blocking: call it off the event loop).

    The target is the route as declared (``GET /api/v1/incidents/{incident_id}``), so that
    refusals on one route are counted together whatever the path says; the path of the
    first in its window is kept in the entry's detail."""
    context: Context = request.app.state.context
    route = request.scope.get("route")
    path = request.url.path
    record_refusal(
        context.database,
        action,
        actor=caller.name,
        target=f"{request.method} {route.path if isinstance(route, APIRoute) else path[:150]}",
        client=client_address(request),
        now=context.clock(),
        detail={"path": path[:200]} if isinstance(route, APIRoute) and route.path != path else {},
    )


async def _authenticate(request: Request, context: Context) -> tuple[Caller, str | None]:
    """The caller, and the session ID when it came from a session cookie."""
    now, client = context.clock(), client_address(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ProblemError(
                401,
                "unauthenticated",
                "the Authorization header must be `Bearer <token>`",
                headers=_CHALLENGE,
            )
        bearers: Batcher[BearerRequest, Caller] = request.app.state.bearers
        try:
            return await bearers.submit(BearerRequest(token.strip(), now, client)), None
        except Unauthenticated:
            raise ProblemError(
                401,
                "unauthenticated",
                "the token is not valid: unknown, expired or revoked, or its owner was deactivated",
                headers=_CHALLENGE,
            ) from None
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        try:
            caller = await to_thread.run_sync(
                lambda: authenticate_session(context.database, session_id, now=now, client=client)
            )
        except Unauthenticated:
            raise ProblemError(
                401, "unauthenticated", "your session has ended; sign in again", headers=_CHALLENGE
            ) from None
        return caller, session_id
    raise ProblemError(
        401,
        "unauthenticated",
        "authentication required: send `Authorization: Bearer <token>` (see `fireline token "
        "create`) or sign in at /login",
        headers=_CHALLENGE,
    )
