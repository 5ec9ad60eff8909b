"""Payment providers: the port a card processor plugs into, and collecting through one.

A provider is never called inside a database transaction (a slow processor must not hold the
invoice's lock, and a transaction cannot take back a charge). `collect` and `refund_through`:
1. record a pending payment (or refund) under its idempotency key, and commit;
2. call the provider with that key, no transaction open;
3. mark the row succeeded or failed and apply it to the invoice, in a second transaction.
A crash between 2 and 3 leaves the row pending. Calling again with the same key (or, for
`collect` without a key, calling again at all) resumes that row: the provider, which dedups on
the key, answers with the first outcome instead of charging twice. A pending payment counts as
due-but-taken, so nothing else can be paid on top of it meanwhile.

Providers are instances registered in code (`Providers`); a stored or requested name selects
one of them and never imports or builds a class.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from monetiot.domain.errors import Conflict, NotFound
from monetiot.services import fleet, payments
from monetiot.services.billing import invoice_view
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ProviderResult:
    status: str  # succeeded | failed | pending (the provider answers later)
    provider_ref: str | None = None  # the provider's id for the charge or refund
    error: str | None = None  # why it failed, in the provider's words


class PaymentProvider(Protocol):
    """What monetiot needs from a payment processor. Both calls must be idempotent on
    `idempotency_key`: the same key again returns the first outcome and moves no money."""

    name: str  # recorded on each payment: which provider holds the money
    method: str  # the payment method it collects: card | direct_debit

    def charge(self, invoice: Mapping[str, Any], customer: Mapping[str, Any], amount: Decimal,
               idempotency_key: str) -> ProviderResult: ...

    def refund(self, provider_ref: str, amount: Decimal,
               idempotency_key: str) -> ProviderResult: ...


class Providers:
    """The providers a deployment uses, by name, built in code by whoever wires the platform."""

    def __init__(self, *providers: PaymentProvider) -> None:
        self._by_name = {p.name: p for p in providers}

    def get(self, name: str) -> PaymentProvider:
        try:
            return self._by_name[name]
        except KeyError:
            raise NotFound(f"no payment provider {name!r} is configured",
                           field="provider") from None

    def names(self) -> list[str]:
        return sorted(self._by_name)


UowFactory = Callable[..., UnitOfWork]


def collect(uow_factory: UowFactory, now_ms: int, tenant: str, invoice_id: str,
            provider: PaymentProvider, *, idempotency_key: str | None = None) -> Row:
    """Charge what is due on a finalized invoice through `provider`; returns the payment
    (with `error` when the provider declined). Without a key, one is derived per attempt
    (`collect:{invoice}:{n}`) and a pending attempt is resumed."""
    with uow_factory() as uow:
        row, invoice = _open_charge(uow, now_ms, tenant, invoice_id, provider,
                                    idempotency_key)
        customer = fleet.get_customer(uow, tenant, invoice["customer_id"])
        uow.commit()
    if row["status"] != "pending":
        return payments.payment_view(row)
    result = provider.charge(invoice_view(invoice), customer, row["amount"],
                             row["idempotency_key"])
    return _settle(uow_factory, now_ms, tenant, row["id"], result)


def _open_charge(uow: UnitOfWork, now_ms: int, tenant: str, invoice_id: str,
                 provider: PaymentProvider, key: str | None) -> tuple[Row, Row]:
    invoice = payments.locked_invoice(uow, tenant, invoice_id)
    if key is None:
        earlier = payments.provider_payments(uow, tenant, invoice_id, provider.name)
        pending = [r for r in earlier if r["status"] == "pending"]
        if pending:
            return pending[0], invoice
        key = f"collect:{invoice_id}:{len(earlier) + 1}"
    else:
        stored = payments.stored_by_key(uow, tenant, key)
        if stored is not None:
            if (stored["invoice_id"], stored["kind"]) != (invoice_id, "payment"):
                raise Conflict(f"already used for {stored['kind']} {stored['id']}",
                               field="idempotency_key")
            return stored, invoice
    if invoice["status"] != "finalized":
        raise Conflict(f"the invoice is {invoice['status']}; only finalized invoices are "
                       "collected", field="invoice")
    due = payments.amount_due(uow, invoice)
    if due <= 0:
        raise Conflict("nothing is left to collect: a payment is pending", field="invoice")
    row, _ = payments.begin_payment(
        uow, now_ms, tenant, invoice_id,
        {"amount": due, "method": provider.method, "idempotency_key": key},
        status="pending", provider=provider.name)
    return row, invoice


def refund_through(uow_factory: UowFactory, now_ms: int, tenant: str, payment_id: str,
                   doc: Row, providers: Providers) -> Row:
    """Refund (part of) a payment a provider collected, through that provider
    (`{amount, idempotency_key}`); the same key again resumes or returns the first refund."""
    with uow_factory(readonly=True) as uow:
        payment = payments.get_payment(uow, tenant, payment_id)
    provider = providers.get(str(payment["provider"])) if payment["provider"] else None
    with uow_factory() as uow:
        row, _ = payments.begin_refund(uow, now_ms, tenant, payment_id, doc, status="pending",
                                       through_provider=True)
        uow.commit()
    if row["status"] != "pending" or provider is None:
        return payments.payment_view(row)
    result = provider.refund(str(payment["provider_ref"]), row["amount"],
                             row["idempotency_key"])
    return _settle(uow_factory, now_ms, tenant, row["id"], result)


def _settle(uow_factory: UowFactory, now_ms: int, tenant: str, row_id: str,
            result: ProviderResult) -> Row:
    with uow_factory() as uow:
        view = payments.settle(uow, now_ms, tenant, row_id, result.status, result.provider_ref)
        uow.commit()
    return view | {"error": result.error} if result.error else view


class FakeCardProvider:
    """A card processor that lives in memory, for tests and the demo.

    It exists only because a real card processor's servers cannot run here. It keeps the
    promises `collect` relies on: idempotent on the key (the same key returns the first answer
    and never charges twice) and deterministic: it declines every amount whose cents are .13,
    and refunds at most what is left of a charge. `lose_answers = n` makes the next n calls act
    and then raise ConnectionError, like a network that fails after the processor charged.
    """

    name = "fake_card"
    method = "card"

    def __init__(self) -> None:
        self.charged: dict[str, Decimal] = {}  # provider_ref -> amount charged
        self.refunded: dict[str, Decimal] = {}  # provider_ref -> amount refunded
        self.answers: dict[str, ProviderResult] = {}  # idempotency key -> first answer
        self.calls = 0
        self.lose_answers = 0
        self._lock = threading.Lock()

    def charge(self, invoice: Mapping[str, Any], customer: Mapping[str, Any], amount: Decimal,
               idempotency_key: str) -> ProviderResult:
        def act() -> ProviderResult:
            ref = "ch_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
            if amount * 100 % 100 == 13:
                return ProviderResult("failed", ref, "card_declined")
            self.charged[ref] = amount
            return ProviderResult("succeeded", ref)

        return self._once(idempotency_key, act)

    def refund(self, provider_ref: str, amount: Decimal,
               idempotency_key: str) -> ProviderResult:
        def act() -> ProviderResult:
            ref = "re_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
            left = self.charged.get(provider_ref, Decimal(0)) - self.refunded.get(
                provider_ref, Decimal(0))
            if amount > left:
                return ProviderResult("failed", ref, "amount_too_large")
            self.refunded[provider_ref] = self.refunded.get(provider_ref, Decimal(0)) + amount
            return ProviderResult("succeeded", ref)

        return self._once(idempotency_key, act)

    def _once(self, key: str, act: Callable[[], ProviderResult]) -> ProviderResult:
        with self._lock:
            self.calls += 1
            if key not in self.answers:
                self.answers[key] = act()
            if self.lose_answers > 0:
                self.lose_answers -= 1
                raise ConnectionError("the connection to the card processor was lost")
            return self.answers[key]
