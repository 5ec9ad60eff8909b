"""Outcome contracts as use cases: store a contract, settle a period onto the next invoice.

`create` stores a contract per tenant, immutable by id (the same terms again are a no-op,
other terms under the same id a conflict); its baseline is fitted at once, so a contract whose
model cannot be fitted is refused. `settle_period` measures one ended period from the store
(actual use: the contract's meter over the period for its customer; availability: heartbeat
slots of its devices), prices it with the same domain function as the preview, and adds the fee
(a credit when negative) as the pending charge `outcome:{contract}:{period start}`, billed once
on the customer's next invoice with the period's figures as the line's details. A period is
settled once: settling it again answers the stored settlement.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from monetiot.domain import jsonexact
from monetiot.domain.clock import iso_from_ms
from monetiot.domain.errors import Conflict, InvalidInput, NotFound
from monetiot.domain.meters import CONNECTED_MINUTES
from monetiot.domain.money import EXACT
from monetiot.domain.outcomes import (
    Contract,
    ReportingPeriod,
    Running,
    Sla,
    contract_json,
    model_of,
    parse_adjustment,
    parse_contract,
    period_outcome,
)
from monetiot.domain.outcomes.reading import obj, only, time_ms, variables
from monetiot.domain.pages import Page, PageRequest
from monetiot.services import charges, metering
from monetiot.store import outcomes as store
from monetiot.store import registry
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]
MINUTE_MS = 60_000


def create(uow: UnitOfWork, now_ms: int, tenant: str, doc: Row) -> tuple[Row, bool]:
    """Store a contract; returns its view and whether it was created (False: same again)."""
    contract = parse_contract(doc)
    if contract.customer is None:
        raise InvalidInput("required: whose contract this is", field="customer")
    if registry.get_customer(uow.conn, tenant, contract.customer) is None:
        raise NotFound(f"no customer {contract.customer!r}", field="customer")
    _check_sources(uow, tenant, contract)
    model_of(contract)  # refuse a baseline that cannot be fitted now, not at the first bill
    document = jsonexact.dumps(_plain(doc), sort_keys=True)
    existing = store.get_contract(uow.conn, tenant, contract.id)
    if existing is not None:  # the same terms, however the numbers were written, are a no-op
        if parse_contract(jsonexact.loads(existing["document"])) != contract:
            raise Conflict(f"outcome contract {contract.id!r} exists with another document "
                           "(contracts are immutable: create a new one)", field="id")
        return _view(existing), False
    row = {"tenant_id": tenant, "id": contract.id, "customer_id": contract.customer,
           "form": contract.form, "currency": contract.currency, "document": document,
           "created_ms": now_ms}
    try:
        store.insert_contract(uow.conn, row)
    except IntegrityError:
        raise Conflict(f"outcome contract {contract.id!r} exists", field="id") from None
    uow.commit()
    return _view(row), True


def _check_sources(uow: UnitOfWork, tenant: str, contract: Contract) -> None:
    if isinstance(contract.pricing, Sla):
        found = registry.get_devices(uow.conn, tenant, contract.pricing.devices)
        for i, device in enumerate(contract.pricing.devices):
            if device not in found:
                raise NotFound(f"no device {device!r}", field=f"sla.devices[{i}]")
        return
    if contract.meter is None:
        raise InvalidInput("required: the meter whose usage is the actual use", field="meter")
    if contract.meter != CONNECTED_MINUTES:
        metering.get_meter(uow, tenant, contract.meter)


def list_all(uow: UnitOfWork, tenant: str, customer: str | None = None,
             page: PageRequest | None = None) -> Page[Row]:
    rows = store.list_contracts(uow.conn, tenant, customer, page)
    return Page([_view(r) for r in rows], rows.next_cursor)


def get(uow: UnitOfWork, tenant: str, contract_id: str) -> Row:
    row = _row(uow, tenant, contract_id)
    billed = {c["id"]: c["invoice_id"] for c in charges.list_for(uow, tenant, row["customer_id"])}
    view = _view(row)
    view["document"] = jsonexact.loads(row["document"])
    view["settlements"] = [_settlement(s) | {"invoice_id": billed.get(s["charge_id"])}
                           for s in store.settlements(uow.conn, tenant, contract_id)]
    return view


def settle_period(uow: UnitOfWork, now_ms: int, tenant: str, contract_id: str,
                  period: Mapping[str, Any]) -> tuple[Row, bool]:
    """Settle `{start, end, variables?, adjustments?}` of the contract; returns the settlement
    and whether it was made now (False: the period was settled before)."""
    row = _row(uow, tenant, contract_id)
    contract = parse_contract(jsonexact.loads(row["document"]))
    body = obj(period, "body")
    only(body, {"start", "end", "variables", "adjustments"}, "")
    start, end = time_ms(body.get("start"), "start"), time_ms(body.get("end"), "end")
    if end <= start:
        raise InvalidInput("must be after start", field="end")
    if end > now_ms:
        raise InvalidInput(f"the period has not ended yet (it ends {iso_from_ms(end)})",
                           field="end")
    settled = store.settlements(uow.conn, tenant, contract.id)
    for s in settled:
        if s["start_ms"] == start and s["end_ms"] == end:
            return _settlement(s), False
        if s["start_ms"] < end and start < s["end_ms"]:
            raise Conflict(f"overlaps the settled period {iso_from_ms(s['start_ms'])} to "
                           f"{iso_from_ms(s['end_ms'])}", field="start")
    model = model_of(contract)
    measured = _measure(uow, now_ms, tenant, contract, _period(contract, body, start, end))
    adjustments = (*contract.adjustments_for(start),
                   *(parse_adjustment(a, f"adjustments[{i}]", period_required=False,
                                      period_start_ms=start)
                     for i, a in enumerate(body.get("adjustments") or [])))
    for i, a in enumerate(adjustments):
        if a.period_start_ms != start:
            raise InvalidInput("must be the start of the settled period",
                               field=f"adjustments[{i}].period")
    before = _running([s for s in settled if s["start_ms"] < start])
    outcome = period_outcome(contract, model, measured, adjustments, before)
    figures = contract_json(contract, model) | outcome.doc
    charge_id = f"outcome:{contract.id}:{iso_from_ms(start)}"
    customer = str(row["customer_id"])
    charges.add(uow, now_ms, tenant, customer, {
        "id": charge_id, "kind": "outcome", "description": outcome.description,
        "amount": outcome.fee, "currency": contract.currency, "quantity": outcome.quantity,
        "unit_price": outcome.unit_price, "covers_start_ms": start, "covers_end_ms": end,
        "details": figures,
    }, commit=False)
    settlement = {
        "tenant_id": tenant, "contract_id": contract.id, "start_ms": start, "end_ms": end,
        "charge_id": charge_id, "savings": outcome.savings, "fee": outcome.fee,
        "fee_due": outcome.fee_due, "figures": json.dumps(figures), "settled_ms": now_ms,
    }
    try:
        store.insert_settlement(uow.conn, settlement)
        uow.commit()
    except IntegrityError:
        raise Conflict("the period is being settled by another request; ask again",
                       field="start") from None
    return _settlement(settlement), True


def _period(contract: Contract, body: Mapping[str, Any], start: int,
            end: int) -> ReportingPeriod:
    """The period's conditions: from the contract when it lists them, else from the body."""
    listed = contract.period(start, end)
    given = None if body.get("variables") is None else variables(body["variables"],
                                                                  "variables")
    if listed is not None and listed.variables is not None:
        if given is not None and given != dict(listed.variables):
            raise Conflict("the contract fixes this period's conditions; they differ",
                           field="variables")
        given = dict(listed.variables)
    return ReportingPeriod(start, end, given)


