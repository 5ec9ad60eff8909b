"""The ISO 4217 table the domain bills with, read from the maintained `iso4217` package.

`iso4217` ships the list the ISO 4217 maintenance agency publishes (codes, numbers and minor
units) and is re-released when the list changes. Invariant: only entries with a numeric minor
unit are installed (funds and precious metals, such as XAU, have none and cannot be billed).
`install` is idempotent and cheap after the first call.
"""

from __future__ import annotations

from monetiot.domain import currencies


def iso4217_table() -> dict[str, int]:
    """code -> minor-unit digits of every current ISO 4217 currency with a minor unit."""
    import iso4217  # imported on first use only: nothing happens at import time

    table: dict[str, int] = {}
    for code, entry in iso4217.raw_table.items():
        units = entry.get("CcyMnrUnts")
        if code and isinstance(units, str) and units.isdigit():
            table[code] = int(units)
    return table


def install() -> None:
    """Install the table into `monetiot.domain.currencies` (once per process)."""
    if not currencies.installed():
        currencies.install(iso4217_table())
