"""The one place where domain errors become HTTP problem+json responses (RFC 9457)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from monetiot.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    MonetiotError,
    NotFound,
    TooLarge,
    Unauthorized,
    UnsupportedFormat,
)

log = logging.getLogger(__name__)

_STATUS: list[tuple[type[MonetiotError], int, str]] = [  # the first that matches answers
    (TooLarge, 413, "content too large"),
    (UnsupportedFormat, 415, "unsupported media type"),
    (InvalidInput, 422, "invalid input"),
    (NotFound, 404, "not found"),
    (Conflict, 409, "conflict"),
    (Unauthorized, 401, "unauthorized"),
    (Forbidden, 403, "forbidden"),
]


def problem(status: int, title: str, detail: str, field: str | None = None,
            extra: dict[str, object] | None = None) -> JSONResponse:
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status,
                               "detail": detail}
    if field is not None:
        body["field"] = field
    body.update(extra or {})
    headers = {"WWW-Authenticate": 'Bearer realm="monetiot"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type="application/problem+json",
                        headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(MonetiotError)
    async def _domain(_: Request, exc: MonetiotError) -> JSONResponse:
        for kind, status, title in _STATUS:
            if isinstance(exc, kind):
                return problem(status, title, str(exc), exc.field, exc.extra)
        return problem(400, "bad request", str(exc), exc.field, exc.extra)

    @app.exception_handler(ArithmeticError)
    async def _arithmetic(request: Request, exc: ArithmeticError) -> JSONResponse:
        # decimal arithmetic that could not finish exactly: a named answer, never a 500
        log.exception("%s: decimal arithmetic failed", request.url.path)
        return problem(422, "number out of range",
                       f"a number is too large or too precise to compute exactly "
                       f"({type(exc).__name__}); monetiot accepts at most 15 digits before the "
                       "decimal point and 18 after (docs/limits.md)")

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = [str(p) for p in first.get("loc", ())]
        loc = [] if first.get("type") == "json_invalid" else where[1:]  # [1] is a byte offset
        field = ".".join(loc) or (where[0] if where else None)  # the body as a whole: "body"
        return problem(422, "invalid input", f"{field}: {first.get('msg', 'invalid')}"
                       if field else str(first.get("msg", "invalid")), field)
