"""The fake card processor keeps the promises `collect` relies on, and the provider registry
hands out only what was registered in code."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monetiot.domain.errors import NotFound
from monetiot.services.payment_providers import (
    FakeCardProvider,
    PaymentProvider,
    ProviderResult,
    Providers,
)

INVOICE = {"id": "inv_1", "currency": "EUR", "total": "100.00"}
CUSTOMER = {"id": "c1"}


def test_the_same_key_charges_once_and_answers_the_same() -> None:
    card = FakeCardProvider()
    first = card.charge(INVOICE, CUSTOMER, Decimal("100.00"), "k1")
    assert first.status == "succeeded" and first.provider_ref
    assert card.charge(INVOICE, CUSTOMER, Decimal("100.00"), "k1") == first
    assert card.charged == {first.provider_ref: Decimal("100.00")}
    other = card.charge(INVOICE, CUSTOMER, Decimal("100.00"), "k2")
    assert other.provider_ref != first.provider_ref and len(card.charged) == 2


@pytest.mark.parametrize(("amount", "declined"), [
    ("100.13", True), ("0.13", True), ("100.12", False), ("13", False), ("100.130", True),
])
def test_amounts_ending_in_13_cents_are_declined(amount: str, declined: bool) -> None:
    result = FakeCardProvider().charge(INVOICE, CUSTOMER, Decimal(amount), "k")
    assert (result.status, result.error) == (
        ("failed", "card_declined") if declined else ("succeeded", None))


def test_refunds_are_idempotent_and_bounded_by_the_charge() -> None:
    card = FakeCardProvider()
    ref = card.charge(INVOICE, CUSTOMER, Decimal(50), "k").provider_ref
    assert ref is not None
    assert card.refund(ref, Decimal(30), "r1").status == "succeeded"
    assert card.refund(ref, Decimal(30), "r1").status == "succeeded"  # the same refund
    assert card.refund(ref, Decimal("20.01"), "r2") == ProviderResult(
        "failed", card.answers["r2"].provider_ref, "amount_too_large")
    assert card.refunded == {ref: Decimal(30)}
    assert card.refund("ch_unknown", Decimal(1), "r3").status == "failed"


def test_a_lost_answer_acts_first_then_fails() -> None:
    card = FakeCardProvider()
    card.lose_answers = 1
    with pytest.raises(ConnectionError):
        card.charge(INVOICE, CUSTOMER, Decimal(10), "k")
    assert len(card.charged) == 1
    assert card.charge(INVOICE, CUSTOMER, Decimal(10), "k").status == "succeeded"
    assert len(card.charged) == 1 and card.calls == 2


def test_the_registry_holds_instances_registered_in_code() -> None:
    card: PaymentProvider = FakeCardProvider()
    providers = Providers(card)
    assert providers.get("fake_card") is card and providers.names() == ["fake_card"]
    with pytest.raises(NotFound) as missing:
        providers.get("monetiot.services.payment_providers.FakeCardProvider")
    assert missing.value.field == "provider"
