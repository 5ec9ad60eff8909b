"""Billing runs: close every due boundary of every subscription into exactly one invoice.

A boundary is a moment when something becomes billable: a slice of a period starts (its
in-advance charges) or ends (its in-arrears charges, usage and true-up). `bill_subscription`
bills a subscription's boundaries from where it stopped (`billed_until_ms`) up to now, each into
one invoice in one transaction:
- the subscription row is locked (PostgreSQL) or the database is (SQLite), and the invoice's
  (subscription, kind, boundary) is unique, so two runs at once, or a re-run after a crash, never
  bill a boundary twice;
- usage that arrived after its period was invoiced is billed on the next invoice as a labelled
  adjustment (the difference between what the rollups say now and what was billed).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from monetiot.domain.billing.invoice import Line, settle
from monetiot.domain.billing.periods import Schedule, day_share
from monetiot.domain.billing.subscriptions import Phase, Slice, hour_floor, slices
from monetiot.domain.clock import iso_from_ms
from monetiot.domain.errors import MonetiotError, NotFound
from monetiot.domain.money import currency_code, round_money
from monetiot.domain.plans import (
    INSTALMENT,
    MINIMUM_TRUE_UP,
    ONE_TIME,
    USAGE,
    PeriodInputs,
    Plan,
    RatedLine,
    rate_in_advance,
    rate_period,
)
from monetiot.domain.plans.rating import MINIMUM_CHARGE_ID
from monetiot.domain.pricing.preview import line_json
from monetiot.services import billing_inputs as inputs
from monetiot.services import charges, credits, webhooks
from monetiot.services.catalog import load_plan
from monetiot.store import billing as store
from monetiot.store import registry
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]
DAY_MS = 86_400_000
log = logging.getLogger(__name__)


@dataclass
class RunReport:
    subscriptions: int = 0
    invoices: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)


def run(uow_factory: Callable[..., UnitOfWork], now_ms: int, tenant: str | None = None,
        *, finalize: bool = True, batch: int = 200) -> RunReport:
    """Bill every due subscription, each in its own transaction; safe to re-run or run twice."""
    report = RunReport()
    after = ("", "")
    while True:
        with uow_factory(readonly=True) as uow:
            due = store.due_subscriptions(uow.conn, tenant, now_ms, batch, after)
        if not due:
            return report
        for key in due:
            after = key
            report.subscriptions += 1
            try:
                with uow_factory() as uow:
                    report.invoices += bill_subscription(uow, now_ms, key[0], key[1],
                                                         finalize=finalize)
            except MonetiotError as exc:
                report.errors.append({"tenant": key[0], "subscription": key[1],
                                      "error": str(exc)})
            except Exception as exc:  # one broken subscription must not stop the others
                log.exception("billing %s/%s failed", *key)
                report.errors.append({"tenant": key[0], "subscription": key[1],
                                      "error": f"{type(exc).__name__}: {exc}"})


def bill_subscription(uow: UnitOfWork, now_ms: int, tenant: str, subscription_id: str,
                      *, finalize: bool = True, commit: bool = True) -> list[str]:
    """Bill the subscription's due boundaries; returns the ids of the invoices it created."""
    sub = store.get_subscription(uow.conn, tenant, subscription_id, lock=True)
    if sub is None:
        raise NotFound(f"no subscription {subscription_id!r}", field="subscription")
    state = _State.load(uow, tenant, sub, now_ms)
    created: list[str] = []
    for boundary in state.boundaries():
        if boundary < sub["billed_until_ms"] or boundary > now_ms:
            continue
        lines = state.lines_at(boundary)
        if lines:
            invoice_id = _create_invoice(uow, now_ms, tenant, sub, boundary, lines, state,
                                         finalize=finalize)
            if invoice_id is not None:
                created.append(invoice_id)
        sub["billed_until_ms"] = boundary + 1
    created += _open_periods(uow, now_ms, tenant, sub, state, finalize=finalize)
    store.update_subscription(uow.conn, tenant, subscription_id,
                              {"billed_until_ms": sub["billed_until_ms"]})
    if commit:
        uow.commit()
    return created


