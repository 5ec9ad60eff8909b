"""Currencies: ISO 4217 codes and their minor units, as reference data the domain is given.

The table is not typed in here: it comes from a maintained source (the `iso4217` package, which
ships the list the ISO 4217 maintenance agency publishes) and is installed once by the
composition root (`monetiot.currency_table.install`, called by `bootstrap`, the CLI and the web
app). The domain stays pure: it only reads the mapping it was given.

Invariants: a currency is an upper-case ISO 4217 code that the installed table lists with a
numeric minor unit (funds such as gold, XAU, have none and cannot be billed); a code that is
not in the table is refused, naming the field, wherever a currency enters; the exponent of a
code is the table's, never a default.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from monetiot.domain.errors import InvalidInput

_table: Mapping[str, int] | None = None


class CurrencyTableMissing(RuntimeError):
    """The composition root did not install the ISO 4217 table (a programming error)."""


def install(table: Mapping[str, int]) -> None:
    """Give the domain its ISO 4217 table: code -> number of decimal places of the minor unit."""
    global _table
    checked = {}
    for code, exponent in table.items():
        if len(code) != 3 or not code.isalpha() or not code.isupper() or not 0 <= exponent <= 4:
            raise ValueError(f"not an ISO 4217 entry: {code!r} with {exponent!r} minor digits")
        checked[code] = exponent
    if not checked:
        raise ValueError("an empty currency table")
    _table = MappingProxyType(checked)


def installed() -> bool:
    return _table is not None


def table() -> Mapping[str, int]:
    if _table is None:
        raise CurrencyTableMissing(
            "no ISO 4217 table installed: call monetiot.currency_table.install() "
            "(bootstrap, the CLI and the web app do)")
    return _table


def currency_code(value: object, field: str = "currency") -> str:
    """The ISO 4217 code `value` names (any letter case), or an error naming `field`."""
    if not isinstance(value, str):
        raise InvalidInput("must be an ISO 4217 currency code such as EUR", field=field)
    code = value.strip().upper()
    if code not in table():
        raise InvalidInput(f"{value!r} is not an ISO 4217 currency code", field=field)
    return code


def currency_exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (ISO 4217: EUR 2, JPY 0, KWD 3)."""
    return table()[currency_code(currency)]
