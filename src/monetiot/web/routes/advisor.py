"""The revenue-model advisor on the web: the worked example's report, and the advice as an API.

- GET /advisor: a short page saying what the advisor does and how to ask it (public).
- GET /advisor/example: the HTML report of the worked example of docs/advisor.md (public: it
  shows only the example's made-up figures, no tenant data).
- POST /v1/advisor (read key, `Authorization: Bearer`): the body is
  `{"assumptions": {...}, "usage": "device,month,meter,quantity\\n..."}`; without `usage` the
  history is read from the key's tenant meters (`"from"`/`"to"` months, optional). Answers the
  advice document, or its HTML report with `?format=html`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from monetiot.bootstrap import Platform
from monetiot.domain.advisor import (
    Assumptions,
    UsageHistory,
    parse_assumptions,
    parse_usage_csv,
)
from monetiot.domain.errors import InvalidInput
from monetiot.services import advisor
from monetiot.services.access import Principal
from monetiot.web.deps import platform, principal
from monetiot.web.routing import ApiRouter
from monetiot.web.schemas.advisor import Advice, AdviceRequest

router = APIRouter()  # the pages for people
api = ApiRouter()  # POST /v1/advisor

_INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Revenue-model advisor</title>
<style>body{font-family:system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem;
line-height:1.5}code,pre{background:#f6f6f6}pre{padding:.6rem;overflow:auto}</style></head>
<body><h1>Revenue-model advisor</h1>
<p>Which business model should this fleet use? The advisor replays the fleet's real usage
through seven models (product sale, subscription, data monetization, pay per use, platform,
outcome-based, asset sharing) and your own hybrids, with the same pricing engine that bills
invoices, and ranks them by net present value: cash flow, break-even month, LTV, LTV/CAC,
CAC payback, the customer's cost against buying outright, and what moves the answer.</p>
<p><a href="/advisor/example">See the worked example's report</a> (docs/advisor.md explains
every figure).</p>
<h2>Your own fleet</h2>
<pre>monetiot advise assumptions.yaml --usage usage.csv --html report.html
monetiot advise assumptions.yaml --tenant acme --from 2025-01 --to 2025-12</pre>
<p>or <code>POST /v1/advisor</code> with a read key in <code>Authorization: Bearer</code> and
<code>{"assumptions": {...}, "usage": "device,month,meter,quantity\\n..."}</code>
(<code>?format=html</code> for this report).</p>
</body></html>
"""


@router.get("/advisor", response_class=HTMLResponse, include_in_schema=False)
def advisor_page() -> HTMLResponse:
    return HTMLResponse(_INDEX)


@router.get("/advisor/example", response_class=HTMLResponse, include_in_schema=False)
async def advisor_example() -> HTMLResponse:
    assumptions, usage = advisor.example_files()
    stamp = (assumptions.stat().st_mtime_ns, usage.stat().st_mtime_ns)
    return HTMLResponse(await run_in_threadpool(_example_report, assumptions, usage, stamp))


@functools.lru_cache(maxsize=2)
def _example_report(assumptions: Path, usage: Path, stamp: tuple[int, int]) -> str:
    """The example's report, computed once per version of its files."""
    from monetiot.reports.advisor import render
    from monetiot.userfiles import read_document  # the exact YAML reader

    parsed = parse_assumptions(read_document(assumptions, "assumptions"))
    doc = advisor.advise(parsed, advisor.usage_from_csv(usage))
    return render(doc, "Revenue-model advisor: worked example")


@api.post("/advisor", response_model=Advice, responses={
    200: {"content": {"text/html": {"schema": {"type": "string"}}},
          "description": "The advice (JSON), or its HTML report with `?format=html`"}})
async def post_advisor(request: AdviceRequest, format: str = "json",
                       who: Principal = Depends(principal),
                       plat: Platform = Depends(platform)) -> Response:
    """Rank the business models for the posted assumptions and usage (or the tenant's)."""
    who.require("read")
    if format not in ("json", "html"):
        raise InvalidInput("json or html", field="format")
    body = request.doc()

    def work() -> dict[str, Any]:
        try:
            parsed = parse_assumptions(body.get("assumptions"))
        except InvalidInput as exc:
            where = "assumptions" if exc.field is None else f"assumptions.{exc.field}"
            raise InvalidInput(exc.message, field=where) from None
        return advisor.advise(parsed, _history(body, parsed, who, plat))

    doc = await run_in_threadpool(work)
    if format == "html":
        from monetiot.reports.advisor import render

        return HTMLResponse(render(doc))
    return JSONResponse(Advice.of(doc).model_dump(mode="json", by_alias=True,
                                                  exclude_unset=True))


def _history(body: dict[str, Any], parsed: Assumptions, who: Principal,
             plat: Platform) -> UsageHistory:
    usage = body.get("usage")
    if usage is not None:
        if not isinstance(usage, str):
            raise InvalidInput("the CSV text: device,month,meter,quantity lines", field="usage")
        return parse_usage_csv(usage, "usage")
    start, end = body.get("from"), body.get("to")
    for name, value in (("from", start), ("to", end)):
        if value is not None and not isinstance(value, str):
            raise InvalidInput("a month like 2026-01", field=name)
    with plat.uow(readonly=True) as uow:
        return advisor.usage_from_store(uow, who.tenant, parsed, plat.clock.now_ms(), start, end)