@dataclass
class _State:
    """A subscription's phases, slices and plans, read once per billing."""

    uow: UnitOfWork
    tenant: str
    sub: Row
    now_ms: int
    slices: list[Slice]
    plans: dict[tuple[str, int], Plan]
    pauses: list[tuple[int, int | None]]

    @classmethod
    def load(cls, uow: UnitOfWork, tenant: str, sub: Row, now_ms: int) -> _State:
        plans: dict[tuple[str, int], Plan] = {}
        phases = []
        for row in store.phases(uow.conn, tenant, sub["id"]):
            key = (row["plan_id"], row["plan_version"])
            if key not in plans:
                plans[key] = load_plan(uow, tenant, *key).plan
            phases.append(Phase(row["start_ms"], row["end_ms"], key[0], key[1],
                                plans[key].billing_period.value))
        pauses = [(p["start_ms"], p["end_ms"]) for p in store.pauses(uow.conn, tenant, sub["id"])]
        cut = slices(sub["start_ms"], sub["end_ms"], sub["anchor"], sub["timezone"], phases,
                     now_ms + 1)
        return cls(uow, tenant, sub, now_ms, cut, plans, pauses)

    def plan(self, s: Slice) -> Plan:
        return self.plans[(s.phase.plan_id, s.phase.plan_version)]

    def boundaries(self) -> list[int]:
        points = {s.start_ms for s in self.slices} | {s.end_ms for s in self.slices}
        points |= {r for r in self._resumes() if any(s.start_ms < r < s.end_ms
                                                     for s in self.slices)}
        return sorted(p for p in points if p <= self.now_ms)

    def lines_at(self, boundary: int) -> list[Line]:
        lines: list[Line] = []
        for s in self.slices:
            if s.end_ms == boundary:
                lines += self._arrears(s)
        lines += self._adjustments(boundary)
        if any(s.end_ms == boundary for s in self.slices):
            currency = _plan_at(self, boundary).currency
            lines += [charges.as_line(r) for r in charges.pending(
                self.uow, self.tenant, self.sub["customer_id"], currency, boundary)]
        for s in self.slices:
            if boundary in self._advance_points(s):
                lines += [_line(r) for r in self._advance(s, boundary).lines]
        return lines

    # pauses -----------------------------------------------------------------------------------

    def _resumes(self) -> list[int]:
        return [end for _, end in self.pauses if end is not None]

    def _paused_at(self, at: int) -> bool:
        return any(start <= at and (end is None or end > at) for start, end in self.pauses)

    def _advance_points(self, s: Slice) -> list[int]:
        """When a slice's in-advance charges are billed: at its start unless paused then, and at
        every resume inside it (for the rest of the slice). Pausing credits what was paid."""
        points = [] if self._paused_at(s.start_ms) else [s.start_ms]
        return points + [r for r in self._resumes() if s.start_ms < r < s.end_ms]

    def _unpaused(self, start: int, end: int) -> list[tuple[int, int]]:
        """[start, end) less the paused intervals (a pause still open lasts until now)."""
        parts = [(start, end)]
        for p_start, p_end in self.pauses:
            stop = p_end if p_end is not None else max(self.now_ms, end)
            parts = [piece for a, b in parts
                     for piece in ((a, min(b, p_start)), (max(a, stop), b)) if piece[0] < piece[1]]
        return parts

    # rating ---------------------------------------------------------------------------------

    def active_start(self, s: Slice) -> int:
        trial_end = self.sub["trial_end_ms"]
        return s.start_ms if trial_end is None else min(max(s.start_ms, trial_end), s.end_ms)

    def _factor(self, s: Slice) -> Fraction:
        """The share of the whole period that in-arrears fees bill: its days from the trial's
        end, less the days it was paused (exact: rounded once, on the line)."""
        parts = self._unpaused(self.active_start(s), s.end_ms)
        return day_share(parts, s.period.start_ms, s.period.end_ms, self.sub["timezone"])

    def in_trial(self, s: Slice) -> bool:
        trial_end = self.sub["trial_end_ms"]
        return trial_end is not None and s.end_ms <= trial_end

    def _last_of_period(self, s: Slice) -> bool:
        """One-time charges and instalments are billed once per period, by its last slice."""
        return not any(x.period.index == s.period.index and x.start_ms > s.start_ms
                       and x.phase.interval == s.phase.interval for x in self.slices)

    def _earlier_new_devices(self, s: Slice) -> tuple[int, ...]:
        schedule = Schedule(self.sub["start_ms"], s.phase.interval, self.sub["anchor"],
                            self.sub["timezone"])
        counts = []
        for index in range(s.period.index):
            p = schedule.period(index)
            counts.append(self._new_devices(index, p.start_ms, p.end_ms))
        return tuple(counts)

    def _new_devices(self, index: int, start_ms: int, end_ms: int) -> int:
        """Devices newly assigned in a period; in the first, also those the customer already
        had when the subscription started (they were never charged under it)."""
        customer = self.sub["customer_id"]
        if index == 0:
            return inputs.devices_during(self.uow, self.tenant, customer, self.sub["start_ms"],
                                         end_ms)
        return inputs.new_devices(self.uow, self.tenant, customer, start_ms, end_ms)

    def _advance(self, s: Slice, at: int | None = None) -> Any:
        start = max(s.start_ms if at is None else at, self.active_start(s))
        factor = s.factor(self.sub["timezone"], start)
        customer = self.sub["customer_id"]
        return rate_in_advance(self.plan(s), PeriodInputs(
            period_index=s.period.index, start_ms=start, end_ms=s.end_ms,
            in_trial=self.in_trial(s),
            active_devices=inputs.devices_at(self.uow, self.tenant, customer, start),
            seats=self.sub["seats"], advance_period_factor=factor,
        ))

    def _prepaid(self, s: Slice) -> Decimal:
        """What the slice was billed in advance: it counts toward the minimum commitment."""
        if self.plan(s).minimum_commitment is None:
            return Decimal(0)
        return sum((self._advance(s, at).total for at in self._advance_points(s)), Decimal(0))

    def _arrears(self, s: Slice) -> list[Line]:
        plan, customer = self.plan(s), self.sub["customer_id"]
        active = self.active_start(s)
        last = self._last_of_period(s)
        period_start = max(s.period.start_ms, self.sub["start_ms"])
        rating = rate_period(plan, PeriodInputs(
            period_index=s.period.index, start_ms=s.start_ms, end_ms=s.end_ms,
            in_trial=self.in_trial(s),
            usage=inputs.usage(self.uow, self.tenant, customer, plan, active, s.end_ms,
                               self.now_ms),
            active_devices=inputs.device_periods(
                self.uow, self.tenant, customer, self._unpaused(active, s.end_ms),
                (s.period.start_ms, s.period.end_ms), self.sub["timezone"]),
            seats=self.sub["seats"],
            new_devices=self._new_devices(s.period.index, period_start, s.end_ms) if last else 0,
            earlier_new_devices=self._earlier_new_devices(s) if last else (),
            period_factor=self._factor(s), prepaid=self._prepaid(s),
        ))
        kept = [r for r in rating.lines if last or r.kind not in (ONE_TIME, INSTALMENT)]
        interim = {} if plan.progressive_billing_threshold is None else store.interim_billed(
            self.uow.conn, self.tenant, self.sub["id"], s.start_ms)
        deductions = [
            Line(kind="interim_deduction", charge_id=charge_id,
                 description=f"{next((c.name for c in plan.usage if c.id == charge_id), charge_id)}"
                             ", already billed on interim invoices",
                 amount=-amount, covers_start_ms=s.start_ms, covers_end_ms=s.end_ms)
            for charge_id, amount in sorted(interim.items()) if amount
        ]
        for r in kept:
            if (r.kind == USAGE and r.meter is not None) or r.kind == MINIMUM_TRUE_UP:
                store.put_usage_billed(self.uow.conn, {
                    "tenant_id": self.tenant, "subscription_id": self.sub["id"],
                    "charge_id": r.charge_id, "period_start_ms": active,
                    "period_end_ms": s.end_ms, "quantity": r.quantity,
                    "amount": r.amount if r.kind == USAGE else r.amount_due, "invoice_id": "",
                })
        return [_line(r) for r in kept] + deductions

    def _adjustments(self, boundary: int) -> list[Line]:
        """Usage that arrived after its period was invoiced, billed now as the difference, and
        the change it makes to that period's minimum true-up (a period still costs at least
        its minimum commitment, never more because of it)."""
        lines: list[Line] = []
        periods: dict[int, list[Row]] = {}
        for row in store.usage_billed_for(self.uow.conn, self.tenant, self.sub["id"]):
            if row["period_end_ms"] < boundary and row["invoice_id"]:
                periods.setdefault(row["period_end_ms"], []).append(row)
        for end, rows in sorted(periods.items()):
            s = next((x for x in self.slices if x.end_ms == end), None)
            if s is None:
                continue
            plan = self.plan(s)
            changed_due = Decimal(0)
            for row in rows:
                line = self._usage_adjustment(plan, row)
                if line is not None:
                    lines.append(line)
                    changed_due += (round_money(row["amount"] + line.amount, plan.currency)
                                    - round_money(row["amount"], plan.currency))
            minimum = next((r for r in rows if r["charge_id"] == MINIMUM_CHARGE_ID), None)
            if minimum is not None and changed_due and minimum["amount"] > 0:
                true_up = max(Decimal(0), minimum["amount"] - changed_due)
                lines.append(Line(
                    kind="adjustment", charge_id=MINIMUM_CHARGE_ID,
                    description=(f"Adjustment: minimum commitment of "
                                 f"{iso_from_ms(minimum['period_start_ms'])[:10]} to "
                                 f"{iso_from_ms(end)[:10]}, after late usage"),
                    amount=true_up - minimum["amount"],
                    covers_start_ms=minimum["period_start_ms"], covers_end_ms=end,
                    details={"billed_true_up": str(minimum["amount"]),
                             "true_up": str(true_up)}))
                store.put_usage_billed(self.uow.conn, minimum | {"amount": true_up,
                                                                 "invoice_id": ""})
        return lines

    def _usage_adjustment(self, plan: Plan, row: Row) -> Line | None:
        charge = next((c for c in plan.usage if c.id == row["charge_id"]), None)
        if charge is None:
            return None
        now_usage = inputs.usage(self.uow, self.tenant, self.sub["customer_id"], plan,
                                 row["period_start_ms"], row["period_end_ms"], self.now_ms)
        quantity = now_usage.get(charge.meter, Decimal(0))
        if quantity == row["quantity"]:
            return None
        rerated = rate_period(plan, PeriodInputs(
            period_index=0, start_ms=row["period_start_ms"], end_ms=row["period_end_ms"],
            usage={charge.meter: quantity}))
        amount = next((r.amount for r in rerated.lines if r.charge_id == charge.id), Decimal(0))
        delta_q = quantity - row["quantity"]
        store.put_usage_billed(self.uow.conn, row | {"quantity": quantity, "amount": amount,
                                                     "invoice_id": ""})
        return Line(
            kind="adjustment", charge_id=charge.id, meter_id=charge.meter,
            description=(f"Adjustment: {charge.name}, usage of "
                         f"{iso_from_ms(row['period_start_ms'])[:10]} to "
                         f"{iso_from_ms(row['period_end_ms'])[:10]} that arrived after "
                         f"it was invoiced ({_signed(delta_q)} {charge.meter})"),
            amount=amount - row["amount"], quantity=delta_q,
            covers_start_ms=row["period_start_ms"], covers_end_ms=row["period_end_ms"],
            details={"billed_quantity": str(row["quantity"]), "quantity": str(quantity),
                     "billed_amount": str(row["amount"]), "amount": str(amount)},
        )


