"""The operator console (/console) and the customer portal (/portal): server-rendered pages
with SVG charts, signed in with a user account or an admin key (/login).

`router` holds every page and the stylesheet; `create_app` includes it next to the /v1 API.
Pages need no JavaScript. See docs/console.md.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from monetiot.web.console import (
    auth,
    operator_billing,
    operator_fleet,
    operator_home,
    operator_ops,
    portal,
)

STATIC = Path(__file__).resolve().parents[1] / "static"

router = APIRouter(include_in_schema=False)
for part in (auth, operator_home, operator_fleet, operator_billing, operator_ops, portal):
    router.include_router(part.router)


@router.get("/static/console.css")
def stylesheet() -> FileResponse:
    return FileResponse(STATIC / "console.css", media_type="text/css",
                        headers={"Cache-Control": "public, max-age=3600",
                                 "X-Content-Type-Options": "nosniff"})


__all__ = ["router"]
