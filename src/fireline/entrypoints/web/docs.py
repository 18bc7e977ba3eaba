"""The API's documentation pages, `/docs` (Swagger UI) and `/redoc` (ReDoc), and the files
under `/static/` that Fireline serves itself.

FastAPI's own docs pages load Swagger UI and ReDoc from a CDN, so they are blank without
internet. These load the same pages from files vendored from the upstream npm packages at
pinned versions (`scripts/vendor-docs-assets`, `static/docs/MANIFEST.json`). Each page states
its own Content-Security-Policy: it may run Fireline's files and the inline script FastAPI
writes into the page (allowed by its hash), fetch only from Fireline, and load no more than
its library needs (said below, page by page).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from fireline.entrypoints.api.headers import content_security_policy

STATIC = Path(__file__).parent / "static"
STATIC_URL = "/static"
_SWAGGER = f"{STATIC_URL}/docs/swagger-ui"
_REDOC = f"{STATIC_URL}/docs/redoc"
_FAVICON = f"{_SWAGGER}/favicon-32x32.png"

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def install_docs(app: FastAPI) -> None:
    """Serve `/static/…`, and `/docs` and `/redoc` for `app.openapi_url`. The app must be
    made with `docs_url=None, redoc_url=None` so FastAPI adds no pages of its own."""
    app.mount(STATIC_URL, StaticFiles(directory=STATIC), name="static")
    openapi_url = app.openapi_url or "/openapi.json"
    swagger = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{app.title} API",
        swagger_js_url=f"{_SWAGGER}/swagger-ui-bundle.js",
        swagger_css_url=f"{_SWAGGER}/swagger-ui.css",
        swagger_favicon_url=_FAVICON,
        # Swagger UI otherwise sends the document to an online validator for its badge.
        swagger_ui_parameters={"validatorUrl": None},
    )
    redoc = get_redoc_html(
        openapi_url=openapi_url,
        title=f"{app.title} API",
        redoc_js_url=f"{_REDOC}/redoc.standalone.js",
        redoc_favicon_url=_FAVICON,
        with_google_fonts=False,
    )
    # Swagger UI sets styles only through the DOM, which a CSP does not govern: its page
    # takes stylesheets from Fireline alone. Its CSS draws icons from data: URLs.
    _add_page(
        app,
        "/docs",
        swagger,
        style_src="'self'",
        img_src="'self' data:",
        connect_src="'self'",
    )
    # ReDoc writes <style> elements at run time (styled-components), which only
    # 'unsafe-inline' allows, and runs its search in a worker made from a blob. Its footer
    # shows a logo from Redocly's site, which the policy blocks: nothing leaves the machine.
    _add_page(
        app,
        "/redoc",
        redoc,
        style_src="'self' 'unsafe-inline'",
        img_src="'self' data:",
        connect_src="'self'",
        worker_src="blob:",
    )


def _add_page(app: FastAPI, path: str, page: HTMLResponse, **sources: str) -> None:
    """Serve `page` at `path` with a policy allowing `sources` and, for scripts, Fireline's
    files and exactly the inline <script> blocks the page holds (by hash)."""
    html = bytes(page.body)
    script_src = " ".join(["'self'", *_script_hashes(html)])
    policy = content_security_policy(script_src=script_src, **sources)

    async def endpoint(_: Request) -> Response:
        return HTMLResponse(html, headers={"Content-Security-Policy": policy})

    # A plain route, like FastAPI's own docs pages: public, and not part of the API.
    app.add_route(path, endpoint, include_in_schema=False)


def _script_hashes(html: bytes) -> list[str]:
    """CSP sources allowing exactly the inline <script> blocks of `html`."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in _INLINE_SCRIPT.findall(html.decode())
    ]