def _open_periods(uow: UnitOfWork, now_ms: int, tenant: str, sub: Row, state: _State,
                  *, finalize: bool) -> list[str]:
    """In periods still running: usage alerts, and an interim invoice when the usage charges to
    date, less what interim invoices already billed, reach the plan's progressive threshold."""
    created: list[str] = []
    to = hour_floor(now_ms)
    customer = sub["customer_id"]
    for s in state.slices:
        plan = state.plan(s)
        active = state.active_start(s)
        if not s.start_ms < to < s.end_ms or to <= active or state.in_trial(s):
            continue
        threshold = plan.progressive_billing_threshold
        if threshold is None and not any(c.alerts for c in plan.usage):
            continue
        usage = inputs.usage(uow, tenant, customer, plan, active, to, now_ms)
        for charge in plan.usage:
            for level in charge.alerts:
                webhooks.usage_threshold_reached(
                    uow, now_ms, tenant, customer, charge.meter, level,
                    usage.get(charge.meter, Decimal(0)), period_start_ms=s.start_ms)
        if threshold is None:
            continue
        rating = rate_period(plan, PeriodInputs(period_index=s.index, start_ms=s.start_ms,
                                                end_ms=to, usage=usage))
        billed = store.interim_billed(uow.conn, tenant, sub["id"], s.start_ms)
        lines = [
            Line(kind="usage", description=f"{r.description}, to date (interim invoice)",
                 amount=r.amount - billed.get(r.charge_id, Decimal(0)), charge_id=r.charge_id,
                 meter_id=r.meter, quantity=r.quantity, covers_start_ms=s.start_ms,
                 covers_end_ms=to, details={"interim": True, "to_date": str(r.amount),
                                            "billed_before": str(billed.get(r.charge_id, 0))})
            for r in rating.lines if r.kind == USAGE
        ]
        lines = [line for line in lines if line.amount]
        if sum((round_money(line.amount, plan.currency) for line in lines),
               Decimal(0)) < threshold:
            continue
        invoice_id = _write_invoice(uow, now_ms, tenant, customer, sub, "interim", to, lines,
                                    plan.currency, finalize=finalize)
        if invoice_id is not None:
            created.append(invoice_id)
    return created


