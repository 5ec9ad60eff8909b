"""An invoice as a person reads it: charge rows with their steps, then the totals, as text.

Built from the invoice view (`services.billing.get_invoice`), independent of any layout, so the
PDF only places what this module decided. Invariants:
- charge lines are listed in their order; discount and prepaid-credit lines move to the totals;
- subtotal (charges) + discounts = the amount after discounts; less the tax it includes when
  tax is inclusive (prices include it) = the invoice's subtotal (net, before tax); + tax
  - prepaid credits = the invoice's total, which is printed as stored, never recomputed;
- balance due = total - paid, not below zero, and zero for a void invoice (as payments count
  it: a credit note goes to the customer's wallet or back as a refund, so it is noted apart);
- every number is written exactly (`formatting`), in the invoice's currency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from monetiot.documents.formatting import decimal, money, number, percent, span

ZERO = Decimal(0)
_PLAIN_UNITS = {"period", "subscription", ""}


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a usage charge (a tier, a package count, a fee): printed under its line."""

    label: str
    quantity: str = ""
    unit_price: str = ""
    amount: str = ""


@dataclass(frozen=True, slots=True)
class Item:
    description: str
    note: str  # what was counted, when it says more than the columns
    period: str
    quantity: str
    unit_price: str
    amount: str
    tax_rate: str
    tax: str
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True, slots=True)
class Summary:
    currency: str
    items: tuple[Item, ...]
    subtotal: str
    discounts: tuple[tuple[str, str], ...]
    net: str  # the invoice's subtotal: after discounts, before tax
    tax_label: str
    tax: str
    tax_inclusive: bool
    credits: str  # prepaid credits used, as a negative amount; "" when none
    total: str
    credited: str  # credit notes issued against it, as a positive amount; "" when none
    paid: str
    balance_due: str


def summarize(invoice: Mapping[str, Any], tz: ZoneInfo) -> Summary:
    currency = str(invoice["currency"])
    lines: Sequence[Mapping[str, Any]] = invoice.get("lines") or ()
    charges = [x for x in lines if x["kind"] not in ("discount", "credit")]
    discounts = [x for x in lines if x["kind"] == "discount"]
    credit = sum((_d(x["amount_due"]) for x in lines if x["kind"] == "credit"), ZERO)
    charged = sum((_d(x["amount_due"]) for x in charges), ZERO)
    tax, total = _d(invoice["tax"]), _d(invoice["total"])
    after_discounts = charged + sum((_d(x["amount_due"]) for x in discounts), ZERO)
    inclusive = not tax.is_zero() and total - credit == after_discounts
    subtotal = after_discounts - tax if inclusive else after_discounts
    credited, paid = _d(invoice.get("credited")), _d(invoice.get("paid"))
    balance = ZERO if invoice["status"] == "void" else max(total - paid, ZERO)
    rates = sorted({_d(x["tax_rate"]) for x in lines if not _d(x["tax_due"]).is_zero()})
    tax_label = "Tax included" if inclusive else "Tax"
    if len(rates) == 1:
        tax_label += f" ({percent(rates[0])})"
    return Summary(
        currency=currency,
        items=tuple(_item(x, currency, tz) for x in charges),
        subtotal=money(charged, currency),
        discounts=tuple((str(x["description"]), money(x["amount_due"], currency))
                        for x in discounts),
        net=money(subtotal, currency),
        tax_label=tax_label, tax=money(tax, currency), tax_inclusive=inclusive,
        credits=money(credit, currency) if credit else "",
        total=money(total, currency),
        credited=money(credited, currency) if credited else "",
        paid=money(paid, currency), balance_due=money(balance, currency),
    )


def _d(value: object) -> Decimal:
    return decimal(value) or ZERO


def _item(line: Mapping[str, Any], currency: str, tz: ZoneInfo) -> Item:
    details: Mapping[str, Any] = line.get("details") or {}
    usage = line["kind"] == "usage"
    unit_price = line.get("unit_price")
    return Item(
        description=str(line["description"]),
        note=_note(line, details),
        period=span(line.get("covers_start_ms"), line.get("covers_end_ms"), tz),
        quantity=number(line.get("quantity")),
        unit_price=(money(unit_price, currency) if unit_price is not None
                    else "see below" if usage and details.get("explanation") else ""),
        amount=money(line["amount_due"], currency),
        tax_rate=percent(line.get("tax_rate")),
        tax=money(line.get("tax_due"), currency),
        steps=tuple(_step(s, currency) for s in details.get("explanation") or ()
                    if isinstance(s, Mapping)),
    )


def _note(line: Mapping[str, Any], details: Mapping[str, Any]) -> str:
    unit = str(details.get("unit") or "")
    if line["kind"] == "usage":
        parts = [f"{number(line.get('quantity'))} {unit}".strip()]
        if _d(details.get("included")):
            parts.append(f"{number(details['included'])} included")
        billable = details.get("billable")
        if billable is not None and _d(billable) != _d(line.get("quantity")):
            parts.append(f"{number(billable)} billable")
        return ", ".join(parts)
    if line["kind"] == "minimum_true_up" and details.get("minimum") is not None:
        return (f"minimum {number(details['minimum'])}, "
                f"{number(details.get('counted') or 0)} charged")
    if line.get("quantity") is not None and unit not in _PLAIN_UNITS:
        plural = "" if _d(line["quantity"]) == 1 else "s"
        return f"{number(line['quantity'])} {unit}{plural}"
    return ""


def _step(step: Mapping[str, Any], currency: str) -> Step:
    kind = str(step.get("kind", ""))
    quantity = number(step.get("quantity"))
    price = money(step.get("unit_price"), currency)
    rate = percent(step.get("rate"))
    amount = money(step.get("amount"), currency)
    transaction = step.get("transaction")
    which = f"Transaction {int(transaction) + 1}" if transaction is not None else "Transaction"
    match kind:
        case "tier":
            return Step(_tier(step), quantity, rate or price, amount)
        case "flat_fee":
            return Step(f"{_tier(step)}, flat fee", "", "", amount)
        case "package":
            return Step("Packages", quantity, price, amount)
        case "unit":
            return Step("Units", quantity, price, amount)
        case "flat":
            return Step("Flat", "", "", amount)
        case "percentage":
            return Step(which, quantity, rate, amount)
        case "fixed_fee":
            return Step(f"{which}, fixed fee", "", "", amount)
        case "min_fee":
            return Step(f"{which}, raised to the minimum fee", quantity, rate, amount)
        case "max_fee":
            return Step(f"{which}, lowered to the maximum fee", quantity, rate, amount)
        case "minimum_true_up":
            return Step("Minimum true-up", "", "", amount)
    return Step(kind.replace("_", " ").capitalize(), quantity, rate or price, amount)


def _tier(step: Mapping[str, Any]) -> str:
    """`Tier 2 (100 to 1,000)` from a step's 0-based `tier` and its bounds `from`, `up_to`."""
    index, lower, up_to = step.get("tier"), step.get("from", "0"), step.get("up_to")
    if index is None:
        return "Tier"
    if up_to is None:
        bounds = f"over {number(lower)}"
    elif _d(lower).is_zero():
        bounds = f"up to {number(up_to)}"
    else:
        bounds = f"{number(lower)} to {number(up_to)}"
    return f"Tier {int(index) + 1} ({bounds})"

