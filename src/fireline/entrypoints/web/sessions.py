"""Signing in and out of the web pages: `GET/POST /login`, `POST /logout`.

Form posts are protected from cross-site forgery twice over: session cookies are SameSite,
and every form carries a CSRF token. Before sign-in that token is a random value also set
as a cookie (double submit: another site can make a browser send the cookie, but cannot
read it to put it in the form); once signed in it is derived from the session
(`csrf_token_for`). Signing in always issues a new session ID, so a session ID planted in
the browser beforehand (session fixation) is never the one that gets signed in.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from fireline.bootstrap import Context
from fireline.entrypoints.api.auth import SESSION_COOKIE
from fireline.entrypoints.api.deps import ContextDep, client_address
from fireline.entrypoints.api.headers import carries_secret
from fireline.services.authentication import (
    SESSION_LIFETIME,
    LoginRefused,
    Unauthenticated,
    authenticate_session,
    csrf_token_for,
    log_in,
    log_out,
)

LOGIN_CSRF_COOKIE = "fireline_login_csrf"
MAX_FIELD = 1_000

# Every page here holds a CSRF token, and sign-in sets the session cookie: no-store.
router = APIRouter(
    tags=["sessions"], include_in_schema=False, dependencies=[Depends(carries_secret)]
)
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, context: ContextDep) -> Response:
    """The sign-in form (or, when signed in already, the sign-out button)."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        try:
            caller = authenticate_session(
                context.database, session_id, now=context.clock(), client=client_address(request)
            )
        except Unauthenticated:
            pass
        else:
            return _page(
                signed_in_as=caller.name, logout_token=csrf_token_for(session_id, context.secret)
            )
    return _login_form(request, context)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    context: ContextDep,
    name: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    password: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    csrf_token: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    """Check the form and start a session: 303 to / on success; the form again with 401
    (wrong name or password), 403 (no CSRF token) or 429 (locked, with Retry-After)."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf_token.encode(), expected.encode()):
        return _login_form(
            request, context, "This form has expired; please try again.", status_code=403
        )
    try:
        signed_in = log_in(
            context.database,
            context.hasher,
            name,
            password,
            now=context.clock(),
            client=client_address(request),
        )
    except LoginRefused as refused:
        if refused.retry_after:
            message = (
                "Too many failed sign-ins for this account or from this address. "
                f"Try again in {refused.retry_after} seconds."
            )
            locked = _login_form(request, context, message, status_code=429)
            locked.headers["Retry-After"] = str(refused.retry_after)
            return locked
        return _login_form(request, context, "Wrong name or password.", status_code=401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.session_id,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        secure=_secure(request, context),
        samesite="lax",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(
    request: Request,
    context: ContextDep,
    csrf_token: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    """End the session: 303 to /login. Without the session's CSRF token: 403, still signed in."""
    session_id = request.cookies.get(SESSION_COOKIE, "")
    expected = csrf_token_for(session_id, context.secret) if session_id else ""
    if not expected or not hmac.compare_digest(csrf_token.encode(), expected.encode()):
        return _page(error="Sign-out refused: the form was not ours.", status_code=403)
    log_out(context.database, session_id, now=context.clock(), client=client_address(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _login_form(
    request: Request, context: Context, error: str | None = None, *, status_code: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = _page(csrf_token=token, error=error, status_code=status_code)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        secure=_secure(request, context),
        samesite="strict",
    )
    return response


def _page(*, status_code: int = 200, **values: object) -> HTMLResponse:
    html = _templates.get_template("login.html").render(**values)
    return HTMLResponse(html, status_code=status_code)


def _secure(request: Request, context: Context) -> bool:
    """Mark cookies Secure on HTTPS (or always, with FIRELINE_SECURE_COOKIES=true)."""
    setting = context.settings.secure_cookies
    return request.url.scheme == "https" if setting is None else setting