def _signed(value: Decimal) -> str:
    return f"+{value}" if value > 0 else str(value)


def _line(r: RatedLine) -> Line:
    details: dict[str, object] = {"unit": r.unit}
    if r.explanation:
        details["explanation"] = [dict(line_json(e)) for e in r.explanation]
    for name in ("included", "billable", "minimum", "counted", "instalment", "instalments"):
        value = getattr(r, name)
        if value is not None:
            details[name] = str(value)
    if r.timing is not None:
        details["timing"] = r.timing.value
    if r.share is not None:
        details["share"] = f"{r.share.numerator}/{r.share.denominator}"
    return Line(kind=r.kind, description=r.description, amount=r.amount, charge_id=r.charge_id,
                meter_id=r.meter, quantity=r.quantity, unit_price=r.unit_price,
                covers_start_ms=r.covers_start_ms, covers_end_ms=r.covers_end_ms,
                details=details, exact=r.exact)


def _create_invoice(uow: UnitOfWork, now_ms: int, tenant: str, sub: Row, boundary: int,
                    lines: Sequence[Line], state: _State, *, finalize: bool) -> str | None:
    invoice_id = _write_invoice(uow, now_ms, tenant, sub["customer_id"], sub, "period",
                                boundary, lines, _plan_at(state, boundary).currency,
                                finalize=finalize)
    if invoice_id is not None:
        _mark_usage_billed(uow, tenant, sub["id"], invoice_id)
    return invoice_id


