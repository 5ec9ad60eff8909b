"""Signing in and out of the console and the portal; who the browser is; CSRF checks.

- The session cookie (`monetiot_session`) holds a random token; it is HttpOnly, SameSite=Lax,
  path /, Secure when served over HTTPS, and lives as long as the session (12 hours).
- Every form that changes something carries the session's CSRF token in a hidden
  `csrf_token` field; `operator_form` / `session_form` refuse a POST without the right one.
- The sign-in forms are protected before any session exists with a double-submit token: a
  random value in a short-lived cookie (`monetiot_login`) that the form must repeat.
- Operators sign in with an email and password or by pasting an admin API key; customers with
  an email and password. The role decides where they land: /console or /portal.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from monetiot.bootstrap import Platform
from monetiot.domain.errors import Forbidden, MonetiotError, Unauthorized
from monetiot.services import users
from monetiot.services.users import ConsoleSession
from monetiot.web.console.pages import ConsoleRoute, LoginRequired, page, redirect
from monetiot.web.deps import platform

COOKIE = "monetiot_session"
LOGIN_COOKIE = "monetiot_login"
HOME = {"operator": "/console", "customer": "/portal"}

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def current(request: Request) -> ConsoleSession | None:
    """The live session of this request's cookie, looked up once per request."""
    if hasattr(request.state, "console_session"):
        found: ConsoleSession | None = request.state.console_session
        return found
    token = request.cookies.get(COOKIE, "")
    session = None
    if token:
        plat: Platform = request.app.state.platform
        with plat.uow(readonly=True) as uow:
            try:
                session = users.session_for(uow, plat.clock.now_ms(), token)
            except Unauthorized:
                session = None
    request.state.console_session = session
    return session


def operator(request: Request) -> ConsoleSession:
    who = current(request)
    if who is None:
        raise LoginRequired
    if who.role != "operator":
        raise Forbidden("this page is for the operator's staff; your account sees the portal")
    return who


def customer(request: Request) -> ConsoleSession:
    who = current(request)
    if who is None:
        raise LoginRequired
    if who.role != "customer" or who.customer is None:
        raise Forbidden("the portal is for customer accounts; operators use the console")
    return who


async def _check_csrf(request: Request, who: ConsoleSession) -> None:
    form = await request.form()
    sent = form.get("csrf_token")
    if not who.csrf_ok(sent if isinstance(sent, str) else None):
        raise Forbidden("the form's CSRF token is missing or wrong: reload the page and try "
                        "again")


async def operator_form(request: Request) -> ConsoleSession:
    """An operator's POST with the session's CSRF token."""
    who = operator(request)
    await _check_csrf(request, who)
    return who


async def session_form(request: Request) -> ConsoleSession:
    """Anyone signed in, POSTing with the session's CSRF token (signing out)."""
    who = current(request)
    if who is None:
        raise LoginRequired
    await _check_csrf(request, who)
    return who


def _safe_next(value: object, role: str) -> str:
    """Only a path on this site that the role may open; anything else goes home."""
    home = HOME[role]
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//") \
            or "\\" in value:
        return home
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith(home):
        return home
    return value


def _login_page(request: Request, *, status: int = 200, error: str = "", tenant: str = "",
                email: str = "", next_url: str = "") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", status, title="Sign in", login_csrf=token,
                    error=error, tenant=tenant, email=email, next_url=next_url)
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/login")
    return response


@router.get("/", response_class=HTMLResponse)
def root(request: Request) -> Response:
    who = current(request)
    return redirect(HOME[who.role] if who else "/login")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next_url: str = Query("", alias="next")) -> Response:
    who = current(request)
    if who is not None:
        return redirect(_safe_next(next_url, who.role))
    return _login_page(request, next_url=next_url)


async def _login_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(),
                                               fields.get("csrf_token", "").encode()):
        raise Forbidden("the sign-in form expired: reload the page and try again")
    return fields


def _signed_in(request: Request, new: users.NewSession, next_url: str) -> RedirectResponse:
    response = redirect(_safe_next(next_url, new.session.role))
    response.set_cookie(COOKIE, new.token, max_age=users.SESSION_MS // 1000, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, plat: Platform = Depends(platform)) -> Response:
    fields = await _login_fields(request)
    tenant, email = fields.get("tenant", "").strip(), fields.get("email", "").strip()
    try:
        with plat.uow() as uow:
            new = users.sign_in_password(uow, plat.clock.now_ms(), tenant, email,
                                         fields.get("password", ""))
    except MonetiotError as exc:
        return _login_page(request, status=401, error=exc.message, tenant=tenant, email=email,
                           next_url=fields.get("next", ""))
    return _signed_in(request, new, fields.get("next", ""))


@router.post("/login/key", response_class=HTMLResponse)
async def login_with_key(request: Request, plat: Platform = Depends(platform)) -> Response:
    fields = await _login_fields(request)
    try:
        with plat.uow() as uow:
            new = users.sign_in_key(uow, plat.clock.now_ms(), fields.get("key", ""))
    except MonetiotError as exc:
        return _login_page(request, status=401, error=exc.message,
                           next_url=fields.get("next", ""))
    return _signed_in(request, new, fields.get("next", ""))


@router.post("/logout", response_class=HTMLResponse)
def logout(request: Request, who: ConsoleSession = Depends(session_form),
           plat: Platform = Depends(platform)) -> Response:
    with plat.uow() as uow:
        users.sign_out(uow, request.cookies.get(COOKIE, ""))
    response = redirect("/login")
    response.delete_cookie(COOKIE, path="/")
    return response
