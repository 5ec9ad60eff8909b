"""How every /v1 route reads bodies and documents errors: one router class for the whole API.

- Bodies are JSON parsed with the exact reader (`domain.jsonexact`): every JSON number arrives
  as a `Decimal`, never through a binary float, and is then validated into the route's Pydantic
  model as FastAPI does for any body (so /openapi.json shows the model). A route declares its
  body as a parameter typed with a `schemas.base.Request` model; nothing else reads bodies,
  except `POST /v1/events` and the quarantine replay, whose bodies are raw device payloads.
- Responses leave out optional fields the service did not return (`exclude_unset`), so adding
  a model changes no response a client already gets.
- Every operation documents its errors as `application/problem+json` (`schemas.base.Problem`).
- `page()` is the one pair of list parameters: `limit` (1..1000, default 100) and `cursor`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from monetiot.domain import jsonexact
from monetiot.domain.events import depth_problem
from monetiot.domain.pages import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from monetiot.web.schemas.base import Problem

PROBLEM = "application/problem+json"


def problem_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


ERRORS: dict[int | str, dict[str, Any]] = {
    401: problem_response("Missing, unknown or revoked credentials"),
    403: problem_response("The key's scope does not allow this"),
    404: problem_response("No such object for this tenant (the field names which)"),
    409: problem_response("Conflicts with what is stored (the field names what)"),
    422: problem_response("Invalid input (the field names it)"),
}


_DOCUMENTED: dict[str, type[BaseModel]] = {"Problem": Problem}


def schema_ref(model: type[BaseModel]) -> dict[str, str]:
    """A reference to `model` for `openapi_extra` (raw bodies FastAPI does not parse itself)."""
    _DOCUMENTED[model.__name__] = model
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def install_openapi(app: FastAPI) -> None:
    """/openapi.json with the schemas that `schema_ref` and every error response refer to."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            known = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, model in _DOCUMENTED.items():
                known[name] = model.model_json_schema(ref_template="#/components/schemas/{model}")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class ExactRequest(Request):
    """A request whose JSON numbers are read as exact decimals."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                doc = jsonexact.loads(body)
            except json.JSONDecodeError:
                raise
            except UnicodeDecodeError as exc:
                raise json.JSONDecodeError(f"not UTF-8: {exc.reason}", "", exc.start) from None
            except ValueError as exc:  # nested too deep to read
                raise json.JSONDecodeError(str(exc), "", 0) from None
            problem = depth_problem(doc, "the body")
            if problem is not None:
                raise json.JSONDecodeError(problem, "", 0)
            self._json = doc
        return self._json


class ExactRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def exact_handler(request: Request) -> Response:
            return await handler(ExactRequest(request.scope, request.receive))

        return exact_handler


class ApiRouter(APIRouter):
    """An APIRouter for /v1: exact bodies, problem+json errors, unset fields left out."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "/v1")
        kwargs.setdefault("route_class", ExactRoute)
        super().__init__(**kwargs)

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["responses"] = {**ERRORS, **(kwargs.get("responses") or {})}
        kwargs["response_model_exclude_unset"] = True
        kwargs["strict_content_type"] = False  # a body sent without a Content-Type is JSON
        super().add_api_route(path, endpoint, **kwargs)


def page(limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT,
                            description=f"Items per page, at most {MAX_LIMIT}."),
         cursor: str | None = Query(None, description=(
             "The `next_cursor` of the previous page, as it was (same filters)."))
         ) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor or None)