def invoice_pending_charges(uow: UnitOfWork, now_ms: int, tenant: str, customer: str,
                            currency: str = "EUR", *, finalize: bool = True) -> Row | None:
    """Bill a customer's pending charges now, on an invoice of their own (None: nothing due)."""
    currency = currency_code(currency)
    rows = charges.pending(uow, tenant, customer, currency)
    if not rows:
        return None
    invoice_id = _write_invoice(uow, now_ms, tenant, customer, None, "charges", now_ms,
                                [charges.as_line(r) for r in rows], currency,
                                finalize=finalize)
    uow.commit()
    return get_invoice(uow, tenant, invoice_id) if invoice_id else None


def _write_invoice(uow: UnitOfWork, now_ms: int, tenant: str, customer: str, sub: Row | None,
                   kind: str, boundary: int, lines: Sequence[Line], currency: str,
                   *, finalize: bool) -> str | None:
    """Settle, claim, write and (optionally) finalize one invoice; None if already billed."""
    registry.lock_customer(uow.conn, tenant, customer)  # the wallet is spent once
    tax = credits.customer_tax(uow, tenant, customer)
    discounts = credits.discounts_for(uow, tenant, sub["id"], currency) if sub else []
    wallet = credits.wallet_balance(uow, tenant, customer, currency, now_ms)
    totals = settle(lines, currency, tax, discounts, wallet)
    covers = [x for line in lines for x in (line.covers_start_ms, line.covers_end_ms)
              if x is not None]
    invoice_id = f"inv_{uuid.uuid4().hex[:20]}"
    claimed = store.claim_invoice(uow.conn, {
        "tenant_id": tenant, "id": invoice_id, "number": None, "customer_id": customer,
        "subscription_id": sub["id"] if sub else None, "kind": kind, "boundary_ms": boundary,
        "period_start_ms": min(covers, default=boundary),
        "period_end_ms": max(covers, default=boundary), "status": "draft", "currency": currency,
        "subtotal": totals.subtotal, "tax": totals.tax, "total": totals.total,
        "credited": Decimal(0), "paid": Decimal(0), "created_ms": now_ms, "finalized_ms": None,
        "due_ms": None, "paid_ms": None, "voided_ms": None,
    })
    if not claimed:
        return None  # another run billed this boundary
    store.insert_lines(uow.conn, [_line_row(tenant, invoice_id, i, line)
                                  for i, line in enumerate(totals.lines, start=1)])
    charges.mark_billed(uow, tenant, [str(line.details["pending_charge"]) for line in lines
                                      if "pending_charge" in line.details], invoice_id)
    credits.record_use(uow, now_ms, tenant, customer, sub["id"] if sub else None, invoice_id,
                       totals)
    if finalize:
        finalize_invoice(uow, now_ms, tenant, invoice_id)
    return invoice_id


