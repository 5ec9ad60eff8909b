"""Outcome tables: outcome contracts and the periods settled under them.

Invariants kept by constraints: a contract id is unique per tenant and its document never
changes (a new agreement is a new contract); a period of a contract is settled once (the key is
its start), and its settlement names the pending charge that bills it. Documents and figures are
JSON text whose numbers keep their exact digits; amounts are `ExactDecimal`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from monetiot.store.schema import ID, metadata
from monetiot.store.types import ExactDecimal

# form: shared_savings | guaranteed_savings | sla; document: the contract as posted (canonical
# JSON with exact numbers).
outcome_contracts = Table(
    "outcome_contracts",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(ID), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("form", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("document", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
    Index("ix_outcome_contracts_customer", "tenant_id", "customer_id"),
)

# One row per settled period; `figures` is the period's outcome as the invoice line shows it.
outcome_settlements = Table(
    "outcome_settlements",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("contract_id", String(ID), nullable=False),
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger, nullable=False),
    Column("charge_id", String(200), nullable=False),
    Column("savings", ExactDecimal),
    Column("fee", ExactDecimal, nullable=False),
    Column("fee_due", ExactDecimal, nullable=False),
    Column("figures", Text, nullable=False),
    Column("settled_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "contract_id", "start_ms"),
    ForeignKeyConstraint(["tenant_id", "contract_id"],
                         ["outcome_contracts.tenant_id", "outcome_contracts.id"]),
)
