"""The fast canonical texts of an event are byte for byte the domain's, whatever the event holds."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from monetiot.domain.events import Event
from monetiot.domain.events import fingerprint as domain_fingerprint
from monetiot.domain.jsonexact import dumps
from monetiot.services import canonical

_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["kwh", "L1", "a,1E+5", ":12e", '"', "\\", "\x7f", "\n", "é", "\u2028", "0e1"])
_decimals = st.decimals(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [Decimal("1E+2"), Decimal("1.0E+2"), Decimal("1E-7"), Decimal("-0"), Decimal("0.000001"),
     Decimal("1" * 39), Decimal("1" * 40), Decimal("-" + "9" * 39), Decimal("0." + "1" * 38),
     Decimal("123.4500"), Decimal("0.125")])
_values = st.recursive(
    st.none() | st.booleans() | _decimals | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)
_events = st.builds(
    Event, id=st.just("e1"), type=_text, time_ms=st.integers(0, 253_402_300_799_999),
    device=st.none() | _text, customer=st.none() | _text,
    data=st.dictionaries(_text, _values, max_size=6),
)


@settings(max_examples=600)
@given(_events)
def test_the_fast_texts_are_the_domain_texts(event: Event) -> None:
    assert canonical.data_text(event) == dumps(dict(event.data))
    assert canonical.fingerprint(event) == domain_fingerprint(event)


def test_a_plain_reading_takes_the_fast_path() -> None:
    event = Event("e1", "energy.reading", 1, "d1", None, {"kwh": Decimal("0.125"), "p": "L1"})
    assert canonical._UNSURE.search(canonical._PLAIN.encode(event.data)) is None
    assert canonical.data_text(event) == '{"kwh":0.125,"p":"L1"}'