def _plan_at(state: _State, boundary: int) -> Plan:
    """The plan an invoice at `boundary` is in: the one starting there, else the one ending."""
    starting = [s for s in state.slices if s.start_ms == boundary]
    ending = [s for s in state.slices if s.end_ms == boundary]
    return state.plan((starting or ending or state.slices[-1:])[0])


def _mark_usage_billed(uow: UnitOfWork, tenant: str, subscription_id: str,
                       invoice_id: str) -> None:
    for row in store.usage_billed_for(uow.conn, tenant, subscription_id):
        if not row["invoice_id"]:
            store.put_usage_billed(uow.conn, row | {"invoice_id": invoice_id})


def _line_row(tenant: str, invoice_id: str, position: int, line: Line) -> Row:
    return {
        "tenant_id": tenant, "invoice_id": invoice_id, "position": position, "kind": line.kind,
        "charge_id": line.charge_id, "description": line.description, "meter_id": line.meter_id,
        "quantity": line.quantity, "unit_price": line.unit_price, "amount": line.amount,
        "amount_due": line.amount_due, "tax_rate": line.tax_rate, "tax_due": line.tax_due,
        "covers_start_ms": line.covers_start_ms, "covers_end_ms": line.covers_end_ms,
        "details": json.dumps(line.details, default=str),
    }


def finalize_invoice(uow: UnitOfWork, now_ms: int, tenant: str, invoice_id: str) -> Row:
    """Give a draft its gap-free number and due date; report it (`invoice.finalized`)."""
    row = store.get_invoice(uow.conn, tenant, invoice_id, lock=True)
    if row is None:
        raise NotFound(f"no invoice {invoice_id!r}", field="invoice")
    if row["status"] != "draft":
        return row
    number = f"INV-{store.next_invoice_number(uow.conn, tenant):06d}"
    terms = credits.payment_terms_days(uow, tenant, row["customer_id"])
    values = {"number": number, "status": "finalized", "finalized_ms": now_ms,
              "due_ms": now_ms + terms * DAY_MS}
    if row["total"] <= 0:
        values |= {"status": "paid", "paid_ms": now_ms}
    store.update_invoice(uow.conn, tenant, invoice_id, values)
    row = row | values
    store.emit(uow.conn, tenant, f"invoice.finalized:{invoice_id}", "invoice.finalized",
               {"invoice": invoice_view(row)}, now_ms)
    if row["status"] == "paid":
        store.emit(uow.conn, tenant, f"invoice.paid:{invoice_id}", "invoice.paid",
                   {"invoice": invoice_view(row)}, now_ms)
    return row


def invoice_view(row: Row, lines: Sequence[Row] | None = None) -> Row:
    view = {k: row[k] for k in (
        "id", "number", "customer_id", "subscription_id", "kind", "status", "currency",
        "period_start_ms", "period_end_ms", "subtotal", "tax", "total", "credited", "paid",
        "created_ms", "finalized_ms", "due_ms", "paid_ms", "voided_ms")}
    view = {("customer" if k == "customer_id" else "subscription" if k == "subscription_id"
             else k): (str(v) if isinstance(v, Decimal) else v) for k, v in view.items()}
    if lines is not None:
        view["lines"] = [line_view(r) for r in lines]
    return view


def line_view(row: Row) -> Row:
    view = {k: row[k] for k in ("position", "kind", "charge_id", "description", "meter_id",
                                "quantity", "unit_price", "amount", "amount_due", "tax_rate",
                                "tax_due", "covers_start_ms", "covers_end_ms")}
    view = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in view.items()}
    view["details"] = json.loads(row["details"])
    return view


def get_invoice(uow: UnitOfWork, tenant: str, invoice_id: str) -> Row:
    row = store.get_invoice(uow.conn, tenant, invoice_id)
    if row is None:
        raise NotFound(f"no invoice {invoice_id!r}", field="invoice")
    return invoice_view(row, store.invoice_lines_of(uow.conn, tenant, invoice_id))


def list_invoices(uow: UnitOfWork, tenant: str, **filters: Any) -> list[Row]:
    return [invoice_view(r) for r in store.list_invoices(uow.conn, tenant, **filters)]

