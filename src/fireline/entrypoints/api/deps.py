"""Request-scoped dependencies: the process context, who is asking, and what they may see.

`authorize` runs before every route (it is the application's own dependency) and leaves the
`Caller` on `request.state`; the small dependencies below hand it to routes. They are
`async def` although they never await: FastAPI runs a plain `def` dependency in its thread
pool, a hand-off that costs more than they do.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from fireline.bootstrap import Context
from fireline.domain.access import Caller, Visibility, visibility_of


async def get_context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


async def get_caller(request: Request) -> Caller:
    """The authenticated person (set by `authorize`; never reached on a public route)."""
    caller: Caller | None = getattr(request.state, "caller", None)
    if caller is None:  # a public route asking who calls is a programming error
        raise RuntimeError(f"{request.url.path} is public but asks who is calling")
    return caller


async def get_visibility(request: Request) -> Visibility:
    """Which incidents the caller sees, under the policy in force now."""
    context: Context = request.app.state.context
    return visibility_of(
        await get_caller(request),
        security_team=context.policies.current.access.security_team,
    )


def client_address(request: Request) -> str:
    """The caller's address as the server sees it. Behind a reverse proxy it is the client's
    only when uvicorn trusts that proxy's X-Forwarded-For (FORWARDED_ALLOW_IPS; by default
    it trusts 127.0.0.1), see docs/operations.md."""
    return request.client.host if request.client else "unknown"


ContextDep = Annotated[Context, Depends(get_context)]
CallerDep = Annotated[Caller, Depends(get_caller)]
VisibilityDep = Annotated[Visibility, Depends(get_visibility)]
