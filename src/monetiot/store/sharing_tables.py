"""Asset-sharing tables: owners, assets, members, bookings, sessions and the revenue ledger.

Invariants kept by the database:
- no double booking: on PostgreSQL an exclusion constraint (`ex_sharing_bookings_slot`, made by
  migration 0007 with btree_gist) refuses two bookings of one asset whose [start, end) overlap
  unless one is cancelled; on SQLite every write transaction begins with BEGIN IMMEDIATE, so
  writers run one at a time and the overlap check that `store.sharing.insert_booking` does in
  the same transaction cannot be raced (no slot table is needed);
- an asset has at most one active session (a partial unique index, on both dialects);
- a session's charge and each booking fee are one ledger row, unique on their charge id, whose
  platform fee and owner payout add up to what was collected.
Money columns are `ExactDecimal`; times are epoch milliseconds; JSON documents are exact text.
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
    text,
)

from monetiot.store.schema import ID, metadata
from monetiot.store.types import ExactDecimal

# Who is paid for an asset's use: a third party, or one of the tenant's customers.
sharing_owners = Table(
    "sharing_owners",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(ID), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(200)),
    Column("customer_id", String(ID)),
    Column("platform_fee_percent", ExactDecimal, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
)

# A shared asset, the device that unlocks it and reports its use, its OCPI tariff and policy.
sharing_assets = Table(
    "sharing_assets",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(ID), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("owner_id", String(ID), nullable=False),
    Column("device_id", String(ID), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("tariff", Text, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("platform_fee_percent", ExactDecimal),  # NULL: the owner's
    Column("energy_meter", String(ID)),
    Column("state_event", String(200), nullable=False),
    Column("policy", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "owner_id"],
                         ["sharing_owners.tenant_id", "sharing_owners.id"]),
    ForeignKeyConstraint(["tenant_id", "device_id"], ["devices.tenant_id", "devices.id"]),
)

# Who may use the assets: a customer (billed for the sessions), or one of its users.
sharing_members = Table(
    "sharing_members",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(ID), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("user_id", String(40)),
    Column("name", String(200), nullable=False),
    Column("status", String(12), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
)

sharing_bookings = Table(
    "sharing_bookings",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(ID), nullable=False),
    Column("asset_id", String(ID), nullable=False),
    Column("member_id", String(ID), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger, nullable=False),
    Column("status", String(12), nullable=False),
    Column("estimated_price", ExactDecimal, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("fee", ExactDecimal),
    Column("session_id", String(ID)),
    Column("created_ms", BigInteger, nullable=False),
    Column("closed_ms", BigInteger),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "asset_id"],
                         ["sharing_assets.tenant_id", "sharing_assets.id"]),
    ForeignKeyConstraint(["tenant_id", "member_id"],
                         ["sharing_members.tenant_id", "sharing_members.id"]),
    Index("ix_sharing_bookings_asset", "tenant_id", "asset_id", "start_ms"),
    Index("ix_sharing_bookings_status", "tenant_id", "status", "start_ms"),
)

sharing_sessions = Table(
    "sharing_sessions",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(ID), nullable=False),
    Column("asset_id", String(ID), nullable=False),
    Column("device_id", String(ID), nullable=False),
    Column("member_id", String(ID), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("booking_id", String(ID)),
    Column("access", String(12), nullable=False),
    Column("status", String(12), nullable=False),
    Column("start_ms", BigInteger, nullable=False),
    Column("stop_ms", BigInteger),
    Column("stopped_by", String(12)),
    Column("tariff", Text, nullable=False),  # the asset's tariff when the session started
    Column("currency", String(3), nullable=False),
    Column("energy_kwh", ExactDecimal),
    Column("in_use_ms", BigInteger),
    Column("idle_ms", BigInteger),
    Column("amount", ExactDecimal),  # billed, excl. tax, rounded at the minor unit
    Column("cost", Text),  # the OCPI cost document
    Column("charge_id", String(200)),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "asset_id"],
                         ["sharing_assets.tenant_id", "sharing_assets.id"]),
    ForeignKeyConstraint(["tenant_id", "member_id"],
                         ["sharing_members.tenant_id", "sharing_members.id"]),
    Index("ix_sharing_sessions_asset", "tenant_id", "asset_id", "start_ms"),
    Index("ux_sharing_sessions_active", "tenant_id", "asset_id", unique=True,
          sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
)

# One row per amount collected for an asset (a session's charge, a booking fee), split once.
sharing_revenue = Table(
    "sharing_revenue",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(200), nullable=False),  # the pending charge's id
    Column("kind", String(20), nullable=False),  # session | cancellation | no_show
    Column("source_id", String(ID), nullable=False),  # the session or the booking
    Column("asset_id", String(ID), nullable=False),
    Column("owner_id", String(ID), nullable=False),
    Column("member_id", String(ID), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("energy_kwh", ExactDecimal, nullable=False),
    Column("collected", ExactDecimal, nullable=False),
    Column("platform_fee_percent", ExactDecimal, nullable=False),
    Column("platform_fee", ExactDecimal, nullable=False),
    Column("owner_payout", ExactDecimal, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    Index("ix_sharing_revenue_owner", "tenant_id", "owner_id", "at_ms"),
)
