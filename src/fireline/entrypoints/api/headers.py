"""Security headers on every response, decided in this one place.

`SecurityHeaders` is plain ASGI (like the request guard) and sits outside everything else
the application has, Starlette's own 500 handler included (see `HardenedFastAPI`), so every
answer carries the headers: routes, problem responses, 404s, refusals by the request guard,
the docs pages, static files and crashes alike.

- `X-Content-Type-Options: nosniff`: a browser takes a response for what its Content-Type
  says (a JSON answer is never run as a script or shown as a page).
- `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no page is shown inside another
  site's frame (clickjacking).
- `Referrer-Policy: no-referrer`: following a link out of Fireline, including the links in
  incident fields and messages, tells the other site nothing (not even which incident).
- `Content-Security-Policy`: `DEFAULT_POLICY` unless the response states its own, built with
  `content_security_policy` (the docs pages do: they need scripts).
- `Cache-Control: no-store` on responses that carry a secret: any response that sets a
  cookie (sessions, CSRF), and any response of a route marked with `carries_secret` (a new
  token, a CSRF token). No cache, proxy or browser history keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_NO_STORE_KEY = "fireline.carries_secret"

_BASE_POLICY: Final = {
    "default-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def content_security_policy(**sources: str) -> str:
    """A CSP that allows nothing but what `sources` names, beside the rules every page keeps
    (no framing, no <base>, forms post only to Fireline): e.g. `style_src="'self'"`."""
    directives = dict(_BASE_POLICY)
    for name, value in sources.items():
        directive = name.replace("_", "-")
        if directive in _BASE_POLICY and directive != "default-src":
            raise ValueError(f"{directive} is the same for every page")
        directives[directive] = value
    return "; ".join(f"{name} {value}" for name, value in directives.items())


DEFAULT_POLICY: Final = content_security_policy(style_src="'self'", img_src="'self'")
"""For every response that states no policy of its own: JSON answers load nothing, and
Fireline's own pages load only Fireline's own stylesheets and images (no script at all)."""

ALWAYS: Final[Mapping[str, str]] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def carries_secret(request: Request) -> None:
    """A route dependency, `dependencies=[Depends(carries_secret)]`: this route's responses
    hold a secret (a new token, a CSRF token), so they are sent with `no-store`."""
    request.scope[_NO_STORE_KEY] = True


class SecurityHeaders:
    """Add the headers above to every HTTP response of `app`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers[name] = value
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = DEFAULT_POLICY
                # The router and the route's dependencies write into this same scope.
                if "set-cookie" in headers or scope.get(_NO_STORE_KEY):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HardenedFastAPI(FastAPI):
    """FastAPI with `SecurityHeaders` as its outermost layer.

    Middleware added with `add_middleware` runs inside Starlette's ServerErrorMiddleware, which
    sends the 500 answer to a crash itself, past every such middleware; wrapping the whole
    stack is the one way that answer gets the headers too.
    """

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())
