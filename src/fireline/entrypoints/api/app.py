"""The FastAPI application: routers, error handling and the request guard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import Depends, FastAPI

from fireline import __version__
from fireline.bootstrap import Context, build_context
from fireline.entrypoints.api import (
    catalog,
    communication,
    health,
    inbox,
    incidents,
    paging_rules,
    people,
    response,
    restriction,
    schedules,
    timers,
    tokens,
)
from fireline.entrypoints.api.auth import authorize
from fireline.entrypoints.api.batching import Batcher
from fireline.entrypoints.api.guard import RequestGuard
from fireline.entrypoints.api.headers import HardenedFastAPI
from fireline.entrypoints.api.openapi import install_openapi
from fireline.entrypoints.api.permissions import requirements_by_endpoint
from fireline.entrypoints.api.problems import install_problem_handlers
from fireline.entrypoints.web import sessions
from fireline.entrypoints.web.docs import install_docs
from fireline.services import incidents as incidents_service
from fireline.services.authentication import authenticate_tokens
from fireline.settings import load_settings


@asynccontextmanager
async def limit_request_threads(app: FastAPI) -> AsyncIterator[None]:
    """Run at most FIRELINE_REQUEST_THREADS requests' database work at once.

    Routes are synchronous and run in a thread pool (anyio's default: 40 threads). Every
    thread beyond what the database can use at once only competes for the GIL, and a thread
    holding the database's write lock then waits for the GIL while others spin.
    """
    context: Context = app.state.context
    to_thread.current_default_thread_limiter().total_tokens = context.settings.request_threads
    yield


def create_app(context: Context) -> FastAPI:
    """The API bound to `context` (tests pass one with a fake clock).

    Every route is authorized by `authorize` from `ROUTE_PERMISSIONS`; building an app with a
    route missing from that table raises UndeclaredRoute.
    """
    # HardenedFastAPI: security headers on every response (entrypoints/api/headers.py).
    app = HardenedFastAPI(
        lifespan=limit_request_threads,
        dependencies=[Depends(authorize)],
        title="Fireline",
        version=__version__,
        description="Incident management that runs your handbook. Errors are RFC 9457 problems.",
        docs_url=None,  # served by install_docs, from files of our own
        redoc_url=None,
    )
    app.state.context = context
    app.state.declarations = Batcher(
        lambda requests: incidents_service.declare_incidents(
            context.database, context.policies, requests
        )
    )
    app.state.bearers = Batcher(lambda requests: authenticate_tokens(context.database, requests))
    install_problem_handlers(app)
    app.include_router(incidents.router)
    app.include_router(response.router)
    app.include_router(restriction.router)
    app.include_router(timers.router)
    app.include_router(communication.router)
    app.include_router(schedules.router)
    app.include_router(catalog.router)
    app.include_router(people.router)
    app.include_router(paging_rules.router)
    app.include_router(inbox.router)
    app.include_router(tokens.router)
    app.include_router(sessions.router)
    install_docs(app)
    app.include_router(health.router)

    @app.get("/", tags=["health"])
    def root() -> dict[str, str]:
        """Where to go from here (the web pages will live here later)."""
        return {"name": "Fireline", "version": __version__, "docs": "/docs", "api": "/api/v1"}

    app.state.requirements = requirements_by_endpoint(app)
    install_openapi(app)
    app.add_middleware(RequestGuard)
    return app


def create_app_from_environment() -> FastAPI:
    """Factory for server workers: read the settings and build a context of our own."""
    return create_app(build_context(load_settings()))
