"""Request dependencies: the platform, and who is calling (tenant and scope from credentials)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import Request

from monetiot.bootstrap import Platform
from monetiot.domain.errors import Unauthorized
from monetiot.services.access import Principal, authenticate_device, authenticate_key


def platform(request: Request) -> Platform:
    return request.app.state.platform  # type: ignore[no-any-return]


def principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    plat = platform(request)
    with plat.uow(readonly=True) as uow:
        if scheme.lower() == "bearer" and value:
            return authenticate_key(uow, value.strip())
        if scheme.lower() == "basic" and value:
            try:
                username, _, password = base64.b64decode(value).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise Unauthorized("malformed Basic credentials") from None
            return authenticate_device(uow, username, password)
    key = request.headers.get("x-api-key")
    if key:
        with plat.uow(readonly=True) as uow:
            return authenticate_key(uow, key)
    raise Unauthorized("send `Authorization: Bearer <API key>` (or a device's Basic credentials)")


async def exact_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object with exact numbers (never through a binary float)."""
    from monetiot.domain import jsonexact
    from monetiot.domain.errors import InvalidInput
    from monetiot.domain.events import depth_problem

    try:
        doc = jsonexact.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise InvalidInput(f"not valid JSON: {exc}", field="body") from None
    if not isinstance(doc, dict):
        raise InvalidInput("must be a JSON object", field="body")
    problem = depth_problem(doc, "the body")
    if problem is not None:
        raise InvalidInput(problem, field="body")
    return doc
