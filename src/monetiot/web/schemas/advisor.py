"""Schemas of the revenue-model advisor's request and advice (docs/advisor.md)."""

from __future__ import annotations

from pydantic import Field

from monetiot.web.schemas.base import Decimal, JsonObject, Request, Response


class AdviceRequest(Request):
    assumptions: JsonObject = Field(description="The assumptions document (docs/advisor.md)")
    usage: str | None = Field(None, description="CSV text: device,month,meter,quantity lines; "
                                                "without it the tenant's own meters are read")
    from_: str | None = Field(None, alias="from", description="First month (2026-01) of the "
                                                              "tenant's history")
    to: str | None = Field(None, description="Last month of the tenant's history")


class Recommendation(Response):
    id: str
    model: str
    name: str
    reasons: list[str]


class Advice(Response):
    """Every business model replayed over the usage history, ranked by net present value."""

    currency: str
    horizon_months: int
    discount_rate: Decimal
    prospects: Decimal
    prospects_per_month: Decimal
    history: JsonObject = Field(description="Where the usage came from, its months, meters")
    recommendation: Recommendation
    models: list[JsonObject] = Field(description="Per model, best first: rank, npv, "
                                                 "break_even_month, ltv, cac, margins, the "
                                                 "plan priced and the months (docs/advisor.md)")
    sensitivity: list[JsonObject] = Field(description="What moves the answer")
