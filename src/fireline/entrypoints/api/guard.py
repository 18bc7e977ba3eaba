"""A request guard in front of every route: body size and content type.

It is plain ASGI rather than a `BaseHTTPMiddleware` because it runs on every request and
must not cost a task per call. Refusals are problem+json, like every other error.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fireline.entrypoints.api.problems import problem

MAX_BODY_BYTES = 2 * 1024 * 1024
"""Requests larger than 2 MiB are refused with 413 before they are read."""

_BODY_METHODS = {b"POST", b"PUT", b"PATCH"}


class RequestGuard:
    """Refuse URLs holding NUL (400), oversized bodies (413) and bodies of the wrong kind
    (415): JSON for the API, urlencoded forms for the pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_nul(scope):
            # PostgreSQL cannot hold NUL in text and SQLite can: refused before any route,
            # whatever parameter it hides in, so the two backends answer alike.
            response = problem(400, "nul-character", "the URL must not contain NUL characters")
            await response(scope, receive, send)
            return
        if scope["type"] != "http" or scope["method"].encode() not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
            await _refuse_too_large(scope, receive, send)
            return
        has_body = (length is not None and length != b"0") or b"transfer-encoding" in headers
        media_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        is_page = not scope["path"].startswith("/api/")
        if has_body and not _accepts(media_type, is_page):
            shown = media_type.decode("latin-1") or "none"
            wanted = "a form" if is_page else "application/json"
            response = problem(
                415,
                "unsupported-media-type",
                f"the request body must be {wanted} (got {shown})",
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                # An HTTPException, because FastAPI turns any other error raised while it
                # reads a body into a 400; this one it lets through to the problem handler.
                raise HTTPException(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
            return message

        await self.app(scope, counting_receive, send)


def _has_nul(scope: Scope) -> bool:
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"%00" in query or b"\x00" in query


def _accepts(media_type: bytes, is_page: bool) -> bool:
    """The API takes JSON; the web pages (sign-in, later forms) take urlencoded forms."""
    if is_page:
        return media_type == b"application/x-www-form-urlencoded"
    return media_type == b"application/json" or media_type.endswith(b"+json")


async def _refuse_too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = problem(
        413, "content-too-large", f"the request body is larger than {MAX_BODY_BYTES} bytes"
    )
    await response(scope, receive, send)
