"""What the document tests share: two tenants with real invoices, and a PDF's text.

`invoiced(platform)` bills two tenants through the services: acme's customer Stadtwerke Nord
(Europe/Berlin, VAT 19 %) on the BASIC plan from 1 October 2026 with a 10 % coupon once, which
gives two invoices (checked by hand):

    INV-000001  1 Oct  fee October 31.00, discount -3.10
                       subtotal 27.90, tax 5.30, total 33.20
    INV-000002  1 Nov  devices 2 x 2 = 4.00; energy 1,234.5 kWh: 100 x 0.20 + 1,134.5 x 0.10
                       = 133.45; fee November 31.00
                       subtotal 168.45, tax 32.01, total 200.46

and globex's customer Other (UTC, no tax) on ARREARS: its own INV-000001, 31.00 for October.

`pdf_text` reads the text a PDF shows from its bytes: the documents are written uncompressed,
so the string operands of the text operators are there to read, with no PDF library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from test_billing_support import ARREARS, BASIC, DAY, Book, local, utc

from monetiot.bootstrap import Platform
from monetiot.services import access, credits, fleet

BERLIN = "Europe/Berlin"
START = local("2026-10-01T00:00", BERLIN)
NOVEMBER = local("2026-11-01T00:00", BERLIN)
COUPON = 'Friends, "early" 10 %'


@dataclass
class Invoiced:
    acme: Book
    globex: Book
    acme_key: str  # read scope
    globex_key: str  # read scope
    first: dict[str, Any]  # acme's invoices, with lines
    second: dict[str, Any]
    other: dict[str, Any]  # globex's


def invoiced(platform: Platform) -> Invoiced:
    platform.clock.at_ms = START - DAY  # type: ignore[attr-defined]
    acme, globex = Book(platform, "acme"), Book(platform, "globex")
    with platform.uow() as uow:
        fleet.create_customer(uow, acme.now, "acme", {
            "id": "nord", "name": "Stadtwerke Nord AG", "email": "billing@nord.example",
            "timezone": BERLIN})
    acme.tz["nord"] = BERLIN
    acme.device("nord-d1", "nord", START)
    acme.device("nord-d2", "nord", START)
    with platform.uow() as uow:
        credits.set_customer_billing(uow, "acme", "nord", {"tax_rate": "19"})
    acme.plan(BASIC)
    sub = acme.subscribe("nord", "basic", START)
    acme.coupon("friends", sub, kind="percentage", percent="10", name=COUPON)
    acme.run(START)
    acme.usage("nord-d1", (local("2026-10-15T12:00", BERLIN), "1234.5"))
    acme.run(NOVEMBER)

    globex.customer("other", devices=0)
    globex.plan(ARREARS)
    globex.subscribe("other", "arrears", utc("2026-10-01"))
    globex.run(utc("2026-11-01"))
    with platform.uow() as uow:
        acme_key = access.create_api_key(uow, acme.now, "acme", "read", "documents").key
    with platform.uow() as uow:
        globex_key = access.create_api_key(uow, acme.now, "globex", "read", "documents").key
    first, second = acme.invoices()
    (other,) = globex.invoices()
    return Invoiced(acme, globex, acme_key, globex_key, first, second, other)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


_SHOWN = re.compile(rb"\(((?:\\.|[^\\()])*)\)\s*Tj")
_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}


def pdf_text(pdf: bytes) -> str:
    """Every string the PDF shows (`(...) Tj`), unescaped, one per line (Windows-1252)."""
    return "\n".join(_unescape(m.group(1)).decode("cp1252") for m in _SHOWN.finditer(pdf))


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i] != ord("\\"):
            out.append(raw[i])
            i += 1
            continue
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
        if octal:
            out.append(int(octal.group(), 8))
            i += 1 + len(octal.group())
        else:
            out += _ESCAPES.get(raw[i + 1], raw[i + 1:i + 2])
            i += 2
    return bytes(out)
