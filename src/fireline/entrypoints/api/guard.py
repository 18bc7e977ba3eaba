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
    """Refuse oversized bodies (413) and bodies that are not JSON (415)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
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
        if has_body and not (media_type == b"application/json" or media_type.endswith(b"+json")):
            shown = media_type.decode("latin-1") or "none"
            response = problem(
                415,
                "unsupported-media-type",
                f"the request body must be application/json (got {shown})",
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


async def _refuse_too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = problem(
        413, "content-too-large", f"the request body is larger than {MAX_BODY_BYTES} bytes"
    )
    await response(scope, receive, send)
