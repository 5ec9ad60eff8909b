"""What each shared asset earned and who gets it: the revenue ledger and owner statements.

`record` runs in the use case that charges a member (a session's stop, a booking fee): it splits
the amount charged into the platform fee and the owner's payout (`domain.sharing.split_revenue`)
and writes one ledger row, keyed by the charge's id, so an amount is split once and a retried
use case finds it already there. `owner_statement` reads an owner's rows of a period; every line
and every total adds up: collected = platform fee + owner payout.

"Collected" is what the member was charged for the item, excluding tax (the invoice adds tax
under the member's billing settings), rounded at the currency's minor unit: the amount of the
invoice line, whether or not that invoice has been paid yet.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from monetiot.domain.sharing import StatementItem, split_revenue, statement
from monetiot.services.sharing import Asset, get_owner
from monetiot.store import sharing as store
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]


def record(uow: UnitOfWork, now_ms: int, tenant: str, *, item_id: str, kind: str,
           source_id: str, asset: Asset, member: Row, at_ms: int, collected: Decimal,
           energy_kwh: Decimal = Decimal(0)) -> Row:
    """Split `collected` and keep the split (once per `item_id`). Never commits."""
    existing = store.get_revenue(uow.conn, tenant, item_id)
    if existing is not None:
        return existing
    split = split_revenue(collected, asset.platform_fee_percent, asset.currency)
    row = {"tenant_id": tenant, "id": item_id, "kind": kind, "source_id": source_id,
           "asset_id": asset.id, "owner_id": asset.owner, "member_id": member["id"],
           "customer_id": member["customer_id"], "at_ms": at_ms, "currency": asset.currency,
           "energy_kwh": energy_kwh, "collected": split.collected,
           "platform_fee_percent": split.platform_fee_percent,
           "platform_fee": split.platform_fee, "owner_payout": split.owner_payout,
           "created_ms": now_ms}
    store.insert_revenue(uow.conn, row)
    return row


def owner_statement(uow: UnitOfWork, tenant: str, owner_id: str, start_ms: int,
                    end_ms: int) -> Row:
    """The owner's sessions and fees of [start, end), with the platform fee and payout of each."""
    owner = get_owner(uow, tenant, owner_id)
    rows = store.revenue_for_owner(uow.conn, tenant, owner_id, start_ms, end_ms)
    result = statement(owner_id, start_ms, end_ms, [
        StatementItem(id=r["id"], kind=r["kind"], asset=r["asset_id"], at_ms=r["at_ms"],
                      currency=r["currency"], collected=r["collected"],
                      platform_fee=r["platform_fee"], owner_payout=r["owner_payout"],
                      energy_kwh=r["energy_kwh"])
        for r in rows])
    by_id = {r["id"]: r for r in rows}
    return {
        "owner": owner_id, "name": owner["name"], "start_ms": start_ms, "end_ms": end_ms,
        "items": [{"id": i.id, "kind": i.kind, "source": by_id[i.id]["source_id"],
                   "asset": i.asset, "member": by_id[i.id]["member_id"], "at_ms": i.at_ms,
                   "currency": i.currency, "energy_kwh": i.energy_kwh,
                   "collected": i.collected,
                   "platform_fee_percent": by_id[i.id]["platform_fee_percent"],
                   "platform_fee": i.platform_fee, "owner_payout": i.owner_payout}
                  for i in result.items],
        "totals": [{"currency": t.currency, "sessions": t.sessions, "fees": t.fees,
                    "energy_kwh": t.energy_kwh, "collected": t.collected,
                    "platform_fee": t.platform_fee, "owner_payout": t.owner_payout}
                   for t in result.totals],
    }
