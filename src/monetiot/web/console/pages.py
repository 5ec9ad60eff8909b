"""Rendering console pages: the Jinja2 environment, the page response, and the one place where
errors on console and portal routes become HTML (the /v1 API answers problem+json instead).

Pages are autoescaped Jinja2 templates. Every HTML response carries a Content-Security-Policy
that allows no script at all and only our own stylesheet, is never cached (it shows one
tenant's data), and may not be framed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from monetiot.domain.errors import MonetiotError, Unauthorized
from monetiot.web.console import formatting
from monetiot.web.errors import _STATUS as ERROR_STATUS  # the API's mapping, reused as is

TEMPLATES = Path(__file__).parent / "templates"
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

_env: Environment | None = None
log = logging.getLogger(__name__)


def environment() -> Environment:
    """Built on first use (nothing happens at import)."""
    global _env
    if _env is None:
        env = Environment(loader=FileSystemLoader(TEMPLATES),
                          autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True)
        env.filters.update(money=formatting.money, amount=formatting.amount,
                           number=formatting.number, exact=formatting.exact,
                           when=formatting.when, day=formatting.day, period=formatting.period,
                           nonzero=formatting.nonzero)
        env.globals.update(ago=formatting.ago)
        _env = env
    return _env


class LoginRequired(Exception):
    """No live session: the browser is sent to the sign-in page, and back afterwards."""


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render `template` with the signed-in session (if any) and the navigation."""
    from monetiot.web.console import auth

    who = auth.current(request)
    html = environment().get_template(template).render(
        request=request, who=who, csrf=who.csrf_token if who else "",
        path=request.url.path, advisor=has_route(request, "/advisor"), **context)
    return HTMLResponse(html, status_code=status_code, headers=HEADERS)


def has_route(request: Request, path: str) -> bool:
    return any(getattr(r, "path", None) == path for r in request.app.routes)


def redirect(location: str) -> RedirectResponse:
    """A 303 (See Other): after a POST the browser GETs the next page."""
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})


def error_page(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    return page(request, "error.html", status, title=title, code=status, detail=detail)


class ConsoleRoute(APIRoute):
    """A route whose failures are pages: sign-in redirects, 403 and 404 pages, and so on."""

    def get_route_handler(self) -> Any:
        handler = super().get_route_handler()

        async def html_errors(request: Request) -> Response:
            try:
                response: Response = await handler(request)
                return response
            except (LoginRequired, Unauthorized):
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return redirect(f"/login?next={quote(target, safe='')}")
            except MonetiotError as exc:
                for kind, status, title in ERROR_STATUS:
                    if isinstance(exc, kind):
                        return error_page(request, status, title.capitalize(), str(exc))
                return error_page(request, 400, "Bad request", str(exc))
            except ArithmeticError:  # decimal arithmetic on stored figures: a page, not a 500
                log.exception("%s: a figure could not be computed", request.url.path)
                return error_page(request, 409, "Conflict", (
                    "a figure on this page cannot be computed from the stored data (a number "
                    "stored before monetiot limited numbers?); void the event that holds it "
                    "(monetiot events void), then reload"))

        return html_errors
