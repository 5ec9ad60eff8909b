"""Invoices as data: each line rounded once, tax per line, discounts, prepaid credit, and a
total that is always the sum of its rounded lines."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from monetiot.domain.billing.invoice import Discount, Line, Tax, settle, tax_on

D = Decimal
EUR = "EUR"


def line(amount: str, kind: str = "recurring", charge: str = "fee") -> Line:
    return Line(kind=kind, description=charge, amount=D(amount), charge_id=charge)


def rows(totals) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(x.kind, str(x.amount_due), str(x.tax_due)) for x in totals.lines]


# hand-checked invoices --------------------------------------------------------------------------

def test_each_line_is_rounded_once_half_away_from_zero() -> None:
    totals = settle([line("10.005"), line("0.004"), line("-0.005", "adjustment")], EUR, Tax())
    assert rows(totals) == [("recurring", "10.01", "0.00"), ("recurring", "0.00", "0.00"),
                            ("adjustment", "-0.01", "0.00")]
    assert (totals.subtotal, totals.tax, totals.total) == (D("10.00"), 0, D("10.00"))


def test_rounding_follows_the_currency_minor_unit() -> None:
    assert settle([line("100.5")], "JPY", Tax()).total == D("101")
    assert settle([line("1.0005")], "KWD", Tax()).total == D("1.001")


def test_exclusive_tax_is_added_per_rounded_line() -> None:
    """Three lines of 0.335 -> 0.34 each; 20 % of 0.34 is 0.068 -> 0.07 each: tax 0.21, not
    20 % of the 1.02 subtotal (0.20)."""
    totals = settle([line("0.335")] * 3, EUR, Tax(D(20)))
    assert rows(totals) == [("recurring", "0.34", "0.07")] * 3
    assert (totals.subtotal, totals.tax, totals.total) == (D("1.02"), D("0.21"), D("1.23"))


def test_inclusive_tax_is_taken_out_of_the_amount() -> None:
    totals = settle([line("12.00"), line("9.99")], EUR, Tax(D(20), inclusive=True))
    assert rows(totals) == [("recurring", "12.00", "2.00"), ("recurring", "9.99", "1.67")]
    # prices include the tax: the subtotal is what they are worth before it, as when exclusive
    assert (totals.subtotal, totals.tax, totals.total) == (D("18.32"), D("3.67"), D("21.99"))


def test_tax_on() -> None:
    assert tax_on(D("100.00"), Tax(D("5.5")), EUR) == D("5.50")
    assert tax_on(D("105.50"), Tax(D("5.5"), inclusive=True), EUR) == D("5.50")
    assert tax_on(D("100.00"), Tax(), EUR) == 0


def test_a_percentage_discount_is_a_taxed_line_of_its_own() -> None:
    totals = settle([line("80"), line("20", "usage", "energy")], EUR, Tax(D(20)),
                    [Discount("welcome", "Welcome", percent=D(10))])
    assert rows(totals) == [("recurring", "80.00", "16.00"), ("usage", "20.00", "4.00"),
                            ("discount", "-10.00", "-2.00")]
    assert totals.discounts_used == {"welcome": D("10.00")}
    assert (totals.subtotal, totals.tax, totals.total) == (D("90.00"), D("18.00"), D("108.00"))


def test_a_fixed_discount_never_takes_the_invoice_below_zero() -> None:
    totals = settle([line("30")], EUR, Tax(), [Discount("c50", "50 off", amount=D(50))])
    assert totals.discounts_used == {"c50": D("30.00")}
    assert totals.total == 0


def test_discounts_apply_in_order_on_what_is_left() -> None:
    totals = settle([line("100")], EUR, Tax(),
                    [Discount("f", "fixed", amount=D(20)), Discount("p", "half", percent=D(50)),
                     Discount("g", "more", amount=D(100))])
    assert totals.discounts_used == {"f": D(20), "p": D("40.00"), "g": D("40.00")}
    assert totals.total == 0


def test_prepaid_credit_pays_at_most_the_total_and_is_a_line() -> None:
    totals = settle([line("10")], EUR, Tax(D(20)), credit_available=D("50"))
    assert rows(totals)[-1] == ("credit", "-12.00", "0")
    assert (totals.credit_used, totals.total) == (D("12.00"), 0)
    partial = settle([line("10")], EUR, Tax(D(20)), credit_available=D("5.00"))
    assert (partial.credit_used, partial.total) == (D("5.00"), D("7.00"))


def test_no_credit_line_when_there_is_nothing_to_pay_or_no_credit() -> None:
    assert [x.kind for x in settle([line("-5", "adjustment")], EUR, Tax(),
                                   credit_available=D(10)).lines] == ["adjustment"]
    assert [x.kind for x in settle([line("5")], EUR, Tax(),
                                   credit_available=D(-3)).lines] == ["recurring"]


# every generated invoice adds up ---------------------------------------------------------------

amounts = st.decimals(min_value=D("-500"), max_value=D("5000"), places=6,
                      allow_nan=False, allow_infinity=False)
kinds = st.sampled_from(["recurring", "usage", "one_time", "instalment", "minimum_true_up",
                         "adjustment"])
discounts = st.lists(st.one_of(
    st.builds(lambda i, p: Discount(f"p{i}", "pct", percent=p), st.integers(0, 99),
              st.decimals(min_value=D("0.01"), max_value=D(100), places=2)),
    st.builds(lambda i, a: Discount(f"f{i}", "fixed", amount=a), st.integers(0, 99),
              st.decimals(min_value=D("0.01"), max_value=D(1000), places=2)),
), max_size=3, unique_by=lambda d: d.coupon_id)


@settings(max_examples=400)
@given(st.lists(st.tuples(kinds, amounts), min_size=1, max_size=8),
       st.decimals(min_value=D(0), max_value=D("99.99"), places=2), st.booleans(), discounts,
       st.decimals(min_value=D(-10), max_value=D(3000), places=2),
       st.sampled_from(["EUR", "JPY", "KWD"]))
def test_totals_are_the_sum_of_their_rounded_lines(
        charges: list[tuple[str, Decimal]], rate: Decimal, inclusive: bool,
        offers: list[Discount], credit: Decimal, currency: str) -> None:
    tax = Tax(rate, inclusive)
    quantum = D(1).scaleb(-{"EUR": 2, "JPY": 0, "KWD": 3}[currency])
    credit = credit.quantize(quantum)  # wallets hold whole minor units (top-ups are rounded)
    totals = settle([Line(kind=k, description=k, amount=a) for k, a in charges], currency,
                    tax, offers, credit)
    due = sum((x.amount_due for x in totals.lines), D(0))  # includes the credit line
    taxed = sum((x.tax_due for x in totals.lines), D(0))
    assert totals.total == (due if inclusive else due + taxed)
    gross = sum((x.amount_due for x in totals.lines if x.kind != "credit"), D(0))
    assert totals.subtotal == (gross - taxed if inclusive else gross)  # before tax, both modes
    assert totals.total == totals.subtotal + totals.tax - totals.credit_used
    assert totals.tax == taxed
    for x in totals.lines:
        assert x.amount_due == x.amount_due.quantize(quantum)
        assert x.tax_due == x.tax_due.quantize(quantum)
        if x.kind not in ("discount", "credit"):
            assert x.tax_rate == rate
    # discounts never take the charges below zero, nor spend more than a fixed coupon has
    charged = sum((x.amount_due for x in totals.lines if x.kind not in ("discount", "credit")),
                  D(0))
    taken = sum(totals.discounts_used.values(), D(0))
    assert 0 <= taken <= max(charged, D(0))
    for offer in offers:
        if offer.amount is not None:
            assert totals.discounts_used.get(offer.coupon_id, D(0)) <= offer.amount
    # prepaid credit is never negative, never more than available, never more than owed
    assert 0 <= totals.credit_used <= max(credit, D(0))
    if totals.credit_used:
        assert totals.total >= 0
