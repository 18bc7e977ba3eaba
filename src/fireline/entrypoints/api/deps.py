"""Request-scoped dependencies: the process context and who is asking.

They are `async def` although they never await: FastAPI runs a plain `def` dependency in its
thread pool, a hand-off that costs more than the dependency itself on every request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from fireline.bootstrap import Context
from fireline.entrypoints.api.problems import ProblemError

ANONYMOUS = "anonymous"


async def get_context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


async def get_actor(
    x_fireline_user: Annotated[
        str | None,
        Header(description="who is acting; until API tokens arrive, the caller names itself"),
    ] = None,
) -> str:
    """The requesting person's name (anonymous when not given).

    Identity is self-declared for now; token authentication replaces this dependency and
    every route keeps asking it the same question.
    """
    if x_fireline_user is None or not x_fireline_user.strip():
        return ANONYMOUS
    name = x_fireline_user.strip()
    if len(name) > 100 or not name.isprintable():
        raise ProblemError(
            400, "bad-header", "X-Fireline-User must be 1 to 100 printable characters"
        )
    return name


ContextDep = Annotated[Context, Depends(get_context)]
ActorDep = Annotated[str, Depends(get_actor)]