def _measure(uow: UnitOfWork, now_ms: int, tenant: str, contract: Contract,
             period: ReportingPeriod) -> ReportingPeriod:
    """The period with what the store says: actual use, or connected device-minutes."""
    customer = str(contract.customer)
    pricing = contract.pricing
    if isinstance(pricing, Sla):
        slot_ms = pricing.heartbeat_minutes * MINUTE_MS
        slots = store.heartbeat_slots(uow.conn, tenant, customer, pricing.devices,
                                      period.start_ms, period.end_ms, slot_ms)
        return ReportingPeriod(period.start_ms, period.end_ms, period.variables,
                               connected_minutes=Decimal(slots * pricing.heartbeat_minutes))
    query = metering.UsageQuery(meter=str(contract.meter), start_ms=period.start_ms,
                                end_ms=period.end_ms, customer=customer)
    rows = metering.usage(uow, tenant, query, now_ms)
    actual = rows[0]["value"] if rows else None
    if actual is None:
        raise InvalidInput(f"meter {contract.meter!r} has no value for the period",
                           field="meter")
    return ReportingPeriod(period.start_ms, period.end_ms, period.variables,
                           actual=Decimal(actual))


def _running(settled: list[Row]) -> Running:
    savings, due = Decimal(0), Decimal(0)
    for s in settled:
        if s["savings"] is not None:
            savings = EXACT.add(savings, s["savings"])
        due = EXACT.add(due, s["fee_due"])
    return Running(savings, due)


def _row(uow: UnitOfWork, tenant: str, contract_id: str) -> Row:
    row = store.get_contract(uow.conn, tenant, contract_id)
    if row is None:
        raise NotFound(f"no outcome contract {contract_id!r}", field="contract")
    return row


def _view(row: Row) -> Row:
    return {"id": row["id"], "customer": row["customer_id"], "form": row["form"],
            "currency": row["currency"], "created_ms": row["created_ms"]}


def _settlement(row: Row) -> Row:
    return {"contract": row["contract_id"], "start": iso_from_ms(row["start_ms"]),
            "end": iso_from_ms(row["end_ms"]), "charge_id": row["charge_id"],
            "fee": row["fee"], "fee_due": row["fee_due"],
            "figures": json.loads(row["figures"]), "settled_ms": row["settled_ms"]}


def _plain(value: object) -> object:
    """The document as JSON can hold it: YAML dates become RFC 3339 text."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
