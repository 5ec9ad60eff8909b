"""Schemas of outcome contracts, their settlements and the stateless outcome preview."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from monetiot.web.schemas.base import (
    Decimal,
    Document,
    JsonObject,
    Paged,
    Response,
    TimeIn,
    Timestamp,
)


class ContractIn(Document):
    """An outcome contract (docs/outcomes.md): IPMVP baseline and shared savings, guaranteed
    savings, or SLA availability credits. The contract parser names the field at fault."""

    id: str | None = None
    customer: str | None = None
    description: str | None = None
    meter: str | None = None
    unit: str | None = None
    baseline: JsonObject | None = None
    reporting: list[JsonObject] | None = Field(None, description="Periods with inline actuals "
                                                                 "(for the preview)")
    adjustments: list[JsonObject] | None = None
    pricing: JsonObject | None = None
    sla: JsonObject | None = None


class SettleIn(Document):
    start: TimeIn | None = None
    end: TimeIn | None = Field(None, description="Exclusive; the period must have ended")
    variables: dict[str, Any] | None = Field(None, description="Independent variables (e.g. "
                                                               "degree days) of the period")
    adjustments: list[JsonObject] | None = None


class ContractSummary(Response):
    id: str
    customer: str
    form: str = Field(description="shared_savings, guaranteed_savings or sla")
    currency: str
    created: Timestamp
    created_ms: int


class ContractList(Paged):
    outcome_contracts: list[ContractSummary]


class Settlement(Response):
    contract: str
    start: Timestamp
    end: Timestamp
    charge_id: str
    fee: Decimal
    fee_due: Decimal
    figures: JsonObject = Field(description="Baseline, actual, savings and pricing figures")
    settled: Timestamp
    settled_ms: int
    invoice_id: str | None = Field(None, description="The invoice that billed the fee")


class Contract(ContractSummary):
    document: JsonObject = Field(description="The contract as stored")
    settlements: list[Settlement]


class OutcomePreview(Response):
    contract: str
    form: str
    currency: str
    unit: str | None
    model: JsonObject | None = Field(description="The baseline model and its statistics")
    customer: str
    periods: list[JsonObject] = Field(description="Each reporting period's outcome")
    total: dict[str, Decimal]
    warnings: list[str]
